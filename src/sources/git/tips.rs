//! Where history starts: every ref (branches, tags, remotes, notes, the stash and its
//! reflog, a detached HEAD) or the `--branch` revisions, peeled through annotated tags; and
//! what `--since-commit` leaves out. Broken refs are warnings naming the ref.

use anyhow::{Context, Result, bail};
use gix::ObjectId;
use gix::objs::{Find as _, FindHeader as _};

use crate::finding::GitOrigin;
use crate::scan::Scanner;

use super::GitOptions;
use super::diff;
use super::places::{Place, PlaceTable};
use super::repo::Opened;

/// An object a walk starts from, with the name it was reached by.
#[derive(Debug, Clone)]
pub struct Tip {
    /// The object.
    pub id: ObjectId,
    /// The ref or revision that names it.
    pub label: String,
}

/// The peeled starting points of a scan.
#[derive(Debug, Clone, Default)]
pub struct Tips {
    /// Commits to walk.
    pub commits: Vec<Tip>,
    /// Trees named directly by a ref (rare: `git tag t <tree>`).
    pub trees: Vec<Tip>,
    /// Blobs named directly by a ref.
    pub blobs: Vec<Tip>,
    /// Commits whose ancestry is left out (`--since-commit`).
    pub hidden: Vec<ObjectId>,
}

/// Resolves the starting points for `opts`. A `--branch` or `--since-commit` revision that
/// does not resolve is an error (the user asked for it); a broken ref is a warning.
pub fn resolve(
    repo: &gix::Repository,
    opened: &Opened,
    opts: &GitOptions,
    scanner: &Scanner,
) -> Result<Tips> {
    let mut tips = Tips::default();
    let mut raw: Vec<Tip> = Vec::new();
    if !opts.branches.is_empty() {
        for spec in &opts.branches {
            raw.push(Tip {
                id: rev(repo, opened, spec, "--branch")?,
                label: spec.clone(),
            });
        }
    } else if opts.since_commit.is_some() {
        // CI mode: what the checked-out head adds over the base.
        raw.push(Tip {
            id: rev(repo, opened, "HEAD", "--since-commit needs HEAD;")?,
            label: "HEAD".into(),
        });
    } else {
        all_refs(repo, opened, scanner, &mut raw);
    }
    if let Some(spec) = &opts.since_commit {
        let id = rev(repo, opened, spec, "--since-commit")?;
        let mut hidden = Tips::default();
        peel(
            repo,
            opened,
            Tip {
                id,
                label: spec.clone(),
            },
            scanner,
            &mut hidden,
        );
        if hidden.commits.is_empty() {
            bail!(
                "{}: --since-commit {spec:?} does not name a commit",
                opened.display
            );
        }
        tips.hidden = hidden.commits.into_iter().map(|t| t.id).collect();
    }
    // Thousands of refs often name a handful of commits: peel each commit once (the first
    // ref naming it labels it). Trees and blobs keep every name, which is their path.
    let mut commit_tips = std::collections::HashSet::new();
    for tip in raw {
        if commit_tips.contains(&tip.id) {
            continue;
        }
        let (id, before) = (tip.id, tips.commits.len());
        peel(repo, opened, tip, scanner, &mut tips);
        if tips.commits.len() > before {
            commit_tips.insert(id);
        }
    }
    Ok(tips)
}

fn rev(repo: &gix::Repository, opened: &Opened, spec: &str, flag: &str) -> Result<ObjectId> {
    repo.rev_parse_single(spec)
        .map(|id| id.detach())
        .with_context(|| format!("{}: {flag} {spec:?} not found", opened.display))
}

/// Every ref, HEAD and every stash reflog entry.
fn all_refs(repo: &gix::Repository, opened: &Opened, scanner: &Scanner, out: &mut Vec<Tip>) {
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            scanner.warn(format!("{}: cannot read refs: {e}", opened.display));
            return;
        }
    };
    let iter = match platform.all() {
        Ok(i) => i,
        Err(e) => {
            scanner.warn(format!("{}: cannot list refs: {e}", opened.display));
            return;
        }
    };
    let mut refs = Vec::new();
    for r in iter {
        match r {
            Ok(r) => refs.push(r),
            Err(e) => scanner.warn(format!("{}: broken ref skipped: {e}", opened.display)),
        }
    }
    for mut r in refs {
        let name = r.name().as_bstr().to_string();
        match r.follow_to_object() {
            Ok(id) => out.push(Tip {
                id: id.detach(),
                label: name,
            }),
            Err(e) => scanner.warn(format!(
                "{}: ref {name} cannot be resolved, skipped: {e}",
                opened.display
            )),
        }
    }
    // A detached HEAD may name commits no branch holds. An unborn HEAD (empty repository)
    // names nothing.
    if let Ok(id) = repo.head_id() {
        out.push(Tip {
            id: id.detach(),
            label: "HEAD".into(),
        });
    }
    stash_reflog(repo, opened, scanner, out);
}

