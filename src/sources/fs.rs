//! The filesystem source: walks paths with the `ignore` crate's parallel walker and feeds each
//! regular file to the scanner, streaming large files in chunks.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::content::SNIFF_LEN;
use crate::finding::Source;
use crate::scan::Scanner;

/// Directory names skipped unless `--no-default-skips`: dependency caches and VCS internals.
pub const DEFAULT_SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "jspm_packages",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
];

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Honour .gitignore, .ignore and global git excludes.
    pub respect_gitignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_symlinks: bool,
    /// Directory names to skip (always includes `.git`).
    pub skip_dirs: Vec<String>,
    /// Globs of paths to exclude.
    pub exclude: Vec<String>,
    /// Walker threads (0: all cores).
    pub threads: usize,
}

/// Compiles the exclude globs (from `--exclude` and the config file); `dir` and `dir/` also
/// exclude everything below `dir`.
pub fn build_globs(patterns: &[String]) -> anyhow::Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| anyhow::anyhow!("exclude pattern {p:?}: {e}"))?);
        // `dir/` and `dir` also exclude everything below.
        let base = p.trim_end_matches('/');
        if let Ok(g) = Glob::new(&format!("{base}/**")) {
            b.add(g);
        }
    }
    Ok(b.build()?)
}

/// Walks `roots` and scans every regular file. Bad inputs become warnings; the walk goes on.
pub fn scan_paths(roots: &[PathBuf], opts: &WalkOptions, scanner: &Scanner) -> anyhow::Result<()> {
    let excludes = build_globs(&opts.exclude)?;
    let mut skip: Vec<String> = opts.skip_dirs.clone();
    if !skip.iter().any(|s| s == ".git") {
        skip.push(".git".into());
    }
    let mut existing = Vec::new();
    for r in roots {
        match std::fs::symlink_metadata(r) {
            Ok(_) => existing.push(r.clone()),
            Err(e) => scanner.error(format!("{}: {e}", r.display())),
        }
    }
    let Some((first, rest)) = existing.split_first() else {
        return Ok(());
    };
    let mut wb = WalkBuilder::new(first);
    for r in rest {
        wb.add(r);
    }
    wb.standard_filters(false)
        .hidden(false)
        .follow_links(opts.follow_symlinks)
        .threads(opts.threads);
    if opts.respect_gitignore {
        wb.git_ignore(true)
            .git_global(true)
            .git_exclude(true)
            .ignore(true)
            .parents(true)
            .require_git(false);
    }
    let roots: Vec<PathBuf> = existing.clone();
    wb.filter_entry(move |e| {
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        if is_dir
            && e.depth() > 0
            && e.file_name()
                .to_str()
                .is_some_and(|n| skip.iter().any(|s| s == n))
        {
            return false;
        }
        // Globs match the path as walked and the path relative to its scan root.
        e.depth() == 0
            || !(excludes.is_match(e.path())
                || roots
                    .iter()
                    .filter_map(|r| e.path().strip_prefix(r).ok())
                    .any(|rel| excludes.is_match(rel)))
    });
    let links = Mutex::new(Links::default());
    wb.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) => scan_entry(&e, scanner, &links),
                Err(err) => scanner.error(describe_walk_error(&err)),
            }
            WalkState::Continue
        })
    });
    let links = links.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(first) = links.first {
        scanner.warn(format!(
            "{} symbolic link{} not followed (first: {first}); --follow-symlinks follows them",
            links.count,
            if links.count == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

/// Symbolic links left alone, for one closing warning instead of one per link.
#[derive(Default)]
struct Links {
    count: u64,
    /// The first in path order, with its target.
    first: Option<String>,
}

impl Links {
    fn add(&mut self, path: &Path) {
        self.count += 1;
        let shown = match std::fs::read_link(path) {
            Ok(t) => format!("{} -> {}", path.display(), t.display()),
            Err(_) => path.display().to_string(),
        };
        if self.first.as_ref().is_none_or(|f| shown < *f) {
            self.first = Some(shown);
        }
    }
}

/// What a special file is, for the warning that skips it.
pub fn special_kind(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_char_device() {
        "character device"
    } else if ft.is_block_device() {
        "block device"
    } else {
        "special file"
    }
}

fn describe_walk_error(err: &ignore::Error) -> String {
    // ignore's own messages name the path ("… : Permission denied", "File system loop found: …").
    let msg = err.to_string();
    if let Some(io) = err.io_error()
        && io.kind() == std::io::ErrorKind::PermissionDenied
    {
        return format!("{msg} (skipped)");
    }
    msg
}

fn scan_entry(e: &ignore::DirEntry, scanner: &Scanner, links: &Mutex<Links>) {
    let Some(ft) = e.file_type() else {
        // stdin is never walked; treat as skipped.
        scanner.stats.skipped_other.fetch_add(1, Ordering::Relaxed);
        return;
    };
    if ft.is_dir() {
        return;
    }
    if !ft.is_file() {
        // Symlinks that are not followed, FIFOs, sockets and devices: never opened.
        scanner.stats.skipped_other.fetch_add(1, Ordering::Relaxed);
        if ft.is_symlink() {
            if let Ok(mut l) = links.lock() {
                l.add(e.path());
            }
        } else {
            scanner.warn(format!(
                "{}: {}, skipped (never opened)",
                e.path().display(),
                special_kind(ft)
            ));
        }
        return;
    }
    scan_file(e.path(), scanner);
    scanner.tick();
}

/// Scans one regular file, reading it whole when small and in chunks when large.
pub fn scan_file(path: &Path, scanner: &Scanner) {
    let display = path.display().to_string();
    // Non-blocking, so a path swapped for a FIFO after the walk never blocks the open (the
    // flag changes nothing for regular files).
    let opened = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
    };
    let mut file: File = match opened {
        Ok(f) => f,
        Err(e) => {
            scanner.error(format!("{display}: cannot open: {e}"));
            return;
        }
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => {
            scanner.error(format!("{display}: cannot stat: {e}"));
            return;
        }
    };
    if !meta.is_file() {
        scanner.stats.skipped_other.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let max = scanner.options().max_file_size;
    if max > 0 && meta.len() > max {
        scanner
            .stats
            .skipped_too_large
            .fetch_add(1, Ordering::Relaxed);
        scanner.warn(format!(
            "{display}: {} bytes is over --max-file-size {max}; skipped",
            meta.len()
        ));
        return;
    }
    let source = Source::File {
        path: display.clone(),
    };
    let chunk = scanner.options().chunk_size;
    if meta.len() as usize <= chunk {
        let mut data = Vec::with_capacity(meta.len() as usize);
        match (&mut file).take(chunk as u64 + 1).read_to_end(&mut data) {
            Ok(_) if data.len() <= chunk => {
                scanner.scan_bytes(&data, &display, &source);
                return;
            }
            Ok(_) => {
                // The file grew while we read it: fall through to streaming.
                let mut rest = file;
                scanner.scan_stream(data, &mut rest, &display, &source);
                return;
            }
            Err(e) => {
                scanner.error(format!("{display}: read error: {e}"));
                return;
            }
        }
    }
    let mut head = vec![0u8; SNIFF_LEN];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                scanner.error(format!("{display}: read error: {e}"));
                return;
            }
        }
    }
    head.truncate(n);
    scanner.scan_stream(head, &mut file, &display, &source);
}
