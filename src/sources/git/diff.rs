//! What each commit introduced: the (path, blob) pairs of its tree that are not at the same
//! path in any parent. Trees are compared entry by entry and identical subtrees are skipped
//! by id, so the cost follows the size of each change, not of the tree. Commits are diffed
//! in parallel.

use std::collections::HashSet;

use anyhow::{Result, anyhow};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice, ByteVec};
use gix::objs::tree::EntryRef;
use gix::objs::{Find, TreeRefIter};
use rayon::prelude::*;

use crate::finding::GitOrigin;
use crate::scan::Scanner;

use super::places::{CommitMeta, Place, PlaceTable};
use super::repo::Opened;
use super::walk::{Commits, read_commit};

/// Object cache per diff thread: each tree is read as the new side of one commit and the old
/// side of its children. On the 14,000-commit benchmark, 16 -> 64 MB took the diff phase from
/// about 610 to 480 ms; peak memory did not move (the blob phase sets it).
const DIFF_OBJECT_CACHE: usize = 64 << 20;

/// Delta-base cache per diff thread (gix's default is 96 MB per handle).
const DIFF_PACK_CACHE: usize = 64 << 20;

/// Deepest tree nesting followed. Real checkouts stay far below it; a crafted repository can
/// hold a tree that contains itself (loose objects are not re-hashed when read), which would
/// otherwise recurse until the stack overflows.
pub const MAX_TREE_DEPTH: usize = 1024;

/// Most tree entries one diff visits. A "git bomb" repeats a subtree in each of its parents so
/// a few objects spell billions of paths; past this the rest of that tree is not diffed.
pub const MAX_TREE_ENTRIES: usize = 1 << 20;

/// Most path bytes one diff returns (a million files at 64 bytes each). A tree that contains
/// itself under a long name spells paths of megabytes within the entry budget; past this the
/// rest of that tree is not diffed.
pub const MAX_PATH_BYTES: usize = 64 << 20;

/// How far one tree diff may go: what a crafted repository can make a diff cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffLimits {
    /// Deepest tree nesting followed.
    pub depth: usize,
    /// Most tree entries visited.
    pub entries: usize,
    /// Most path bytes returned.
    pub path_bytes: usize,
}

impl Default for DiffLimits {
    /// [`MAX_TREE_DEPTH`], [`MAX_TREE_ENTRIES`] and [`MAX_PATH_BYTES`].
    fn default() -> Self {
        DiffLimits {
            depth: MAX_TREE_DEPTH,
            entries: MAX_TREE_ENTRIES,
            path_bytes: MAX_PATH_BYTES,
        }
    }
}

/// Appends to `out` every blob (regular or executable file) in tree `new` whose path and id
/// are not both in tree `old` (`None`: the empty tree). Unreadable subtrees are skipped and
/// the first problem is returned after everything readable was collected; so are trees nested
/// deeper than `limits.depth` and whatever lies past the entry and path budgets.
pub fn additions<F: Find>(
    find: &F,
    old: Option<&ObjectId>,
    new: &ObjectId,
    limits: &DiffLimits,
    out: &mut Vec<(BString, ObjectId)>,
) -> Result<()> {
    let mut w = Walker {
        find,
        out,
        errors: Vec::new(),
        entries_left: limits.entries,
        path_bytes_left: limits.path_bytes,
        limits: *limits,
    };
    let mut prefix = BString::default();
    w.walk(old, new, &mut prefix, 0);
    let mut errors = w.errors;
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        n => Err(errors
            .remove(0)
            .context(format!("and {} more problems with its trees", n - 1))),
    }
}

fn read_tree<F: Find>(find: &F, id: &ObjectId, prefix: &BString) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let shown = shown(prefix);
    match find.try_find(id, &mut buf) {
        Ok(Some(d)) if d.kind == gix::object::Kind::Tree => {}
        Ok(Some(d)) => return Err(anyhow!("tree {id} at {shown} is a {}", d.kind)),
        Ok(None) => return Err(anyhow!("tree {id} at {shown} is missing")),
        Err(e) => return Err(anyhow!("tree {id} at {shown} cannot be read: {e}")),
    }
    Ok(buf)
}

