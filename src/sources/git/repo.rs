//! Opening a repository: working trees, bare and mirror clones, shallow clones and
//! repositories with alternates, plus the facts the user should hear about (shallow history,
//! alternates that point nowhere).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gix::ObjectId;

use crate::scan::Scanner;

/// An opened repository and what the scan needs to know about it.
pub struct Opened {
    /// The repository, shareable across threads.
    pub repo: gix::ThreadSafeRepository,
    /// The path as given on the command line (used in warnings and provenance).
    pub display: String,
    /// Commits whose parents this shallow clone lacks; `None` if the clone is complete.
    pub shallow: Option<HashSet<ObjectId>>,
}

/// Opens the repository at `path` (or the one containing it). Reports an error (the only
/// git problem that can make a scan exit 2) and returns `None` if there is none.
pub fn open(path: &Path, scanner: &Scanner) -> Option<Opened> {
    let display = path.display().to_string();
    let repo = match gix::ThreadSafeRepository::discover_opts(
        path,
        Default::default(),
        trust_options(scanner.options().max_file_size),
    ) {
        Ok(r) => r,
        Err(e) => {
            scanner.error(format!("{display}: not a git repository: {e}"));
            return None;
        }
    };
    let local = repo.to_thread_local();
    warn_missing_alternates(&local, &display, scanner);
    let shallow = match local.shallow_commits() {
        Ok(Some(commits)) => {
            let set: HashSet<ObjectId> = commits.iter().copied().collect();
            scanner.warn(format!(
                "{display}: shallow clone: history before {} boundary commit{} is not in the \
                 repository and was not scanned",
                set.len(),
                if set.len() == 1 { "" } else { "s" }
            ));
            Some(set)
        }
        Ok(None) => None,
        Err(e) => {
            scanner.warn(format!("{display}: cannot read the shallow file: {e}"));
            None
        }
    };
    Some(Opened {
        repo,
        display,
        shallow,
    })
}

/// How repositories are opened, at either trust level: no object that claims to be larger
/// than `max_file_size` is allocated (`0`: no limit). A loose object or pack entry states its
/// size in its header and gix reserves and zero-fills that much before inflating, so without
/// the limit a 2 KB crafted object claiming 20 GB exhausts memory. Blobs over the limit are
/// skipped by their header before they are read; a commit, tree or tag over it cannot be read
/// and is reported like any unreadable object.
fn trust_options(max_file_size: u64) -> gix::sec::trust::Mapping<gix::open::Options> {
    let mut map = gix::sec::trust::Mapping::<gix::open::Options>::default();
    if max_file_size > 0 {
        let limit = usize::try_from(max_file_size).unwrap_or(usize::MAX);
        let set = format!("gitoxide.objects.allocLimit={limit}");
        map.full = map.full.config_overrides([set.as_str()]);
        map.reduced = map.reduced.config_overrides([set.as_str()]);
    }
    map
}

/// Warns about each alternate object directory that does not exist: objects that lived there
/// cannot be read, and each of them will be named in its own warning as the scan meets it.
fn warn_missing_alternates(repo: &gix::Repository, display: &str, scanner: &Scanner) {
    let objects = repo.common_dir().join("objects");
    let file = objects.join("info").join("alternates");
    let Ok(text) = std::fs::read(&file) else {
        return;
    };
    for line in text.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let p = PathBuf::from(line.trim_matches('"'));
        let p = if p.is_relative() { objects.join(p) } else { p };
        if !p.is_dir() {
            scanner.warn(format!(
                "{display}: alternate object directory {} (listed in {}) does not exist; \
                 objects stored there cannot be scanned",
                p.display(),
                file.display()
            ));
        }
    }
}
