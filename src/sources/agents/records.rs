//! Reading transcript files record by record: JSON Lines (streamed, bounded memory per record),
//! whole JSON documents and text. Each record is parsed, shown to the format's tracker, decoded
//! into a [`View`], scanned, and its findings attributed.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::Ordering;

use crate::scan::Scanner;

use super::Options;
use super::attrib::{Record, Tracker};
use super::emit::{self, Edits, Placement, Target};
use super::formats::{Format, aider};
use super::json;
use super::stream::{Fragment, Reassembler};
use super::view::{self, View};

/// Warnings per file about bad records before they are only counted.
const MAX_RECORD_WARNINGS: usize = 3;

/// Shared state of one file's scan.
pub struct FileScan<'a, 's> {
    /// The scanner.
    pub scanner: &'a Scanner<'s>,
    /// Options.
    pub opts: &'a Options,
    /// Where redaction edits go, when planning a redaction.
    pub edits: Option<&'a Edits>,
    /// The file.
    pub path: &'a Path,
    /// Its display path.
    pub display: &'a str,
    /// Its format.
    pub format: Format,
}

impl FileScan<'_, '_> {
    fn place(&self, base_offset: u64, base_line: u64, record: Option<u64>) -> Placement<'_> {
        Placement {
            path: self.path,
            display: self.display,
            format: self.format,
            base_offset,
            base_line,
            fixed_line: false,
            record,
            key: None,
            target: Target::File,
        }
    }

    /// Scans one JSON record (a line, or a whole file) at `base_offset`/`base_line`.
    /// Fails when it is not JSON (the caller decides how to fall back).
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        raw: &[u8],
        index: u64,
        base_offset: u64,
        base_line: u64,
        jsonl: bool,
        tracker: &mut dyn Tracker,
        streams: &mut Reassembler,
    ) -> Result<(), json::ParseError> {
        let doc = json::parse(raw, json::MAX_DEPTH)?;
        let record = jsonl.then_some(base_line);
        {
            let rec = Record {
                raw,
                doc: &doc,
                index,
                key: None,
            };
            tracker.observe(&rec);
            let frags = tracker.fragments(&rec);
            if !frags.is_empty() {
                let place = self.place(base_offset, base_line, record);
                // Columns are counted on from the previous fragment: fragments come in document
                // order, and a record of 50,000 streamed tokens took 22 s counting each one's
                // column from the start of the record.
                let mut counted = (0usize, 1usize);
                for (key, node) in frags {
                    let n = doc.nodes[node];
                    let path = doc.path(raw, node);
                    let (from, col) = if counted.0 <= n.start {
                        counted
                    } else {
                        (0, 1)
                    };
                    let column = col + crate::engine::locate::chars(&raw[from..n.start]);
                    counted = (n.start, column);
                    let frag = Fragment {
                        line: base_line,
                        column,
                        offset: base_offset + n.start as u64,
                        raw: raw[n.start..n.end].to_vec(),
                        pointer: json::pointer(&path),
                        attribution: tracker.attribute(&rec, &path),
                    };
                    streams.push(key, frag, self.scanner, self.edits, &place);
                }
            }
        }
        let view = View::json(Cow::Borrowed(raw), doc, self.opts.nest_depth);
        let matches = self.scanner.engine().scan(view.text());
        if matches.is_empty() {
            return Ok(());
        }
        let Some(doc) = view.doc() else {
            return Ok(());
        };
        let rec = Record {
            raw,
            doc,
            index,
            key: None,
        };
        let place = self.place(base_offset, base_line, record);
        let tracker: &dyn Tracker = tracker;
        let found = emit::findings(
            self.scanner,
            self.edits,
            &view,
            &matches,
            &place,
            &|path, _| tracker.attribute(&rec, path),
        );
        self.scanner.push_findings(found);
        Ok(())
    }

    /// Scans `raw` as text (records that are not JSON, text formats).
    fn text(&self, raw: &[u8], base_offset: u64, base_line: u64, record: Option<u64>) {
        let view = match self.format {
            Format::AiderLlm => View::text_with(Cow::Borrowed(raw), strip_llm_prefixes),
            _ => View::text_with(Cow::Borrowed(raw), view::clean),
        };
        let matches = self.scanner.engine().scan(view.text());
        if matches.is_empty() {
            return;
        }
        let tt = self.format.text_tracker(self.path);
        let place = self.place(base_offset, base_line, record);
        let found = emit::findings(
            self.scanner,
            self.edits,
            &view,
            &matches,
            &place,
            &|_, offset| tt.attribute(raw, offset),
        );
        self.scanner.push_findings(found);
    }

    fn count(&self, bytes: u64) {
        self.scanner.stats.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The provenance of text scanned without JSON attribution.
    fn plain_source(&self) -> crate::finding::Source {
        crate::finding::Source::Agent(Box::new(crate::finding::AgentOrigin {
            agent: self.format.agent().to_string(),
            format: self.format.name().to_string(),
            path: self.display.to_string(),
            occurrences: 1,
            ..Default::default()
        }))
    }

    /// Streams the rest of a line longer than the record limit through the plain scanner
    /// (bounded memory); `head` holds its first bytes. Returns the line's length.
    fn long_line<R: Read>(
        &self,
        head: Vec<u8>,
        reader: &mut BufReader<R>,
        offset: u64,
        line: u64,
    ) -> u64 {
        self.scanner.limit_hit(crate::scan::Limit::MaxRecordSize);
        self.scanner.warn(format!(
            "{}: line {line} is over the {} byte record limit (--max-record-size); scanned as \
             plain text without JSON attribution{}",
            self.display,
            self.opts.max_record,
            if self.edits.is_some() {
                " (redact cannot rewrite it)"
            } else {
                ""
            }
        ));
        let mut rest = LineRest {
            inner: reader,
            done: false,
            read: head.len() as u64,
        };
        let found = self.scanner.stream_text(
            head,
            &mut rest,
            self.display,
            &self.plain_source(),
            offset,
            line.saturating_sub(1) as usize,
        );
        self.scanner.push_findings(found);
        rest.read
    }

    /// Streams a JSON Lines file.
    pub fn jsonl(&self, file: impl Read) {
        let mut tracker = self.format.tracker(self.path);
        let mut streams = Reassembler::default();
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut buf = Vec::new();
        let mut offset = 0u64;
        let mut line = 0u64;
        let mut bad = 0usize;
        let mut bad_utf8 = 0usize;
        let started = std::time::Instant::now();
        loop {
            if line > 0 && self.scanner.timed_out(started) {
                self.scanner
                    .warn_timeout(self.display, &format!("line {}", line + 1));
                break;
            }
            buf.clear();
            let n = match read_line_bounded(&mut reader, &mut buf, self.opts.max_record) {
                Ok(None) => {
                    line += 1;
                    let head = std::mem::take(&mut buf);
                    offset += self.long_line(head, &mut reader, offset, line);
                    continue;
                }
                Ok(Some(0)) => break,
                Ok(Some(n)) => n,
                Err(e) => {
                    self.scanner.warn(format!(
                        "{}: read error after line {line}: {e}; scanned what was read",
                        self.display
                    ));
                    break;
                }
            };
            line += 1;
            self.count(n as u64);
            let raw = buf.trim_ascii_end();
            let lead = raw.len() - raw.trim_ascii_start().len();
            let raw = &raw[lead..];
            let base = offset + lead as u64;
            offset += n as u64;
            if raw.is_empty() {
                continue;
            }
            if std::str::from_utf8(raw).is_err() {
                bad_utf8 += 1;
                if bad_utf8 == 1 {
                    self.scanner.warn(format!(
                        "{}: line {line}: invalid UTF-8; scanned the bytes as they are",
                        self.display
                    ));
                }
            }
            if raw.len() > self.opts.max_record {
                self.scanner.limit_hit(crate::scan::Limit::MaxRecordSize);
                self.scanner.warn(format!(
                    "{}: line {line}: {} byte record is over the {} byte record limit \
                     (--max-record-size); scanned as text without JSON attribution",
                    self.display,
                    raw.len(),
                    self.opts.max_record
                ));
                self.text(raw, base, line, Some(line));
                continue;
            }
            let r = self.record(
                raw,
                line - 1,
                base,
                line,
                true,
                tracker.as_mut(),
                &mut streams,
            );
            if let Err(e) = r {
                let limit = self.count_limit(&e);
                bad += 1;
                let last = !buf.ends_with(b"\n");
                if bad <= MAX_RECORD_WARNINGS {
                    let what = match e {
                        json::ParseError::Truncated(_) if last => "truncated last record",
                        _ if limit => "record over the parser's limits",
                        _ => "not a JSON record",
                    };
                    self.scanner.warn(format!(
                        "{}: line {line}: {what} ({e}); scanned as text",
                        self.display
                    ));
                }
                self.text(raw, base, line, Some(line));
            }
        }
        if bad > MAX_RECORD_WARNINGS {
            self.scanner.warn(format!(
                "{}: {bad} lines were not JSON records in all; scanned as text",
                self.display
            ));
        }
        let place = self.place(0, 1, None);
        streams.finish(self.scanner, self.edits, &place);
    }

    /// Scans a whole-file JSON document; falls back to JSON Lines, then text.
    pub fn json(&self, data: &[u8]) {
        let mut tracker = self.format.tracker(self.path);
        let mut streams = Reassembler::default();
        match self.record(data, 0, 0, 1, false, tracker.as_mut(), &mut streams) {
            Ok(()) => {
                self.count(data.len() as u64);
                let place = self.place(0, 1, None);
                streams.finish(self.scanner, self.edits, &place);
            }
            Err(json::ParseError::Trailing(_)) => self.jsonl(data),
            Err(e) => {
                let what = if self.count_limit(&e) {
                    "JSON over the parser's limits"
                } else {
                    "not valid JSON"
                };
                self.count(data.len() as u64);
                self.scanner
                    .warn(format!("{}: {what} ({e}); scanned as text", self.display));
                self.text(data, 0, 1, None);
            }
        }
    }

    /// Counts a parse error that a resource limit caused; whether it was one.
    fn count_limit(&self, e: &json::ParseError) -> bool {
        let limit = match e {
            json::ParseError::TooDeep(..) => crate::scan::Limit::JsonDepth,
            json::ParseError::TooMany(..) => crate::scan::Limit::JsonValues,
            _ => return false,
        };
        self.scanner.limit_hit(limit);
        true
    }

    /// Scans a text file.
    pub fn text_file(&self, data: &[u8]) {
        self.count(data.len() as u64);
        self.text(data, 0, 1, None);
    }
}

