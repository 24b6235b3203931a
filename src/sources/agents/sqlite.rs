//! SQLite stores (Cursor `state.vscdb`, Agents SDK sessions, any other database): every text or
//! blob value is scanned as a JSON document when it is one, else as text.
//!
//! The live database is never locked: it is opened read-only with SQLite's `immutable` URI flag.
//! When a write-ahead log holds changes not yet checkpointed, the database and its log are
//! copied to a private temporary directory and the copy is read instead.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use anyhow::{Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::scan::Scanner;

use super::Options;
use super::attrib::{Plain, Record, Tracker};
use super::emit::{self, Edits, Placement, Target};
use super::formats::Format;
use super::formats::cursor::Cursor;
use super::json;
use super::view::{self, View};

/// A `file:` URI for `path` with the given query.
pub fn uri(path: &Path, query: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b'?')
        .add(b'#')
        .add(b'%')
        .add(b' ');
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let p = percent_encoding::utf8_percent_encode(&abs.to_string_lossy(), SET).to_string();
    format!("file:{p}?{query}")
}

/// An open database plus the temporary copy backing it, if any.
pub struct Opened {
    /// The connection.
    pub conn: Connection,
    _copy: Option<crate::interrupt::Tracked<tempfile::TempDir>>,
}

/// Opens `path` for reading without taking any lock on it.
pub fn open_readonly(path: &Path) -> Result<Opened> {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    if wal_len > 0 {
        // Uncheckpointed changes: read a private copy (the immutable flag would ignore them).
        let dir = crate::interrupt::temp_dir().context("creating a temporary directory")?;
        let copy = dir.path().join("db");
        std::fs::copy(path, &copy).with_context(|| format!("copying {}", path.display()))?;
        std::fs::copy(&wal, dir.path().join("db-wal"))
            .with_context(|| format!("copying {}", wal.display()))?;
        let conn = Connection::open_with_flags(
            &copy,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        return Ok(Opened {
            conn,
            _copy: Some(dir),
        });
    }
    let conn = Connection::open_with_flags(
        uri(path, "immutable=1"),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    Ok(Opened { conn, _copy: None })
}

/// Quotes an SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Names of the ordinary tables.
pub fn tables(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Scans every value of every table.
pub fn scan(
    scanner: &Scanner,
    opts: &Options,
    edits: Option<&Edits>,
    path: &Path,
    display: &str,
    format: Format,
) {
    if let Err(e) = scan_inner(scanner, opts, edits, path, display, format) {
        scanner.warn(format!("{display}: cannot read SQLite database: {e:#}"));
    }
}

fn scan_inner(
    scanner: &Scanner,
    opts: &Options,
    edits: Option<&Edits>,
    path: &Path,
    display: &str,
    format: Format,
) -> Result<()> {
    let db = open_readonly(path)?;
    let conn = &db.conn;
    let names = tables(conn)?;
    let mut tracker: Box<dyn Tracker> = if format == Format::CursorDb {
        let mut c = Cursor::default();
        learn_cursor_order(conn, &mut c);
        Box::new(c)
    } else {
        Box::new(Plain)
    };
    scanner.stats.files.fetch_add(1, Ordering::Relaxed);
    let started = std::time::Instant::now();
    for table in names {
        let sql = format!("SELECT rowid, * FROM {}", ident(&table));
        let mut st = match conn.prepare(&sql) {
            Ok(s) => s,
            Err(e) => {
                scanner.warn(format!("{display}: table {table}: {e}; skipped"));
                continue;
            }
        };
        let cols: Vec<String> = st.column_names().map(|s| s.to_string()).collect();
        let key_col = cols.iter().position(|c| c.eq_ignore_ascii_case("key"));
        let mut rows = st.query([])?;
        let mut ordinal = 0u64;
        loop {
            if scanner.timed_out(started) {
                scanner.warn_timeout(display, &format!("table {table}, row {}", ordinal + 1));
                return Ok(());
            }
            let row = match rows.next() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    scanner.warn(format!(
                        "{display}: table {table}: read error after {ordinal} rows: {e}"
                    ));
                    break;
                }
            };
            ordinal += 1;
            let rowid: i64 = row.get(0).unwrap_or(ordinal as i64);
            let key: Option<String> = key_col.and_then(|k| match row.get_ref(k) {
                Ok(ValueRef::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
                _ => None,
            });
            for (ci, col) in cols.iter().enumerate().skip(1) {
                if Some(ci) == key_col {
                    continue;
                }
                let bytes = match row.get_ref(ci) {
                    Ok(ValueRef::Text(t)) | Ok(ValueRef::Blob(t)) => t,
                    _ => continue,
                };
                if bytes.is_empty() {
                    continue;
                }
                scanner
                    .stats
                    .bytes
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                let place = Placement {
                    path,
                    display,
                    format,
                    base_offset: 0,
                    base_line: ordinal,
                    fixed_line: true,
                    record: Some(rowid as u64),
                    key: Some(match &key {
                        Some(k) => format!("{table}[{k}].{col}"),
                        None => format!("{table}.{col}"),
                    }),
                    target: Target::Sqlite {
                        table: table.clone(),
                        column: col.clone(),
                        rowid,
                    },
                };
                value(
                    scanner,
                    opts,
                    edits,
                    bytes,
                    &place,
                    key.as_deref(),
                    rowid,
                    tracker.as_mut(),
                );
            }
            scanner.tick();
        }
    }
    Ok(())
}

/// Scans one database value.
#[allow(clippy::too_many_arguments)]
fn value(
    scanner: &Scanner,
    opts: &Options,
    edits: Option<&Edits>,
    bytes: &[u8],
    place: &Placement<'_>,
    key: Option<&str>,
    rowid: i64,
    tracker: &mut dyn Tracker,
) {
    let t = bytes.trim_ascii();
    let doc = (matches!(t.first(), Some(b'{' | b'[')) && bytes.len() <= opts.max_record)
        .then(|| json::parse(bytes, json::MAX_DEPTH).ok())
        .flatten();
    match doc {
        Some(doc) => {
            let rec = Record {
                raw: bytes,
                doc: &doc,
                index: rowid as u64,
                key,
            };
            tracker.observe(&rec);
            let view = View::json(Cow::Borrowed(bytes), doc, opts.nest_depth);
            let matches = scanner.engine().scan(view.text());
            let Some(doc) = view.doc() else {
                return;
            };
            let rec = Record {
                raw: bytes,
                doc,
                index: rowid as u64,
                key,
            };
            let tr: &dyn Tracker = tracker;
            let found = emit::findings(scanner, edits, &view, &matches, place, &|p, _| {
                tr.attribute(&rec, p)
            });
            scanner.push_findings(found);
        }
        None => {
            let view = View::text_with(Cow::Borrowed(bytes), view::clean);
            let matches = scanner.engine().scan(view.text());
            let empty = json::Doc::default();
            let rec = Record {
                raw: bytes,
                doc: &empty,
                index: rowid as u64,
                key,
            };
            let tr: &dyn Tracker = tracker;
            let found = emit::findings(scanner, edits, &view, &matches, place, &|_, _| {
                tr.attribute(&rec, &[])
            });
            scanner.push_findings(found);
        }
    }
}

/// Reads every `composerData:*` row first so bubbles get their position in the conversation.
fn learn_cursor_order(conn: &Connection, c: &mut Cursor) {
    let Ok(mut st) =
        conn.prepare("SELECT key, value FROM cursorDiskKV WHERE key LIKE 'composerData:%'")
    else {
        return;
    };
    let Ok(mut rows) = st.query([]) else {
        return;
    };
    while let Ok(Some(row)) = rows.next() {
        let (Ok(ValueRef::Text(k)), Ok(ValueRef::Text(v) | ValueRef::Blob(v))) =
            (row.get_ref(0), row.get_ref(1))
        else {
            continue;
        };
        if let Ok(doc) = json::parse(v, json::MAX_DEPTH) {
            let key = String::from_utf8_lossy(k);
            c.learn_order(&Record {
                raw: v,
                doc: &doc,
                index: 0,
                key: Some(&key),
            });
        }
    }
}