/// Older stashes live only in the reflog of `refs/stash`.
fn stash_reflog(repo: &gix::Repository, opened: &Opened, scanner: &Scanner, out: &mut Vec<Tip>) {
    let Ok(stash) = repo.find_reference("refs/stash") else {
        return;
    };
    let mut platform = stash.log_iter();
    let lines = match platform.all() {
        Ok(Some(lines)) => lines,
        Ok(None) => return,
        Err(e) => {
            scanner.warn(format!(
                "{}: cannot read the stash reflog: {e}",
                opened.display
            ));
            return;
        }
    };
    let ids: Vec<ObjectId> = lines
        .filter_map(|l| match l {
            Ok(l) => Some(l.new_oid()),
            Err(e) => {
                scanner.warn(format!(
                    "{}: unreadable stash reflog line skipped: {e}",
                    opened.display
                ));
                None
            }
        })
        .collect();
    let n = ids.len();
    for (i, id) in ids.into_iter().enumerate() {
        if id.is_null() {
            continue;
        }
        out.push(Tip {
            id,
            label: format!("stash@{{{}}}", n - 1 - i),
        });
    }
}

/// Follows annotated tags from `tip` to a commit, tree or blob and files it in `tips`.
pub fn peel(repo: &gix::Repository, opened: &Opened, tip: Tip, scanner: &Scanner, tips: &mut Tips) {
    let mut id = tip.id;
    let mut buf = Vec::new();
    for _ in 0..64 {
        // A blob is filed by its header: its size is checked when the blobs are scanned.
        if let Ok(Some(h)) = repo.objects.try_header(&id)
            && h.kind == gix::object::Kind::Blob
        {
            return tips.blobs.push(Tip {
                id,
                label: tip.label.clone(),
            });
        }
        let data = match repo.objects.try_find(&id, &mut buf) {
            Ok(Some(d)) => d,
            Ok(None) => {
                scanner.warn(format!(
                    "{}: {} points to object {id}, which is missing; skipped",
                    opened.display, tip.label
                ));
                return;
            }
            Err(e) => {
                scanner.warn(format!(
                    "{}: {} points to object {id}, which cannot be read ({e}); skipped",
                    opened.display, tip.label
                ));
                return;
            }
        };
        let found = Tip {
            id,
            label: tip.label.clone(),
        };
        match data.kind {
            gix::object::Kind::Commit => return tips.commits.push(found),
            gix::object::Kind::Tree => return tips.trees.push(found),
            gix::object::Kind::Blob => return tips.blobs.push(found),
            gix::object::Kind::Tag => match gix::objs::TagRef::from_bytes(data.data, id.kind()) {
                Ok(tag) => id = tag.target(),
                Err(e) => {
                    scanner.warn(format!(
                        "{}: {}: tag object {id} is corrupt ({e}); skipped",
                        opened.display, tip.label
                    ));
                    return;
                }
            },
        }
    }
    scanner.warn(format!(
        "{}: {}: tag chain too long; skipped",
        opened.display, tip.label
    ));
}

/// Files the blobs of trees and blobs that refs name directly (no commit introduces them).
pub fn collect_direct(
    repo: &gix::Repository,
    opened: &Opened,
    tips: &Tips,
    limits: &diff::DiffLimits,
    scanner: &Scanner,
    table: &mut PlaceTable,
) {
    for t in &tips.trees {
        let mut out = Vec::new();
        if let Err(e) = diff::additions(&repo.objects, None, &t.id, limits, &mut out) {
            scanner.warn(format!(
                "{}: tree {} named by {}: {e:#}",
                opened.display, t.id, t.label
            ));
        }
        for (path, blob) in out {
            let path = table.path_id(&path);
            table.add(
                blob,
                Place {
                    commit: None,
                    path,
                    origin: GitOrigin::History,
                },
            );
        }
    }
    for t in &tips.blobs {
        let path = table.path_id(t.label.as_bytes());
        table.add(
            t.id,
            Place {
                commit: None,
                path,
                origin: GitOrigin::History,
            },
        );
    }
}
