//! `--all-objects`: objects no ref reaches but `git gc` has not removed yet. Dangling commits
//! are walked like history (so their findings keep commit attribution, marked unreachable);
//! blobs that no walked tree names are scanned on their own.

use gix::ObjectId;
use gix::objs::FindHeader as _;

use crate::finding::GitOrigin;
use crate::progress::Progress;
use crate::scan::Scanner;

use super::places::{Place, PlaceTable};
use super::repo::Opened;
use super::walk::Commits;

/// Commit and blob ids of the whole object database (packs, loose objects, alternates).
#[derive(Debug, Default)]
pub struct Objects {
    /// Every commit.
    pub commits: Vec<ObjectId>,
    /// Every blob.
    pub blobs: Vec<ObjectId>,
}

/// Lists every commit and blob in the object database.
pub fn list(repo: &gix::Repository, opened: &Opened, scanner: &Scanner) -> Objects {
    let mut out = Objects::default();
    let iter = match repo.objects.iter() {
        Ok(i) => i.with_ordering(
            gix::odb::store::iter::Ordering::PackAscendingOffsetThenLooseLexicographical,
        ),
        Err(e) => {
            scanner.warn(format!(
                "{}: cannot list the object database: {e}",
                opened.display
            ));
            return out;
        }
    };
    let mut seen = super::IdSet::default();
    for id in iter {
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                scanner.warn(format!("{}: object database: {e}", opened.display));
                continue;
            }
        };
        if !seen.insert(id) {
            continue;
        }
        match repo.objects.try_header(&id) {
            Ok(Some(h)) => match h.kind {
                gix::object::Kind::Commit => out.commits.push(id),
                gix::object::Kind::Blob => out.blobs.push(id),
                _ => {}
            },
            Ok(None) => {}
            Err(e) => scanner.warn(format!(
                "{}: object {id} cannot be read: {e}",
                opened.display
            )),
        }
    }
    out
}

/// Walks every commit not already walked, marking what it adds as unreachable.
pub fn add_commits(
    repo: &gix::Repository,
    opened: &Opened,
    objects: &Objects,
    commits: &mut Commits,
    scanner: &Scanner,
    progress: &Progress,
) {
    let starts: Vec<(ObjectId, String)> = objects
        .commits
        .iter()
        .filter(|id| !commits.seen(id))
        .map(|id| (*id, "an unreachable commit".to_string()))
        .collect();
    commits.extend(repo, opened, starts, true, scanner, progress);
}

/// Adds every blob no walked tree names, with no commit and no path of its own.
pub fn add_blobs(objects: &Objects, table: &mut PlaceTable) {
    for id in &objects.blobs {
        if table.contains(id) {
            continue;
        }
        let path = table.path_id(format!("(unreachable blob {id})").as_bytes());
        table.add(
            *id,
            Place {
                commit: None,
                path,
                origin: GitOrigin::Unreachable,
            },
        );
    }
}
