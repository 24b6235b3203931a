//! The agent-transcript source: finds AI coding-agent transcripts, trace logs and MCP configs,
//! detects each file's format, and scans it record by record with exact attribution.
//!
//! Jobs, one module each: [`discover`] (default locations), [`detect`] (format from path and
//! content), [`json`] (span-keeping JSON tokenizer), [`view`] (decoded view of a record mapping
//! back to raw bytes), [`attrib`] + [`formats`] (per-format attribution), [`records`] (JSONL /
//! JSON / text reading), [`sqlite`] (database stores), [`stream`] (reassembly of values split
//! across records), [`emit`] (findings and redaction edits), [`group`] (one finding per secret),
//! [`redact`] (rewriting files in place) and [`cmd`] (the `agents` and `redact` commands).

pub mod attrib;
pub mod cmd;
pub mod detect;
pub mod discover;
pub mod emit;
pub mod formats;
pub mod group;
pub mod json;
pub mod records;
pub mod redact;
pub mod sqlite;
pub mod stream;
pub mod view;

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use ignore::WalkBuilder;
use rayon::prelude::*;

use crate::scan::Scanner;
use crate::sources::fs::DEFAULT_SKIP_DIRS;

use emit::Edits;
use formats::Container;

/// Default `--max-record-size`: parsing a record takes about three times its size in memory.
pub const DEFAULT_MAX_RECORD: usize = 32 << 20;

/// Tunables of the transcript scan.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many levels of JSON-inside-a-string to expand.
    pub nest_depth: usize,
    /// Records (lines, database values, whole-file JSON) larger than this are scanned as text.
    pub max_record: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            nest_depth: 3,
            max_record: DEFAULT_MAX_RECORD,
        }
    }
}

/// Expands directories into their files (sorted, largest first for load balance).
pub fn collect_files(roots: &[PathBuf], scanner: &Scanner) -> Vec<PathBuf> {
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    for r in roots {
        let meta = match std::fs::metadata(r) {
            Ok(m) => m,
            Err(e) => {
                scanner.warn(format!("{}: {e}", r.display()));
                continue;
            }
        };
        if meta.is_file() {
            files.push((meta.len(), r.clone()));
            continue;
        }
        let mut wb = WalkBuilder::new(r);
        wb.standard_filters(false).hidden(false).follow_links(false);
        wb.filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| DEFAULT_SKIP_DIRS.contains(&n)))
        });
        for entry in wb.build() {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                    files.push((len, e.into_path()));
                }
                Ok(e) if e.file_type().is_some_and(|t| !t.is_dir()) => {
                    scanner.stats.skipped_other.fetch_add(1, Ordering::Relaxed);
                    if let Some(t) = e.file_type().filter(|t| !t.is_symlink()) {
                        scanner.warn(format!(
                            "{}: {}, skipped (never opened)",
                            e.path().display(),
                            crate::sources::fs::special_kind(t)
                        ));
                    }
                }
                Ok(_) => {}
                Err(err) => scanner.warn(err.to_string()),
            }
        }
    }
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    files.dedup_by(|a, b| a.1 == b.1);
    files.into_iter().map(|(_, p)| p).collect()
}

/// Scans every transcript under `roots` (files or directories) in parallel.
pub fn scan_paths(roots: &[PathBuf], scanner: &Scanner, opts: &Options, edits: Option<&Edits>) {
    let files = collect_files(roots, scanner);
    files.par_iter().for_each(|p| {
        scan_file(p, scanner, opts, edits);
        scanner.tick();
    });
}

/// SQLite journal and lock files are read through their database, never on their own.
fn is_sqlite_sidecar(path: &Path) -> bool {
    let n = path.to_string_lossy();
    n.ends_with("-wal") || n.ends_with("-shm") || n.ends_with("-journal")
}

/// Detects the format of one file and scans it.
pub fn scan_file(path: &Path, scanner: &Scanner, opts: &Options, edits: Option<&Edits>) {
    let display = path.display().to_string();
    if is_sqlite_sidecar(path) {
        scanner.stats.skipped_other.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let Some(mut file) = records::open(scanner, path, &display) else {
        return;
    };
    let len = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => {
            scanner.warn(format!("{display}: cannot stat: {e}"));
            return;
        }
    };
    let max = scanner.options().max_file_size;
    if max > 0 && len > max {
        scanner
            .stats
            .skipped_too_large
            .fetch_add(1, Ordering::Relaxed);
        scanner.warn(format!(
            "{display}: {len} bytes is over the size limit {max}; skipped"
        ));
        return;
    }
    let mut head = Vec::with_capacity(detect::HEAD_LEN);
    if let Err(e) = (&mut file)
        .take(detect::HEAD_LEN as u64)
        .read_to_end(&mut head)
    {
        scanner.warn(format!("{display}: read error: {e}"));
        return;
    }
    let (format, container) = detect::detect(path, &head);
    if container != Container::Sqlite
        && crate::content::classify(&head) == crate::content::Content::Binary
    {
        scanner.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let fs = records::FileScan {
        scanner,
        opts,
        edits,
        path,
        display: &display,
        format,
    };
    match container {
        Container::Sqlite => {
            drop(file);
            sqlite::scan(scanner, opts, edits, path, &display, format);
        }
        Container::Jsonl => {
            if let Err(e) = file.seek(SeekFrom::Start(0)) {
                scanner.warn(format!("{display}: cannot seek: {e}"));
                return;
            }
            scanner.stats.files.fetch_add(1, Ordering::Relaxed);
            fs.jsonl(file);
        }
        Container::Json | Container::Text => {
            if len > opts.max_record as u64 {
                // Too big to hold: stream it as text with the plain scanner.
                if let Err(e) = file.seek(SeekFrom::Start(0)) {
                    scanner.warn(format!("{display}: cannot seek: {e}"));
                    return;
                }
                scanner.limit_hit(crate::scan::Limit::MaxRecordSize);
                scanner.warn(format!(
                    "{display}: {len} bytes is over the record limit (--max-record-size); \
                     scanned as plain text{}",
                    if edits.is_some() {
                        " (redact cannot rewrite it)"
                    } else {
                        ""
                    }
                ));
                let source = crate::finding::Source::Agent(Box::new(crate::finding::AgentOrigin {
                    agent: format.agent().to_string(),
                    format: format.name().to_string(),
                    path: display.clone(),
                    occurrences: 1,
                    ..Default::default()
                }));
                scanner.scan_stream(Vec::new(), &mut file, &display, &source);
                return;
            }
            let mut data = head;
            if let Err(e) = file.read_to_end(&mut data) {
                scanner.warn(format!("{display}: read error: {e}"));
                return;
            }
            scanner.stats.files.fetch_add(1, Ordering::Relaxed);
            if container == Container::Json {
                fs.json(&data);
            } else {
                fs.text_file(&data);
            }
        }
    }
}
