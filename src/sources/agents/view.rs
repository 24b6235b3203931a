//! The decoded view of a transcript record: the record's raw bytes with every string leaf
//! replaced, in place, by its decoded text (JSON escapes undone, terminal colour codes and
//! line-number prefixes stripped, and JSON-inside-a-string expanded the same way to a bounded
//! depth).
//!
//! Object keys and the JSON punctuation between leaves stay, so context rules such as
//! `"aws_secret_access_key": "…"` still see their keyword next to the value. Every byte of the
//! view maps back to the exact raw byte range it came from ([`View::map_range`]) and to the JSON
//! pointer chain of its leaf ([`View::pointers`]).

use std::borrow::Cow;

use memchr::memmem;

use super::json::{self, Doc, Kind};

/// `→` (U+2192) in UTF-8: Claude Code's line-number separator in `Read` results.
const ARROW: &[u8] = "→".as_bytes();

/// How one run of view text relates to the layer's source bytes.
#[derive(Debug)]
enum PieceKind {
    /// Decoded (if `unescape`) then cleaned (if `map`) text of the source range.
    Decoded {
        unescape: bool,
        /// Cleaned index → decoded index, when cleaning removed bytes.
        map: Option<Vec<u32>>,
    },
    /// A string leaf holding JSON: its own view.
    Nested(Box<View<'static>>),
}

#[derive(Debug)]
struct Piece {
    out_start: usize,
    out_end: usize,
    src_start: usize,
    src_end: usize,
    /// The string node of this layer's document (`usize::MAX` for text views).
    node: usize,
    kind: PieceKind,
}

/// A decoded view over one layer of source bytes.
#[derive(Debug)]
pub struct View<'a> {
    src: Cow<'a, [u8]>,
    doc: Option<Doc>,
    /// `None`: identical to `src`.
    text: Option<Vec<u8>>,
    pieces: Vec<Piece>,
}

/// Keys whose long base64 values are opaque by construction (Claude `thinking.signature`,
/// Codex `reasoning.encrypted_content`, OTLP `bytesValue`).
const OPAQUE_KEYS: &[&[u8]] = &[b"signature", b"encrypted_content", b"bytesValue"];

/// Keys naming a media type next to an inline `data` blob.
const MEDIA_KEYS: &[&str] = &["media_type", "mimeType", "mime_type"];

