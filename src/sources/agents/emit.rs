//! Turns engine matches in a decoded view into attributed [`Finding`]s with exact raw locations,
//! and records the raw byte ranges `redact` will rewrite.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::engine::Match;
use crate::engine::locate::{self, BlobContext};
use crate::finding::{AgentOrigin, Finding, Location, Source, redact};
use crate::scan::Scanner;

use super::attrib::{Attribution, summarize};
use super::formats::Format;
use super::view::View;

/// Where a redaction applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Absolute byte offsets in a file.
    File,
    /// A value in an SQLite table: offsets are within the value.
    Sqlite {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// Row id.
        rowid: i64,
    },
}

/// One raw byte range to replace with `marker`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file.
    pub path: PathBuf,
    /// File or database value.
    pub target: Target,
    /// Start (absolute in the file, or within the value).
    pub start: u64,
    /// End.
    pub end: u64,
    /// The replacement text (`[REDACTED:<rule>:<fingerprint prefix>]`, or empty for the later
    /// pieces of a reassembled secret).
    pub marker: String,
    /// 1-based line (files) or row ordinal (databases), for the plan.
    pub line: u64,
    /// The rule.
    pub rule_id: String,
    /// Fingerprint of the secret (for the audit log).
    pub fingerprint: String,
}

/// The replacement text of a secret.
pub fn marker(rule_id: &str, fingerprint: &str) -> String {
    format!(
        "[REDACTED:{rule_id}:{}]",
        &fingerprint[..fingerprint.len().min(8)]
    )
}

/// Where a layer-0 buffer sits in its file.
#[derive(Debug, Clone)]
pub struct Placement<'p> {
    /// The file.
    pub path: &'p std::path::Path,
    /// Display path for reports.
    pub display: &'p str,
    /// The format.
    pub format: Format,
    /// Absolute offset of the buffer in the file (0 for database values).
    pub base_offset: u64,
    /// 1-based line of the buffer's first byte.
    pub base_line: u64,
    /// Report every finding on this line (database rows) instead of counting newlines.
    pub fixed_line: bool,
    /// The record number to report (line or row id).
    pub record: Option<u64>,
    /// Database table and key.
    pub key: Option<String>,
    /// Redaction target.
    pub target: Target,
}

/// Shared sink for redaction edits.
pub type Edits = Mutex<Vec<Edit>>;

/// 1-based line and character column of `pos` in `src`, counting from `base_line`.
fn line_col(src: &[u8], pos: usize, base_line: u64, fixed: bool) -> (u64, usize) {
    let pos = pos.min(src.len());
    let line_start = memchr::memrchr(b'\n', &src[..pos]).map_or(0, |i| i + 1);
    let col = locate::chars(&src[line_start..pos]) + 1;
    let line = if fixed {
        base_line
    } else {
        base_line + memchr::memchr_iter(b'\n', &src[..pos]).count() as u64
    };
    (line, col)
}

/// Masks every secret the engine finds in `s` (used for tool-input summaries).
pub fn mask(scanner: &Scanner, s: &str) -> String {
    let ms = scanner.engine().scan(s.as_bytes());
    if ms.is_empty() {
        return s.to_string();
    }
    let mut spans: Vec<(usize, usize)> = ms.iter().map(|m| (m.start, m.end)).collect();
    spans.sort_unstable();
    let mut out = String::new();
    let mut pos = 0;
    for (a, b) in spans {
        if a < pos || !s.is_char_boundary(a) || !s.is_char_boundary(b) {
            continue;
        }
        out.push_str(&s[pos..a]);
        out.push_str(&redact(&s[a..b]));
        pos = b;
    }
    out.push_str(&s[pos..]);
    out
}

/// Builds findings for `matches` in `view`, attributing each leaf with `attribute(path)`.
pub fn findings(
    scanner: &Scanner,
    edits: Option<&Edits>,
    view: &View<'_>,
    matches: &[Match],
    place: &Placement<'_>,
    attribute: &dyn Fn(&[String], usize) -> Attribution,
) -> Vec<Finding> {
    if matches.is_empty() {
        return Vec::new();
    }
    let placeholder = Source::File {
        path: place.display.to_string(),
    };
    let ctx = BlobContext {
        path: place.display,
        source: &placeholder,
        show_secrets: scanner.options().show_secrets,
        base_offset: 0,
        base_line: 0,
    };
    let base = locate::findings(scanner.engine(), view.text(), matches, &ctx);
    let mut out = Vec::with_capacity(base.len());
    let mut new_edits = Vec::new();
    for (mut f, m) in base.into_iter().zip(matches) {
        let (a, b) = view.map_range(m.start, m.end);
        let src = view.src();
        let (line, column) = line_col(src, a, place.base_line, place.fixed_line);
        let (end_line, end_column) = line_col(src, b, place.base_line, place.fixed_line);
        f.location = Location {
            path: place.display.to_string(),
            line: line as usize,
            column,
            end_line: end_line as usize,
            end_column,
            offset: place.base_offset + a as u64,
            end_offset: place.base_offset + b as u64,
        };
        let pointers = view.pointers(m.start);
        let path = match (view.leaf(m.start), view.doc()) {
            (Some(n), Some(doc)) => doc.path(src, n),
            _ => Vec::new(),
        };
        let at = attribute(&path, a);
        f.source = Source::Agent(Box::new(origin(scanner, place, at, &pointers)));
        new_edits.push(Edit {
            path: place.path.to_path_buf(),
            target: place.target.clone(),
            start: place.base_offset + a as u64,
            end: place.base_offset + b as u64,
            marker: marker(&f.rule_id, &f.fingerprint),
            line,
            rule_id: f.rule_id.clone(),
            fingerprint: f.fingerprint.clone(),
        });
        out.push(f);
    }
    if let Some(e) = edits
        && let Ok(mut e) = e.lock()
    {
        e.extend(new_edits);
    }
    out
}

/// The provenance record of one finding.
pub fn origin(
    scanner: &Scanner,
    place: &Placement<'_>,
    at: Attribution,
    pointers: &[String],
) -> AgentOrigin {
    AgentOrigin {
        agent: at.agent.unwrap_or_else(|| place.format.agent().to_string()),
        format: place.format.name().to_string(),
        path: place.display.to_string(),
        record: place.record,
        key: place.key.clone(),
        pointer: pointers.first().cloned(),
        inner_pointers: pointers.iter().skip(1).cloned().collect(),
        session: at.session,
        message_index: at.message_index,
        message_id: at.message_id,
        role: at.role,
        field: at.field,
        tool: at.tool,
        tool_call_id: at.tool_call_id,
        tool_input: at.tool_input.map(|s| summarize(&mask(scanner, &s), 80)),
        timestamp: at.timestamp,
        occurrences: 1,
        ..Default::default()
    }
}
