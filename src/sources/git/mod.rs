//! Git history source: every unique blob of a repository is decompressed and scanned once,
//! then each finding is attributed to every (commit, path) that introduced the blob.
//!
//! The pipeline, one module per step:
//! [`repo`] opens the repository (normal, bare, mirror, shallow, with alternates);
//! [`tips`] lists where history starts (every ref, the stash reflog, or `--branch`) and what
//! to leave out (`--since-commit`); [`walk`] reads the commits reachable from the tips;
//! [`diff`] finds the (path, blob) pairs each commit introduced; [`places`] groups them by
//! blob; [`blobs`] scans each blob once in parallel and attributes its findings;
//! [`staged`] covers the index for pre-commit hooks and [`unreachable`] the objects no ref
//! reaches (`--all-objects`). Everything reads the object database through `gix`: no `git`
//! process runs.

pub mod blobs;
pub mod diff;
pub mod packs;
pub mod places;
pub mod repo;
pub mod staged;
pub mod tips;
pub mod unreachable;
pub mod walk;

use std::path::PathBuf;

use anyhow::Result;
use gix::ObjectId;

use crate::progress::Progress;
use crate::scan::Scanner;

use self::places::PlaceTable;

/// A map keyed by object id. Ids are whatever the scanned repository says (a crafted pack
/// index or loose-object name can give any id, unverified), and gix's id hasher keys on the
/// first 8 bytes only: 60,000 ids sharing them made `--all-objects` take 152 s instead of 5.
/// This one hashes all of the id under a per-process random seed.
pub type IdMap<V> = hashbrown::HashMap<ObjectId, V>;
/// A set of object ids; see [`IdMap`].
pub type IdSet = hashbrown::HashSet<ObjectId>;

/// What to scan in each repository.
#[derive(Debug, Clone, Default)]
pub struct GitOptions {
    /// Only history reachable from these revisions (default: every ref).
    pub branches: Vec<String>,
    /// Leave out commits reachable from this revision (CI mode).
    pub since_commit: Option<String>,
    /// Scan the index instead of history.
    pub staged: bool,
    /// Also scan objects that no ref reaches (dangling commits and blobs).
    pub all_objects: bool,
    /// How far each tree diff may go (no flag; the fuzz targets lower it).
    pub diff_limits: diff::DiffLimits,
}

/// What one repository scan walked, for the closing note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoStats {
    /// Commits walked.
    pub commits: u64,
    /// Unique blobs found in them.
    pub blobs: u64,
    /// Whether the repository is a shallow clone.
    pub shallow: bool,
}

/// Scans each repository in `repos`. A path that is not a repository is a warning; the other
/// repositories are still scanned. Errors are returned only for usage errors (a `--branch`
/// or `--since-commit` revision that does not exist).
pub fn scan_repos(
    repos: &[PathBuf],
    opts: &GitOptions,
    scanner: &Scanner,
    progress: &Progress,
) -> Result<Vec<RepoStats>> {
    let mut all = Vec::new();
    for path in repos {
        let Some(opened) = repo::open(path, scanner) else {
            continue;
        };
        all.push(scan_repo(&opened, opts, scanner, progress)?);
    }
    Ok(all)
}

/// Scans one opened repository.
pub fn scan_repo(
    opened: &repo::Opened,
    opts: &GitOptions,
    scanner: &Scanner,
    progress: &Progress,
) -> Result<RepoStats> {
    let repo = opened.repo.to_thread_local();
    let mut stats = RepoStats {
        shallow: opened.shallow.is_some(),
        ..RepoStats::default()
    };
    let mut table = PlaceTable::default();
    if opts.staged {
        staged::collect(&repo, opened, scanner, &mut table);
    } else {
        let tips = tips::resolve(&repo, opened, opts, scanner)?;
        let mut commits = walk::walk(&repo, opened, &tips, scanner, progress);
        let everything = opts
            .all_objects
            .then(|| unreachable::list(&repo, opened, scanner));
        if let Some(objects) = &everything {
            unreachable::add_commits(&repo, opened, objects, &mut commits, scanner, progress);
        }
        stats.commits = commits.list.len() as u64;
        progress.set_label(&format!(
            "git {}: {} commits, diffing",
            opened.display, stats.commits
        ));
        diff::collect(opened, &commits, &opts.diff_limits, scanner, &mut table);
        tips::collect_direct(&repo, opened, &tips, &opts.diff_limits, scanner, &mut table);
        table.commits = commits.into_commits();
        if let Some(objects) = &everything {
            unreachable::add_blobs(objects, &mut table);
        }
    }
    stats.blobs = table.blob_count() as u64;
    progress.set_label(&format!(
        "git {}: {} commits, {} blobs",
        opened.display, stats.commits, stats.blobs
    ));
    blobs::scan(opened, table, scanner, progress);
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    /// Ids that agree on their first 8 bytes (any id can be claimed by a crafted repository)
    /// still hash apart, so a table of them stays constant time per lookup.
    #[test]
    fn ids_sharing_a_prefix_hash_apart() {
        let ids: Vec<ObjectId> = (0u8..64)
            .map(|i| {
                let mut b = [0xde_u8; 20];
                b[19] = i;
                ObjectId::from_bytes_or_panic(&b)
            })
            .collect();
        let map: IdMap<()> = IdMap::default();
        let hashes: std::collections::HashSet<u64> =
            ids.iter().map(|id| map.hasher().hash_one(id)).collect();
        assert_eq!(hashes.len(), ids.len());
        // What this guards against: gix's own id hasher gives them all one hash.
        let gix_map: gix::hashtable::HashMap<ObjectId, ()> = Default::default();
        let gix_hashes: std::collections::HashSet<u64> =
            ids.iter().map(|id| gix_map.hasher().hash_one(id)).collect();
        assert_eq!(gix_hashes.len(), 1);
    }
}