fn is_base64ish(d: &[u8]) -> bool {
    d.iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// Opaque blobs that are never credentials and are expensive to decode: encrypted reasoning,
/// thinking signatures, and inline images or audio. They are left out of the view (TRANSCRIPTS
/// §1.4 and §11).
fn opaque(raw: &[u8], doc: &Doc, i: usize) -> bool {
    let n = &doc.nodes[i];
    let content = &raw[n.start..n.end];
    if content.len() < 256 {
        return false;
    }
    if content.starts_with(b"data:image/") || content.starts_with(b"data:audio/") {
        return true;
    }
    let json::Key::Name { start, end } = n.key else {
        return false;
    };
    let key = &raw[start..end];
    if OPAQUE_KEYS.contains(&key) {
        return is_base64ish(content);
    }
    key == b"data"
        && MEDIA_KEYS.iter().any(|m| {
            doc.child(raw, n.parent, m)
                .and_then(|c| doc.str(raw, c))
                .is_some_and(|t| t.starts_with("image/") || t.starts_with("audio/"))
        })
        && is_base64ish(content)
}

fn looks_like_json(d: &[u8]) -> bool {
    let t = d.trim_ascii();
    t.len() >= 2 && matches!((t[0], t[t.len() - 1]), (b'{', b'}') | (b'[', b']'))
}

/// Strips ANSI escape sequences and `   12→` line-number prefixes. Returns the cleaned text and,
/// for each cleaned byte, its index in `dec`; `None` when there is nothing to strip.
pub fn clean(dec: &[u8]) -> Option<(Vec<u8>, Vec<u32>)> {
    let ansi = memchr::memchr(0x1b, dec).is_some();
    let arrow = memmem::find(dec, ARROW).is_some();
    if !ansi && !arrow {
        return None;
    }
    strip(dec, |d, i, line_start| {
        if line_start && arrow {
            let mut j = i;
            while j < d.len() && d[j] == b' ' {
                j += 1;
            }
            let digits = j;
            while j < d.len() && d[j].is_ascii_digit() {
                j += 1;
            }
            if j > digits && j - digits <= 9 && d[j..].starts_with(ARROW) {
                return j + ARROW.len() - i;
            }
        }
        if d[i] == 0x1b {
            return ansi_len(d, i);
        }
        0
    })
}

/// Length of the escape sequence at `d[i]` (an ESC byte).
pub fn ansi_len(d: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    match d.get(j) {
        Some(b'[') => {
            j += 1;
            while j < d.len() && (0x30..=0x3f).contains(&d[j]) {
                j += 1;
            }
            while j < d.len() && (0x20..=0x2f).contains(&d[j]) {
                j += 1;
            }
            if j < d.len() && (0x40..=0x7e).contains(&d[j]) {
                j += 1;
            }
        }
        Some(b']') => {
            while j < d.len() && d[j] != 0x07 && !(d[j] == 0x1b && d.get(j + 1) == Some(&b'\\')) {
                j += 1;
            }
            j = (j + if d.get(j) == Some(&0x07) { 1 } else { 2 }).min(d.len());
        }
        Some(_) => j += 1,
        None => {}
    }
    j - i
}

/// Removes the runs `skip(d, i, at_line_start)` reports (their length; 0 keeps the byte).
pub fn strip(d: &[u8], skip: impl Fn(&[u8], usize, bool) -> usize) -> Option<(Vec<u8>, Vec<u32>)> {
    let mut out = Vec::with_capacity(d.len());
    let mut map = Vec::with_capacity(d.len());
    let mut i = 0;
    let mut line_start = true;
    let mut removed = false;
    while i < d.len() {
        let n = skip(d, i, line_start);
        if n > 0 {
            i += n;
            removed = true;
            line_start = false;
            continue;
        }
        out.push(d[i]);
        map.push(i as u32);
        line_start = d[i] == b'\n';
        i += 1;
    }
    removed.then_some((out, map))
}

impl<'a> View<'a> {
    /// The view of a parsed JSON document; string leaves holding JSON are expanded down to
    /// `depth` further levels.
    pub fn json(src: Cow<'a, [u8]>, doc: Doc, depth: usize) -> View<'a> {
        let mut pieces = Vec::new();
        let mut text = Vec::new();
        let changed;
        {
            let raw: &[u8] = &src;
            let has_arrow = memmem::find(raw, ARROW).is_some();
            let mut cursor = 0;
            for (i, n) in doc.nodes.iter().enumerate() {
                let Kind::String { escaped } = n.kind else {
                    continue;
                };
                let content = &raw[n.start..n.end];
                let skip = opaque(raw, &doc, i);
                if !(skip || escaped || has_arrow && memmem::find(content, ARROW).is_some()) {
                    continue;
                }
                if text.is_empty() {
                    text.reserve(raw.len());
                }
                text.extend_from_slice(&raw[cursor..n.start]);
                let out_start = text.len();
                if skip {
                    // An empty piece keeps the offsets of what follows.
                    pieces.push(Piece {
                        out_start,
                        out_end: out_start,
                        src_start: n.start,
                        src_end: n.end,
                        node: i,
                        kind: PieceKind::Decoded {
                            unescape: false,
                            map: None,
                        },
                    });
                    cursor = n.end;
                    continue;
                }
                let dec = json::unescape(content);
                let kind = match (depth > 0 && looks_like_json(&dec))
                    .then(|| json::parse(&dec, json::MAX_DEPTH).ok())
                    .flatten()
                {
                    Some(inner) => {
                        let v = View::json(Cow::Owned(dec.into_owned()), inner, depth - 1);
                        text.extend_from_slice(v.text());
                        PieceKind::Nested(Box::new(v))
                    }
                    None => match clean(&dec) {
                        Some((c, map)) => {
                            text.extend_from_slice(&c);
                            PieceKind::Decoded {
                                unescape: escaped,
                                map: Some(map),
                            }
                        }
                        None => {
                            text.extend_from_slice(&dec);
                            PieceKind::Decoded {
                                unescape: escaped,
                                map: None,
                            }
                        }
                    },
                };
                pieces.push(Piece {
                    out_start,
                    out_end: text.len(),
                    src_start: n.start,
                    src_end: n.end,
                    node: i,
                    kind,
                });
                cursor = n.end;
            }
            changed = !pieces.is_empty();
            if changed {
                text.extend_from_slice(&raw[cursor..]);
            }
        }
        View {
            text: changed.then_some(text),
            src,
            doc: Some(doc),
            pieces,
        }
    }

    /// The view of plain text, cleaned by `cleaner` (see [`clean`], [`strip`]).
    pub fn text_with(
        src: Cow<'a, [u8]>,
        cleaner: impl Fn(&[u8]) -> Option<(Vec<u8>, Vec<u32>)>,
    ) -> View<'a> {
        match cleaner(&src) {
            None => View {
                src,
                doc: None,
                text: None,
                pieces: Vec::new(),
            },
            Some((text, map)) => {
                let piece = Piece {
                    out_start: 0,
                    out_end: text.len(),
                    src_start: 0,
                    src_end: src.len(),
                    node: usize::MAX,
                    kind: PieceKind::Decoded {
                        unescape: false,
                        map: Some(map),
                    },
                };
                View {
                    src,
                    doc: None,
                    text: Some(text),
                    pieces: vec![piece],
                }
            }
        }
    }

    /// The decoded text to scan.
    pub fn text(&self) -> &[u8] {
        self.text.as_deref().unwrap_or(&self.src)
    }

    /// The layer's source bytes.
    pub fn src(&self) -> &[u8] {
        &self.src
    }

    /// The layer's parsed document (JSON views).
    pub fn doc(&self) -> Option<&Doc> {
        self.doc.as_ref()
    }

    fn piece_at(&self, k: usize) -> Result<&Piece, usize> {
        let i = self.pieces.partition_point(|p| p.out_end <= k);
        match self.pieces.get(i) {
            Some(p) if p.out_start <= k => Ok(p),
            _ => {
                // Verbatim: shift by the previous piece.
                let shift = i
                    .checked_sub(1)
                    .map(|j| &self.pieces[j])
                    .map_or(0isize, |p| p.src_end as isize - p.out_end as isize);
                Err((k as isize + shift).max(0) as usize)
            }
        }
    }

    /// Raw range (in this layer's source) of the view bytes `start..end`.
    pub fn map_range(&self, start: usize, end: usize) -> (usize, usize) {
        let end = end.max(start + 1).min(self.text().len().max(1));
        let s = self.map_byte(start.min(end - 1)).0;
        let e = self.map_byte(end - 1).1;
        (s, e.max(s))
    }

    /// The source range that produced view byte `k`.
    fn map_byte(&self, k: usize) -> (usize, usize) {
        let p = match self.piece_at(k) {
            Err(src) => return (src, src + 1),
            Ok(p) => p,
        };
        let rel = k - p.out_start;
        let content = &self.src[p.src_start..p.src_end];
        // Index into the decoded (unescaped) leaf, as a range.
        let (d0, d1) = match &p.kind {
            PieceKind::Nested(inner) => inner.map_byte(rel),
            PieceKind::Decoded { map, .. } => {
                let d = map
                    .as_ref()
                    .and_then(|m| m.get(rel))
                    .map_or(rel, |&v| v as usize);
                (d, d + 1)
            }
        };
        let unescape = match &p.kind {
            PieceKind::Nested(_) => true,
            PieceKind::Decoded { unescape, .. } => *unescape,
        };
        if !unescape {
            return (p.src_start + d0, p.src_start + d1.min(content.len()));
        }
        let (_, units) = json::unescape_units(content);
        let last = units.len().saturating_sub(1);
        let a = units.get(d0.min(last)).map_or(0, |u| u.0);
        let b = units.get(d1.saturating_sub(1).min(last)).map_or(a, |u| u.1);
        (p.src_start + a, p.src_start + b)
    }

    /// JSON pointers from this layer inward for view byte `k` (empty for text views or bytes
    /// outside any string leaf).
    pub fn pointers(&self, k: usize) -> Vec<String> {
        let Some(doc) = &self.doc else {
            return Vec::new();
        };
        match self.piece_at(k) {
            Err(src) => doc
                .string_at(src)
                .map(|n| vec![json::pointer(&doc.path(&self.src, n))])
                .unwrap_or_default(),
            Ok(p) => {
                let mut out = vec![json::pointer(&doc.path(&self.src, p.node))];
                if let PieceKind::Nested(inner) = &p.kind {
                    out.extend(inner.pointers(k - p.out_start));
                }
                out
            }
        }
    }

    /// The string node of this layer holding view byte `k`.
    pub fn leaf(&self, k: usize) -> Option<usize> {
        match self.piece_at(k) {
            Err(src) => self.doc.as_ref()?.string_at(src),
            Ok(p) => (p.node != usize::MAX).then_some(p.node),
        }
    }

    /// The view text is the source itself.
    pub fn is_verbatim(&self) -> bool {
        self.text.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(raw: &[u8]) -> View<'_> {
        let doc = json::parse(raw, json::MAX_DEPTH).unwrap();
        View::json(Cow::Borrowed(raw), doc, 3)
    }

    #[test]
    fn decodes_leaves_in_place_and_maps_back() {
        let raw = br#"{"k":"x\nSECRET1\tz","plain":"SECRET2"}"#;
        let v = view(raw);
        let t = v.text();
        assert_eq!(t, b"{\"k\":\"x\nSECRET1\tz\",\"plain\":\"SECRET2\"}");
        let s = memmem::find(t, b"SECRET1").unwrap();
        let (a, b) = v.map_range(s, s + 7);
        assert_eq!(&raw[a..b], b"SECRET1");
        assert_eq!(v.pointers(s), vec!["/k".to_string()]);
        let s = memmem::find(t, b"SECRET2").unwrap();
        let (a, b) = v.map_range(s, s + 7);
        assert_eq!(&raw[a..b], b"SECRET2");
        assert_eq!(v.pointers(s), vec!["/plain".to_string()]);
        // A range that ends on an escape covers the whole escape.
        let s = memmem::find(t, b"x\n").unwrap();
        let (a, b) = v.map_range(s, s + 2);
        assert_eq!(&raw[a..b], br"x\n");
    }

    #[test]
    fn json_in_string_three_levels() {
        let inner3 = r#"{"auth":"TOPSECRETVALUE"}"#;
        let inner2 = serde_json::to_string(&serde_json::json!({"output": inner3})).unwrap();
        let inner1 = serde_json::to_string(&serde_json::json!({"args": inner2})).unwrap();
        let raw =
            serde_json::to_string(&serde_json::json!({"payload": {"arguments": inner1}})).unwrap();
        let v = view(raw.as_bytes());
        let t = v.text();
        let s = memmem::find(t, b"TOPSECRETVALUE").unwrap();
        assert!(memmem::find(t, b"\"auth\":\"TOPSECRETVALUE\"").is_some());
        let (a, b) = v.map_range(s, s + 14);
        assert_eq!(&raw.as_bytes()[a..b], b"TOPSECRETVALUE");
        assert_eq!(
            v.pointers(s),
            vec!["/payload/arguments", "/args", "/output", "/auth"]
        );
    }

    #[test]
    fn strips_colours_and_line_numbers() {
        let raw = "{\"c\":\"     1→A=1\\n     2→\\u001b[0;32mKEY=VALUE1\\u001b[0m\\n\"}";
        let v = view(raw.as_bytes());
        let t = v.text();
        assert_eq!(t, b"{\"c\":\"A=1\nKEY=VALUE1\n\"}");
        let s = memmem::find(t, b"VALUE1").unwrap();
        let (a, b) = v.map_range(s, s + 6);
        assert_eq!(&raw.as_bytes()[a..b], b"VALUE1");
    }

    #[test]
    fn opaque_blobs_are_left_out_and_offsets_still_map() {
        let blob = "QUJD".repeat(100);
        let raw = format!(
            r#"{{"signature":"{blob}","source":{{"media_type":"image/png","data":"{blob}"}},"t":"a\nSECRET9"}}"#
        );
        let v = view(raw.as_bytes());
        let t = v.text();
        assert!(memmem::find(t, blob.as_bytes()).is_none());
        let s = memmem::find(t, b"SECRET9").unwrap();
        let (a, b) = v.map_range(s, s + 7);
        assert_eq!(&raw.as_bytes()[a..b], b"SECRET9");
        assert_eq!(v.pointers(s), vec!["/t".to_string()]);
        // A short value or an unrelated key stays.
        let raw = format!(r#"{{"data":"{blob}"}}"#);
        assert!(view(raw.as_bytes()).is_verbatim());
    }

    #[test]
    fn verbatim_when_nothing_to_decode() {
        let raw = br#"{"a":"b","c":[1,2]}"#;
        let v = view(raw);
        assert!(v.is_verbatim());
        assert_eq!(v.map_range(6, 7), (6, 7));
        assert_eq!(v.pointers(6), vec!["/a".to_string()]);
    }
}
