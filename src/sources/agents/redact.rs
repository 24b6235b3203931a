//! Rewriting transcripts with their secrets replaced by `[REDACTED:<rule>:<fingerprint>]`.
//!
//! The scan records, for every finding, the exact raw byte range of the secret (inside escapes,
//! nested JSON strings and base64 included). Because the marker needs no escaping at any level,
//! replacing that raw range keeps every JSON line, document and database value valid and leaves
//! every other byte as it was. Files are replaced atomically (temporary file in the same
//! directory, fsync, rename, directory fsync); database values are updated in one transaction.
//! A file whose size or modification time changed since the scan is left alone.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::emit::{Edit, Target};
use super::sqlite;

/// Test hook: abort the process after writing this many bytes of a temporary file, to prove a
/// crash mid-write leaves the original file intact.
pub const ABORT_ENV: &str = "LEAKHOUND_REDACT_ABORT_AFTER";

/// What a file looked like when it was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Size in bytes.
    pub len: u64,
    /// Modification time.
    pub mtime: Option<SystemTime>,
}

impl Stamp {
    /// The current stamp of `path`.
    pub fn of(path: &Path) -> std::io::Result<Stamp> {
        let m = fs::metadata(path)?;
        Ok(Stamp {
            len: m.len(),
            mtime: m.modified().ok(),
        })
    }
}

/// Edits grouped by file, overlapping ranges merged.
#[derive(Debug, Default)]
pub struct Plan {
    /// File → its edits, sorted by target and start.
    pub files: BTreeMap<PathBuf, Vec<Edit>>,
    /// File → every secret replaced there (rule, fingerprint, line), before merging overlaps.
    pub secrets: BTreeMap<PathBuf, Vec<(String, String, u64)>>,
}

impl Plan {
    /// Groups and merges `edits`.
    pub fn new(mut edits: Vec<Edit>) -> Plan {
        edits.sort_by(|a, b| {
            (&a.path, &a.target, a.start, std::cmp::Reverse(a.end)).cmp(&(
                &b.path,
                &b.target,
                b.start,
                std::cmp::Reverse(b.end),
            ))
        });
        let mut files: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
        let mut secrets: BTreeMap<PathBuf, Vec<(String, String, u64)>> = BTreeMap::new();
        // Each (file, secret, line) once; a set, since a list search made 20,000 secrets in one
        // file quadratic.
        let mut seen = std::collections::HashSet::new();
        for e in &edits {
            if !e.marker.is_empty() {
                let s = (e.rule_id.clone(), e.fingerprint.clone(), e.line);
                if seen.insert((e.path.clone(), s.clone())) {
                    secrets.entry(e.path.clone()).or_default().push(s);
                }
            }
        }
        for e in edits {
            let list = files.entry(e.path.clone()).or_default();
            match list.last_mut() {
                Some(last) if last.target == e.target && e.start < last.end.max(last.start + 1) => {
                    // Overlap: one replacement covers both.
                    if e.end > last.end {
                        last.end = e.end;
                    }
                    if last.marker.is_empty() {
                        last.marker = e.marker;
                    }
                }
                Some(last) if last.target == e.target && e.start == last.start => {}
                _ => list.push(e),
            }
        }
        Plan { files, secrets }
    }