/// Reads one line (with its newline) into `buf`: `Some(0)` at the end of input, `None` when
/// the line is longer than `max` bytes (then `buf` holds its first bytes and the reader is
/// inside the line).
fn read_line_bounded<R: Read>(
    reader: &mut BufReader<R>,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<usize>> {
    loop {
        let avail = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(Some(buf.len()));
        }
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        buf.extend_from_slice(&avail[..take]);
        reader.consume(take);
        if done {
            return Ok(Some(buf.len()));
        }
        if buf.len() > max {
            return Ok(None);
        }
    }
}

/// The rest of the current line (through its newline) of a buffered reader.
struct LineRest<'a, R> {
    inner: &'a mut BufReader<R>,
    done: bool,
    /// Bytes of the line so far, head included.
    read: u64,
}

impl<R: Read> Read for LineRest<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        let avail = self.inner.fill_buf()?;
        if avail.is_empty() {
            self.done = true;
            return Ok(0);
        }
        let (end, newline) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let n = end.min(out.len());
        self.done = newline && n == end;
        out[..n].copy_from_slice(&avail[..n]);
        self.inner.consume(n);
        self.read += n as u64;
        Ok(n)
    }
}

/// Strips Aider's `USER ` / `ASSISTANT ` / `SYSTEM ` line prefixes (and colour codes).
fn strip_llm_prefixes(d: &[u8]) -> Option<(Vec<u8>, Vec<u32>)> {
    view::strip(d, |d, i, line_start| {
        if d[i] == 0x1b {
            return view::ansi_len(d, i);
        }
        if line_start {
            for p in aider::LLM_PREFIXES {
                if d[i..].starts_with(p.as_bytes()) {
                    return p.len();
                }
            }
        }
        0
    })
}

/// Opens `path` for reading, with a warning naming it on failure.
pub fn open(scanner: &Scanner, path: &Path, display: &str) -> Option<File> {
    match File::open(path) {
        Ok(f) => Some(f),
        Err(e) => {
            scanner.warn(format!("{display}: cannot open: {e}"));
            None
        }
    }
}