fn entries<'a>(data: &'a [u8], id: &ObjectId, prefix: &BString) -> Result<Vec<EntryRef<'a>>> {
    TreeRefIter::from_bytes(data, id.kind())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("tree {id} at {} is corrupt: {e}", shown(prefix)))
}

/// One tree diff in progress.
struct Walker<'a, F> {
    find: &'a F,
    out: &'a mut Vec<(BString, ObjectId)>,
    errors: Vec<anyhow::Error>,
    /// The limits as given (for messages).
    limits: DiffLimits,
    /// Tree entries this diff may still visit.
    entries_left: usize,
    /// Path bytes this diff may still return.
    path_bytes_left: usize,
}

/// A tree's path for messages; a crafted tree can nest names into megabytes of path, so long
/// paths keep their two ends.
fn shown(prefix: &BString) -> String {
    const END: usize = 120;
    if prefix.is_empty() {
        "/".to_string()
    } else if prefix.len() <= 2 * END + 40 {
        prefix.to_str_lossy().into_owned()
    } else {
        format!(
            "{}…({} bytes)…{}",
            prefix[..END].to_str_lossy(),
            prefix.len(),
            prefix[prefix.len() - END..].to_str_lossy()
        )
    }
}

impl<F: Find> Walker<'_, F> {
    fn walk(&mut self, old: Option<&ObjectId>, new: &ObjectId, prefix: &mut BString, depth: usize) {
        if old == Some(new) || self.entries_left == 0 || self.path_bytes_left == 0 {
            return;
        }
        if depth >= self.limits.depth {
            return self.errors.push(anyhow!(
                "tree {new} at {} is nested deeper than {} levels (a tree that \
                 contains itself?); not diffed further",
                shown(prefix),
                self.limits.depth
            ));
        }
        let find = self.find;
        let new_data = match read_tree(find, new, prefix) {
            Ok(d) => d,
            Err(e) => return self.errors.push(e),
        };
        let new_entries = match entries(&new_data, new, prefix) {
            Ok(e) => e,
            Err(e) => return self.errors.push(e),
        };
        let old_data = match old.map(|o| read_tree(find, o, prefix)) {
            Some(Ok(d)) => d,
            // An unreadable old side makes everything on the new side look new: report it once
            // and carry on, which over-reports rather than misses.
            Some(Err(e)) => {
                self.errors.push(e);
                Vec::new()
            }
            None => Vec::new(),
        };
        let old_entries = match old {
            Some(o) if !old_data.is_empty() => entries(&old_data, o, prefix).unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut olds = old_entries.iter().peekable();
        let base = prefix.len();
        for e in &new_entries {
            if self.entries_left == 0 {
                return self.errors.push(anyhow!(
                    "tree {new} at {}: more than {} tree entries in one diff \
                     (subtrees repeated many times over?); the rest was not diffed",
                    shown(prefix),
                    self.limits.entries
                ));
            }
            self.entries_left -= 1;
            // Both lists are in git's tree order; advance the old side up to `e`.
            let mut same: Option<&EntryRef<'_>> = None;
            while let Some(o) = olds.peek() {
                match (*o).cmp(e) {
                    std::cmp::Ordering::Less => {
                        olds.next();
                    }
                    std::cmp::Ordering::Equal => {
                        same = olds.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
            let unchanged =
                same.is_some_and(|o| o.oid == e.oid && o.mode.is_tree() == e.mode.is_tree());
            if unchanged {
                continue;
            }
            if e.mode.is_tree() {
                if !prefix.is_empty() {
                    prefix.push_byte(b'/');
                }
                prefix.push_str(e.filename);
                let old_sub = same.filter(|o| o.mode.is_tree()).map(|o| o.oid.to_owned());
                self.walk(old_sub.as_ref(), &e.oid.to_owned(), prefix, depth + 1);
                prefix.truncate(base);
            } else if e.mode.is_blob() {
                let len = prefix.len() + 1 + e.filename.len();
                if self.path_bytes_left == 0 {
                    return;
                }
                if len > self.path_bytes_left {
                    self.path_bytes_left = 0;
                    return self.errors.push(anyhow!(
                        "tree {new} at {}: paths of more than {} MiB in one diff (a tree that \
                         contains itself?); the rest was not diffed",
                        shown(prefix),
                        self.limits.path_bytes >> 20
                    ));
                }
                self.path_bytes_left -= len;
                let mut path = prefix.clone();
                if !path.is_empty() {
                    path.push_byte(b'/');
                }
                path.push_str(e.filename);
                self.out.push((path, e.oid.to_owned()));
            }
            // Symlinks hold a path and submodules a commit of another repository: not scanned.
        }
    }
}

/// The (path, blob) pairs a commit introduced, and the first problem met reading its trees.
type Introduced = (Vec<(BString, ObjectId)>, Option<anyhow::Error>);

/// What commit `c` introduced relative to all of its parents.
fn introduced(
    repo: &gix::Repository,
    commits: &Commits,
    c: &CommitMeta,
    limits: &DiffLimits,
    buf: &mut Vec<u8>,
) -> Introduced {
    let parent_tree = |p: &ObjectId, buf: &mut Vec<u8>| -> Option<ObjectId> {
        match commits.position(p) {
            Some(i) => commits.list.get(i as usize).map(|m| m.tree),
            // A parent left out by --since-commit, or missing (shallow boundary, already
            // reported by the walk): compare with what can be read.
            None => read_commit(&repo.objects, p, buf).ok().map(|m| m.tree),
        }
    };
    let trees: Vec<Option<ObjectId>> = c.parents.iter().map(|p| parent_tree(p, buf)).collect();
    let mut out = Vec::new();
    let mut err = additions(
        &repo.objects,
        trees.first().copied().flatten().as_ref(),
        &c.tree,
        limits,
        &mut out,
    )
    .err();
    for other in trees.iter().skip(1) {
        if out.is_empty() {
            break;
        }
        let mut theirs = Vec::new();
        if let Err(e) = additions(&repo.objects, other.as_ref(), &c.tree, limits, &mut theirs) {
            err.get_or_insert(e);
        }
        let theirs: HashSet<(BString, ObjectId)> = theirs.into_iter().collect();
        out.retain(|x| theirs.contains(x));
    }
    (out, err)
}

/// Diffs every walked commit against its parents (in parallel) and records each introduced
/// (path, blob) in `table`, pointing at the commit's position in `commits.list`.
pub fn collect(
    opened: &Opened,
    commits: &Commits,
    limits: &DiffLimits,
    scanner: &Scanner,
    table: &mut PlaceTable,
) {
    let results: Vec<Introduced> = commits
        .list
        .par_iter()
        .with_min_len(16)
        .map_init(
            || {
                let mut repo = opened.repo.to_thread_local();
                repo.object_cache_size(DIFF_OBJECT_CACHE);
                repo.objects.set_pack_cache(|| {
                    Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::new(
                        DIFF_PACK_CACHE,
                    ))
                });
                (repo, Vec::new())
            },
            |(repo, buf), c| introduced(repo, commits, c, limits, buf),
        )
        .collect();
    for (i, (added, err)) in results.into_iter().enumerate() {
        if let Some(e) = err {
            let id = commits
                .list
                .get(i)
                .map(|c| c.id.to_string())
                .unwrap_or_default();
            scanner.warn(format!("{}: commit {id}: {e:#}", opened.display));
        }
        for (path, blob) in added {
            let path = table.path_id(&path);
            table.add(
                blob,
                Place {
                    commit: Some(i as u32),
                    path,
                    origin: GitOrigin::History,
                },
            );
        }
    }
}