    /// Number of replacements.
    pub fn len(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }

    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Applies sorted, non-overlapping `edits` (offsets relative to `data`) to `data`.
pub fn apply(data: &[u8], edits: &[&Edit]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut pos = 0usize;
    for e in edits {
        let (s, t) = (e.start as usize, e.end as usize);
        if s < pos || t > data.len() || s > t {
            bail!("edit {s}..{t} does not fit the data ({} bytes)", data.len());
        }
        out.extend_from_slice(&data[pos..s]);
        out.extend_from_slice(e.marker.as_bytes());
        pos = t;
    }
    out.extend_from_slice(&data[pos..]);
    Ok(out)
}

fn is_json(b: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(b).is_ok()
}

/// Checks that every line (and the whole buffer) that was JSON before is still JSON.
pub fn still_valid(before: &[u8], after: &[u8], edits: &[&Edit]) -> Result<()> {
    if is_json(before) && !is_json(after) {
        bail!("the rewritten document would not be valid JSON");
    }
    // Touched lines: compare line by line (line counts are unchanged: markers hold no newline).
    let lines_before: Vec<&[u8]> = before.split(|&b| b == b'\n').collect();
    let lines_after: Vec<&[u8]> = after.split(|&b| b == b'\n').collect();
    if lines_before.len() != lines_after.len() {
        bail!("the rewrite would change the number of lines");
    }
    // Line of each edit by binary search (counting newlines up to each of 20,000 edits was
    // quadratic).
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', before).collect();
    let mut touched: Vec<usize> = edits
        .iter()
        .map(|e| newlines.partition_point(|&n| n < e.start as usize))
        .collect();
    touched.sort_unstable();
    touched.dedup();
    for i in touched {
        if is_json(lines_before[i]) && !is_json(lines_after[i]) {
            bail!("line {} would not be valid JSON after the rewrite", i + 1);
        }
    }
    Ok(())
}

/// Writes `data` to `path` atomically: a temporary file in the same directory, fsync, rename
/// over the original, fsync of the directory. The original's permissions are kept.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let perms = fs::metadata(path).map(|m| m.permissions()).ok();
    let mut tmp = crate::interrupt::temp_file_in(dir, ".leakhound-redact-")
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    let abort_after: Option<usize> = std::env::var(ABORT_ENV).ok().and_then(|v| v.parse().ok());
    let mut written = 0usize;
    for chunk in data.chunks(64 << 10) {
        tmp.write_all(chunk)
            .with_context(|| format!("{}: cannot write temporary file", path.display()))?;
        written += chunk.len();
        if abort_after.is_some_and(|n| written >= n) {
            let _ = tmp.flush();
            std::process::abort();
        }
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("{}: fsync failed", path.display()))?;
    if let Some(p) = perms {
        let _ = fs::set_permissions(tmp.path(), p);
    }
    tmp.persist(path)
        .with_context(|| format!("{}: cannot replace the file", path.display()))?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Where the backup of `path` goes under `dir` (the absolute path mirrored below it).
pub fn backup_path(dir: &Path, path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let rel: PathBuf = abs
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    dir.join(rel)
}

fn write_backup(dir: &Path, path: &Path, data: &[u8]) -> Result<PathBuf> {
    let dest = backup_path(dir, path);
    if let Some(p) = dest.parent() {
        fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
    }
    write_atomic_new(&dest, data)?;
    Ok(dest)
}

fn write_atomic_new(dest: &Path, data: &[u8]) -> Result<()> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut tmp = crate::interrupt::temp_file_in(dir, ".leakhound-backup-")
        .with_context(|| format!("{}: cannot create backup", dest.display()))?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o600));
    }
    tmp.persist(dest)
        .with_context(|| format!("{}: cannot write backup", dest.display()))?;
    Ok(())
}

/// Outcome for one file.
#[derive(Debug)]
pub struct Done {
    /// Replacements made.
    pub replaced: usize,
    /// Where the original was saved.
    pub backup: Option<PathBuf>,
}

/// Rewrites one file (or database) with its edits. `stamp` is what it looked like at scan time.
pub fn redact_file(
    path: &Path,
    edits: &[Edit],
    stamp: Stamp,
    backup: Option<&Path>,
) -> Result<Done> {
    let now = Stamp::of(path).with_context(|| format!("{}: cannot stat", path.display()))?;
    if now != stamp {
        bail!(
            "{}: changed since the scan; not touched (scan again)",
            path.display()
        );
    }
    if edits
        .iter()
        .any(|e| matches!(e.target, Target::Sqlite { .. }))
    {
        return redact_sqlite(path, edits, backup);
    }
    let data = fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if data.len() as u64 != stamp.len {
        bail!(
            "{}: changed since the scan; not touched (scan again)",
            path.display()
        );
    }
    let refs: Vec<&Edit> = edits.iter().collect();
    let out = apply(&data, &refs).with_context(|| format!("{}", path.display()))?;
    still_valid(&data, &out, &refs)
        .with_context(|| format!("{}: not rewritten", path.display()))?;
    let backup = match backup {
        Some(dir) => Some(write_backup(dir, path, &data)?),
        None => None,
    };
    if Stamp::of(path).ok() != Some(stamp) {
        bail!(
            "{}: changed during the redaction; not touched",
            path.display()
        );
    }
    write_atomic(path, &out)?;
    Ok(Done {
        replaced: edits.len(),
        backup,
    })
}

