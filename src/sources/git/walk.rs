//! The commit walk: every commit reachable from the tips and not from the hidden commits,
//! read once. A commit that cannot be read is a warning naming it and the ref it was reached
//! from; its ancestors reachable some other way are still walked.

use std::collections::{HashMap, HashSet};

use gix::ObjectId;
use gix::objs::Find as _;

use crate::progress::Progress;
use crate::scan::Scanner;

use super::places::CommitMeta;
use super::repo::Opened;
use super::tips::Tips;

/// The walked commits and their index.
#[derive(Debug, Default)]
pub struct Commits {
    /// Every walked commit.
    pub list: Vec<CommitMeta>,
    index: HashMap<ObjectId, u32>,
    hidden: HashSet<ObjectId>,
}

impl Commits {
    /// Position of a walked commit in [`Commits::list`].
    pub fn position(&self, id: &ObjectId) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Whether the commit was walked or deliberately left out.
    pub fn seen(&self, id: &ObjectId) -> bool {
        self.index.contains_key(id) || self.hidden.contains(id)
    }

    /// Hands out the commit list.
    pub fn into_commits(self) -> Vec<CommitMeta> {
        self.list
    }

    /// Walks from `starts` (each with the label warnings name), marking new commits
    /// `unreachable` if asked.
    pub fn extend(
        &mut self,
        repo: &gix::Repository,
        opened: &Opened,
        starts: Vec<(ObjectId, String)>,
        unreachable: bool,
        scanner: &Scanner,
        progress: &Progress,
    ) {
        let mut labels: Vec<String> = Vec::new();
        let mut stack: Vec<(ObjectId, u32)> = Vec::new();
        for (id, label) in starts {
            labels.push(label);
            stack.push((id, labels.len() as u32 - 1));
        }
        let mut buf = Vec::new();
        while let Some((id, label)) = stack.pop() {
            if self.seen(&id) {
                continue;
            }
            let from = labels.get(label as usize).map_or("", String::as_str);
            let meta = match read_commit(&repo.objects, &id, &mut buf) {
                Ok(m) => m,
                Err(e) => {
                    scanner.warn(format!(
                        "{}: commit {id} (reached from {from}): {e}; its history may be incomplete",
                        opened.display
                    ));
                    // Remember it so it is reported once.
                    self.hidden.insert(id);
                    continue;
                }
            };
            let boundary = opened.shallow.as_ref().is_some_and(|s| s.contains(&id));
            if !boundary {
                for p in meta.parents.iter().rev() {
                    if !self.seen(p) {
                        stack.push((*p, label));
                    }
                }
            }
            self.index.insert(id, self.list.len() as u32);
            self.list.push(CommitMeta {
                unreachable,
                ..meta
            });
            if self.list.len().is_multiple_of(1024) {
                progress.set_label(&format!(
                    "git {}: {} commits walked",
                    opened.display,
                    self.list.len()
                ));
            }
        }
    }
}

/// Walks every commit reachable from `tips.commits` but not from `tips.hidden`.
pub fn walk(
    repo: &gix::Repository,
    opened: &Opened,
    tips: &Tips,
    scanner: &Scanner,
    progress: &Progress,
) -> Commits {
    let mut commits = Commits {
        hidden: ancestors(repo, opened, &tips.hidden),
        ..Commits::default()
    };
    let starts = tips
        .commits
        .iter()
        .map(|t| (t.id, t.label.clone()))
        .collect();
    commits.extend(repo, opened, starts, false, scanner, progress);
    commits
}

/// Every commit reachable from `from` (inclusive). Unreadable commits end that line quietly:
/// they are only used to leave history out.
fn ancestors(repo: &gix::Repository, opened: &Opened, from: &[ObjectId]) -> HashSet<ObjectId> {
    let mut seen = HashSet::new();
    let mut stack: Vec<ObjectId> = from.to_vec();
    let mut buf = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if opened.shallow.as_ref().is_some_and(|s| s.contains(&id)) {
            continue;
        }
        if let Ok(Some(data)) = repo.objects.try_find(&id, &mut buf)
            && data.kind == gix::object::Kind::Commit
            && let Ok(c) = gix::objs::CommitRef::from_bytes(data.data, id.kind())
        {
            stack.extend(c.parents().filter(|p| !seen.contains(p)));
        }
    }
    seen
}

/// Reads and parses one commit from `objects` (a repository's object database).
pub fn read_commit<F: gix::objs::Find + ?Sized>(
    objects: &F,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<CommitMeta, String> {
    let data = match objects.try_find(id, buf) {
        Ok(Some(d)) => d,
        Ok(None) => return Err("missing from the object database".into()),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    if data.kind != gix::object::Kind::Commit {
        return Err(format!("is a {}, not a commit", data.kind));
    }
    let c = gix::objs::CommitRef::from_bytes(data.data, id.kind())
        .map_err(|e| format!("is corrupt: {e}"))?;
    let (author_name, author_email) = match c.author() {
        Ok(a) => {
            let a = a.trim();
            (a.name.to_string(), a.email.to_string())
        }
        Err(_) => (String::new(), String::new()),
    };
    let (seconds, offset) = c
        .committer()
        .ok()
        .and_then(|s| s.time().ok())
        .map_or((0, 0), |t| (t.seconds, t.offset));
    Ok(CommitMeta {
        id: *id,
        tree: c.tree(),
        parents: c.parents().collect(),
        author_name,
        author_email,
        seconds,
        offset,
        summary: c.message().summary().to_string(),
        unreachable: false,
    })
}
