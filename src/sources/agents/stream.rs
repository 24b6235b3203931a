//! Streamed-record reassembly: values a log wrote in pieces (token deltas, chunked markdown) are
//! joined per stream and scanned again, so a secret split across two records is still found.
//! Only matches that straddle a piece boundary are reported here; matches inside one piece were
//! already reported with their record.

use std::collections::HashMap;

use crate::engine::locate::{self, BlobContext};
use crate::finding::{Finding, Location, Source};
use crate::scan::Scanner;

use super::attrib::Attribution;
use super::emit::{Edit, Edits, Placement, Target, marker, origin};
use super::json;

/// Most decoded bytes buffered per stream before it is scanned and restarted.
const MAX_STREAM: usize = 1 << 20;

/// One piece of a streamed value: a string leaf of one record.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// 1-based line of the record.
    pub line: u64,
    /// 1-based character column of the leaf's text in its line.
    pub column: usize,
    /// Absolute file offset of the leaf's raw text.
    pub offset: u64,
    /// The leaf's raw (escaped) text.
    pub raw: Vec<u8>,
    /// JSON pointer of the leaf.
    pub pointer: String,
    /// Attribution of the record.
    pub attribution: Attribution,
}

#[derive(Debug, Default)]
struct Stream {
    text: Vec<u8>,
    /// Start of each piece in `text`, and the piece.
    pieces: Vec<(usize, Fragment)>,
}

/// Collects the fragments of every stream in one file.
#[derive(Debug, Default)]
pub struct Reassembler {
    streams: HashMap<String, Stream>,
}

impl Reassembler {
    /// Adds a piece; scans and restarts the stream when it grows past the buffer limit.
    pub fn push(
        &mut self,
        key: String,
        frag: Fragment,
        scanner: &Scanner,
        edits: Option<&Edits>,
        place: &Placement<'_>,
    ) {
        let s = self.streams.entry(key).or_default();
        let dec = json::unescape(&frag.raw).into_owned();
        s.pieces.push((s.text.len(), frag));
        s.text.extend_from_slice(&dec);
        if s.text.len() > MAX_STREAM {
            // Scan everything so far, then keep the last piece so a value straddling it and
            // the next piece is still joined.
            let last = s.pieces.last().map(|(_, f)| f.clone());
            let full = std::mem::take(s);
            let found = scan(full, scanner, edits, place);
            scanner.push_findings(found);
            if let Some(f) = last {
                s.text = json::unescape(&f.raw).into_owned();
                s.pieces.push((0, f));
            }
        }
    }

    /// Scans every stream still buffered.
    pub fn finish(self, scanner: &Scanner, edits: Option<&Edits>, place: &Placement<'_>) {
        let mut keys: Vec<_> = self.streams.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, s) in keys {
            if s.pieces.len() > 1 {
                let found = scan(s, scanner, edits, place);
                scanner.push_findings(found);
            }
        }
    }
}

/// Raw absolute range of decoded bytes `a..b` of a fragment.
fn raw_range(f: &Fragment, a: usize, b: usize) -> (u64, u64) {
    let (_, units) = json::unescape_units(&f.raw);
    let last = units.len().saturating_sub(1);
    let s = units.get(a.min(last)).map_or(0, |u| u.0);
    let e = units.get(b.saturating_sub(1).min(last)).map_or(s, |u| u.1);
    (f.offset + s as u64, f.offset + e as u64)
}