fn redact_sqlite(path: &Path, edits: &[Edit], backup: Option<&Path>) -> Result<Done> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("{}: cannot open for writing", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(2))?;
    let backup = match backup {
        Some(dir) => {
            let dest = backup_path(dir, path);
            if let Some(p) = dest.parent() {
                fs::create_dir_all(p)?;
            }
            let _ = fs::remove_file(&dest);
            conn.execute("VACUUM INTO ?1", [dest.to_string_lossy().as_ref()])
                .with_context(|| format!("{}: cannot back up (is it in use?)", path.display()))?;
            Some(dest)
        }
        None => None,
    };
    let mut by_value: BTreeMap<(String, String, i64), Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        if let Target::Sqlite {
            table,
            column,
            rowid,
        } = &e.target
        {
            by_value
                .entry((table.clone(), column.clone(), *rowid))
                .or_default()
                .push(e);
        }
    }
    let tx = conn
        .transaction()
        .with_context(|| format!("{}: locked or read-only", path.display()))?;
    let mut replaced = 0;
    for ((table, column, rowid), es) in &by_value {
        let sel = format!(
            "SELECT {} FROM {} WHERE rowid = ?1",
            sqlite::ident(column),
            sqlite::ident(table)
        );
        let (old, is_text): (Vec<u8>, bool) = tx.query_row(&sel, [rowid], |r| {
            Ok(match r.get_ref(0)? {
                ValueRef::Text(t) => (t.to_vec(), true),
                ValueRef::Blob(b) => (b.to_vec(), false),
                _ => (Vec::new(), false),
            })
        })?;
        let new =
            apply(&old, es).with_context(|| format!("{}: {table}.{column}", path.display()))?;
        if is_json(&old) && !is_json(&new) {
            bail!(
                "{}: {table}.{column} row {rowid} would not stay valid JSON",
                path.display()
            );
        }
        let upd = format!(
            "UPDATE {} SET {} = ?1 WHERE rowid = ?2",
            sqlite::ident(table),
            sqlite::ident(column)
        );
        match (is_text, String::from_utf8(new)) {
            (true, Ok(s)) => tx.execute(&upd, rusqlite::params![s, rowid])?,
            (_, Ok(s)) => tx.execute(&upd, rusqlite::params![s.into_bytes(), rowid])?,
            (_, Err(e)) => tx.execute(&upd, rusqlite::params![e.into_bytes(), rowid])?,
        };
        replaced += es.len();
    }
    tx.commit()
        .with_context(|| format!("{}: commit failed; nothing changed", path.display()))?;
    Ok(Done { replaced, backup })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: u64, end: u64, marker: &str) -> Edit {
        Edit {
            path: PathBuf::from("f"),
            target: Target::File,
            start,
            end,
            marker: marker.into(),
            line: 1,
            rule_id: "r".into(),
            fingerprint: "f".into(),
        }
    }

    #[test]
    fn plan_merges_overlaps_and_apply_splices() {
        let plan = Plan::new(vec![
            edit(2, 6, "[A]"),
            edit(4, 8, "[B]"),
            edit(10, 12, "[C]"),
        ]);
        let es = &plan.files[&PathBuf::from("f")];
        assert_eq!(es.len(), 2);
        assert_eq!((es[0].start, es[0].end), (2, 8));
        let refs: Vec<&Edit> = es.iter().collect();
        assert_eq!(apply(b"0123456789ABCD", &refs).unwrap(), b"01[A]89[C]CD");
        assert!(apply(b"0123", &refs).is_err());
    }

    #[test]
    fn validity_check_refuses_broken_json() {
        let before = b"{\"a\":\"xSECRETx\"}\n{\"b\":1}\n";
        let good = edit(7, 13, "[R]");
        let after = apply(before, &[&good]).unwrap();
        assert!(still_valid(before, &after, &[&good]).is_ok());
        let bad = edit(5, 13, "[R]");
        let after = apply(before, &[&bad]).unwrap();
        assert!(still_valid(before, &after, &[&bad]).is_err());
    }

    #[test]
    fn injected_write_error_leaves_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.jsonl");
        fs::write(&p, b"old contents\n").unwrap();
        // A directory where the file should be makes the rename fail after the temp file was
        // fully written: the original must survive, and no temporary file may be left.
        let blocked = dir.path().join("sub");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("x"), b"").unwrap();
        assert!(write_atomic(&blocked, b"new").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"old contents\n");
        write_atomic(&p, b"new contents\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new contents\n");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("leakhound-redact"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn backups_mirror_the_absolute_path() {
        let b = backup_path(Path::new("/bk"), Path::new("/home/u/.claude/x.jsonl"));
        assert_eq!(b, PathBuf::from("/bk/home/u/.claude/x.jsonl"));
    }
}
