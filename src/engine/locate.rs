//! Turns engine matches into [`Finding`]s: line/column, fingerprint, masked snippet, provenance.

use std::collections::BTreeMap;

use crate::engine::{Engine, Match};
use crate::finding::{Finding, Location, Secret, Source, fingerprint, redact};

/// What the caller knows about the buffer the matches came from.
#[derive(Debug, Clone)]
pub struct BlobContext<'a> {
    /// Display path for `location.path`.
    pub path: &'a str,
    /// Provenance of the blob.
    pub source: &'a Source,
    /// Whether outputs may show full secrets.
    pub show_secrets: bool,
    /// Offset of `data[0]` within the whole blob (chunked reads).
    pub base_offset: u64,
    /// Newlines before `data[0]` within the whole blob.
    pub base_line: usize,
}

/// Longest snippet context either side of the secret, in bytes.
const SNIPPET_CONTEXT: usize = 80;

/// Inline markers that accept every secret on their line (`gitleaks:allow` eases migration).
pub const ALLOW_MARKERS: &[&[u8]] = &[b"leakhound:allow", b"gitleaks:allow"];

/// Whether the line holding byte `pos` carries an inline allow marker.
fn allowed_inline(data: &[u8], newlines: &[usize], pos: usize) -> bool {
    let idx = newlines.partition_point(|&n| n < pos);
    let start = if idx == 0 { 0 } else { newlines[idx - 1] + 1 };
    let end = newlines.get(idx).copied().unwrap_or(data.len());
    let line = &data[start.min(end)..end];
    ALLOW_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(line, m).is_some())
}

/// Builds one finding per match.
pub fn findings(
    engine: &Engine,
    data: &[u8],
    matches: &[Match],
    ctx: &BlobContext,
) -> Vec<Finding> {
    if matches.is_empty() {
        return Vec::new();
    }
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', data).collect();
    let spans: Vec<(usize, usize)> = matches.iter().map(|m| (m.start, m.end)).collect();
    matches
        .iter()
        .filter(|m| !allowed_inline(data, &newlines, m.start))
        .map(|m| {
            let cr = &engine.rules()[m.rule];
            let (line, column) = line_col(data, &newlines, m.start);
            let (end_line, end_column) = line_col(data, &newlines, m.end);
            let parts: BTreeMap<String, Secret> = m
                .parts
                .iter()
                .map(|(k, v)| (k.clone(), Secret::new(v.clone(), ctx.show_secrets)))
                .collect();
            Finding {
                rule_id: cr.rule.id.clone(),
                rule_name: cr.rule.name.clone(),
                provider: cr.rule.provider.clone(),
                severity: cr.rule.severity,
                confidence: cr.rule.confidence,
                secret_length: m.secret.chars().count(),
                fingerprint: fingerprint(&cr.rule.id, &m.secret),
                secret: Secret::new(m.secret.clone(), ctx.show_secrets),
                parts,
                location: Location {
                    path: ctx.path.to_string(),
                    line: ctx.base_line + line,
                    column,
                    end_line: ctx.base_line + end_line,
                    end_column,
                    offset: ctx.base_offset + m.start as u64,
                    end_offset: ctx.base_offset + m.end as u64,
                },
                source: ctx.source.clone(),
                decoding: m.decoding.iter().map(|s| s.to_string()).collect(),
                snippet: snippet(data, &newlines, m, &spans, ctx.show_secrets),
                checksum_valid: m.checksum_valid,
                remediation: cr.rule.remediation.trim().to_string(),
                validation: None,
            }
        })
        .collect()
}

/// Characters in UTF-8 text `b` (its lead bytes; invalid bytes count as one each), the unit
/// of reported columns.
pub fn chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

/// 1-based line and character column of byte `pos`.
fn line_col(data: &[u8], newlines: &[usize], pos: usize) -> (usize, usize) {
    let idx = newlines.partition_point(|&n| n < pos);
    let line_start = if idx == 0 { 0 } else { newlines[idx - 1] + 1 };
    let pos = pos.min(data.len());
    (idx + 1, chars(&data[line_start.min(pos)..pos]) + 1)
}

/// The line around `m`, cut to a bounded width, with every secret span on it masked.
fn snippet(
    data: &[u8],
    newlines: &[usize],
    m: &Match,
    spans: &[(usize, usize)],
    show: bool,
) -> String {
    let idx = newlines.partition_point(|&n| n < m.start);
    let line_start = if idx == 0 { 0 } else { newlines[idx - 1] + 1 };
    let line_end = newlines.get(idx).copied().unwrap_or(data.len());
    let from = line_start.max(m.start.saturating_sub(SNIPPET_CONTEXT));
    let to = line_end.min(m.end.max(m.start) + SNIPPET_CONTEXT).max(from);
    let mut local: Vec<(usize, usize)> = spans
        .iter()
        .filter(|(s, e)| *s < to && *e > from)
        .map(|&(s, e)| (s.max(from), e.min(to)))
        .collect();
    local.sort_unstable();
    let mut out = String::new();
    if from > line_start {
        out.push('…');
    }
    let mut pos = from;
    for (s, e) in local {
        if s < pos {
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&data[pos..s]));
        let text = String::from_utf8_lossy(&data[s..e]);
        if show {
            out.push_str(&text);
        } else {
            out.push_str(&redact(&text));
        }
        pos = e;
    }
    out.push_str(&String::from_utf8_lossy(&data[pos..to]));
    if to < line_end {
        out.push('…');
    }
    out.trim_end_matches('\r').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_in_characters() {
        let d = "ab\nçd=X".as_bytes();
        let nl: Vec<usize> = memchr::memchr_iter(b'\n', d).collect();
        assert_eq!(line_col(d, &nl, 0), (1, 1));
        let x = d.iter().position(|&b| b == b'X').unwrap();
        assert_eq!(line_col(d, &nl, x), (2, 4));
    }

    #[test]
    fn inline_allow_markers_cover_their_line_only() {
        let d = b"a = 1\nk = SECRET # leakhound:allow\nk2 = SECRET2 // gitleaks:allow\nk3 = X\n";
        let nl: Vec<usize> = memchr::memchr_iter(b'\n', d).collect();
        let at = |s: &[u8]| memchr::memmem::find(d, s).unwrap();
        assert!(allowed_inline(d, &nl, at(b"SECRET ")));
        assert!(allowed_inline(d, &nl, at(b"SECRET2")));
        assert!(!allowed_inline(d, &nl, at(b"X\n")));
        assert!(!allowed_inline(d, &nl, 0));
    }

    #[test]
    fn snippet_masks_every_secret_on_the_line() {
        let d = b"a=SECRETONE1234 b=SECRETTWO5678 tail";
        let m = Match {
            rule: 0,
            start: 2,
            end: 15,
            secret: "SECRETONE1234".into(),
            parts: vec![],
            decoding: vec![],
            checksum_valid: None,
        };
        let spans = [(2, 15), (18, 31)];
        let s = snippet(d, &[], &m, &spans, false);
        assert!(
            !s.contains("SECRETONE1234") && !s.contains("SECRETTWO5678"),
            "{s}"
        );
        assert!(s.starts_with("a=SE…(13 chars) b="), "{s}");
        assert!(snippet(d, &[], &m, &spans, true).contains("SECRETTWO5678"));
    }
}