fn scan(
    s: Stream,
    scanner: &Scanner,
    edits: Option<&Edits>,
    place: &Placement<'_>,
) -> Vec<Finding> {
    let matches: Vec<_> = scanner.engine().scan(&s.text);
    let piece_of = |k: usize| {
        s.pieces
            .partition_point(|(st, _)| *st <= k)
            .saturating_sub(1)
    };
    let split: Vec<_> = matches
        .into_iter()
        .filter(|m| piece_of(m.start) != piece_of(m.end.saturating_sub(1).max(m.start)))
        .collect();
    if split.is_empty() {
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
    let base = locate::findings(scanner.engine(), &s.text, &split, &ctx);
    let mut out = Vec::new();
    let mut new_edits = Vec::new();
    for (mut f, m) in base.into_iter().zip(&split) {
        let (fi, li) = (piece_of(m.start), piece_of(m.end - 1));
        let mk = marker(&f.rule_id, &f.fingerprint);
        let mut first_start = 0;
        let mut last_end = 0;
        for i in fi..=li {
            let (st, frag) = &s.pieces[i];
            let len = s.pieces.get(i + 1).map_or(s.text.len(), |p| p.0) - st;
            let a = m.start.max(*st) - st;
            let b = (m.end.min(st + len)) - st;
            let (ra, rb) = raw_range(frag, a, b);
            if i == fi {
                first_start = ra;
            }
            last_end = rb;
            new_edits.push(Edit {
                path: place.path.to_path_buf(),
                target: Target::File,
                start: ra,
                end: rb,
                marker: if i == fi { mk.clone() } else { String::new() },
                line: frag.line,
                rule_id: f.rule_id.clone(),
                fingerprint: f.fingerprint.clone(),
            });
        }
        let first = &s.pieces[fi].1;
        let last = &s.pieces[li].1;
        f.location = Location {
            path: place.display.to_string(),
            line: first.line as usize,
            column: first.column,
            end_line: last.line as usize,
            end_column: last.column,
            offset: first_start,
            end_offset: last_end,
        };
        let mut p = place.clone();
        p.record = Some(first.line);
        let mut o = origin(
            scanner,
            &p,
            first.attribution.clone(),
            std::slice::from_ref(&first.pointer),
        );
        o.reassembled_from = Some(if first.line == last.line {
            format!("{} pieces in line {}", li - fi + 1, first.line)
        } else {
            format!("lines {}–{}", first.line, last.line)
        });
        f.decoding.insert(0, "reassembled".into());
        f.source = Source::Agent(Box::new(o));
        out.push(f);
    }
    if let Some(e) = edits
        && let Ok(mut e) = e.lock()
    {
        e.extend(new_edits);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::engine::{Engine, EngineOptions};
    use crate::progress::Progress;
    use crate::rules::template::{Rng, expand};
    use crate::scan::ScanOptions;

    fn frag(line: u64, offset: u64, text: &str) -> Fragment {
        Fragment {
            line,
            column: 1,
            offset,
            raw: json::escape(text.as_bytes()),
            pointer: "/v".into(),
            attribution: Attribution::default(),
        }
    }

    #[test]
    fn joins_pieces_across_records_and_buffer_flushes() {
        let rules = crate::rules::load_all(&[]).unwrap();
        let engine = Engine::new(rules, EngineOptions::default()).unwrap();
        let scanner = Scanner::new(&engine, ScanOptions::default(), Progress::hidden());
        let tok = expand("«token:github_crc32:ghp_»", &mut Rng::from_seed("split")).unwrap();
        let place = Placement {
            path: Path::new("x.jsonl"),
            display: "x.jsonl",
            format: super::super::formats::Format::VsCodeChat,
            base_offset: 0,
            base_line: 1,
            fixed_line: false,
            record: None,
            key: None,
            target: Target::File,
        };
        let edits = Edits::default();
        let mut r = Reassembler::default();
        // Enough filler that the buffer is flushed right after the first half of the token.
        let filler = "lorem ipsum dolor sit amet\n".repeat(4096);
        let mut line = 0;
        while r
            .streams
            .get("s")
            .is_none_or(|s| s.text.len() + filler.len() <= MAX_STREAM)
        {
            line += 1;
            r.push(
                "s".into(),
                frag(line, line * 1000, &filler),
                &scanner,
                Some(&edits),
                &place,
            );
        }
        let (a, b) = tok.split_at(15);
        // Pad the first half so the buffer overflows (and is flushed) right after it.
        let pad = MAX_STREAM + 1 - r.streams["s"].text.len();
        let first = format!("{}\nGITHUB_TOKEN={a}", "x".repeat(pad));
        r.push(
            "s".into(),
            frag(line + 1, 77_000, &first),
            &scanner,
            Some(&edits),
            &place,
        );
        assert_eq!(r.streams["s"].pieces.len(), 1, "flushed, last piece kept");
        r.push(
            "s".into(),
            frag(line + 2, 88_000, &format!("{b} done")),
            &scanner,
            Some(&edits),
            &place,
        );
        r.finish(&scanner, Some(&edits), &place);
        let (found, _) = scanner.finish();
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.rule_id, "github.pat.classic");
        assert_eq!(f.location.line as u64, line + 1);
        let Source::Agent(o) = &f.source else {
            panic!()
        };
        assert_eq!(
            o.reassembled_from.as_deref(),
            Some(&*format!("lines {}–{}", line + 1, line + 2))
        );
        let e = edits.into_inner().unwrap();
        assert_eq!(e.len(), 2);
        let at = 77_000 + pad as u64 + 2 + 13;
        assert_eq!((e[0].start, e[0].end), (at, at + 15));
        assert!(e[0].marker.starts_with("[REDACTED:github.pat.classic:"));
        assert_eq!(
            (e[1].start, e[1].end, e[1].marker.as_str()),
            (88_000, 88_000 + 25, "")
        );
    }
}
