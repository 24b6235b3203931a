//! A span-keeping JSON tokenizer for transcript records.
//!
//! [`parse`] turns raw bytes into a flat, pre-order list of [`Node`]s that remember where each
//! value sits in the raw bytes, so a secret found in a decoded string leaf maps back to its exact
//! raw byte range and to the leaf's JSON pointer. It never copies string contents: decoding
//! happens on demand ([`unescape`], [`unescape_units`]). It is lenient about what does not affect
//! attribution (unknown escapes, control characters in strings, invalid UTF-8) and strict about
//! structure, with an explicit depth limit instead of recursion.

use std::borrow::Cow;

/// What a node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{…}`.
    Object,
    /// `[…]`.
    Array,
    /// A string; `escaped` when its raw text contains backslash escapes.
    String {
        /// Raw text contains `\`.
        escaped: bool,
    },
    /// A number.
    Number,
    /// `true` / `false`.
    Bool,
    /// `null`.
    Null,
}

/// How a node hangs off its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The root.
    Root,
    /// An array element.
    Index(usize),
    /// An object member; the raw span of the key's text (without quotes).
    Name {
        /// Start of the key text.
        start: usize,
        /// End of the key text.
        end: usize,
    },
}

/// One JSON value.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// Index of the parent node (`usize::MAX` for the root).
    pub parent: usize,
    /// Index just past this node's subtree (its next sibling, if any).
    pub next: usize,
    /// How it hangs off the parent.
    pub key: Key,
    /// What it holds.
    pub kind: Kind,
    /// Raw start: for strings the first byte after the opening quote, else the first byte.
    pub start: usize,
    /// Raw end: for strings the closing quote, else just past the value.
    pub end: usize,
}

/// Why a buffer is not (entirely) JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Input ended inside a value.
    #[error("truncated JSON (input ends inside a value at byte {0})")]
    Truncated(usize),
    /// An unexpected byte.
    #[error("invalid JSON at byte {0}")]
    Invalid(usize),
    /// Nesting deeper than the limit.
    #[error("JSON nested deeper than {1} levels at byte {0}")]
    TooDeep(usize, usize),
    /// More values than the limit.
    #[error("JSON holds more than {1} values (at byte {0})")]
    TooMany(usize, usize),
    /// Something other than whitespace after the value.
    #[error("trailing data after the JSON value at byte {0}")]
    Trailing(usize),
}

/// A parsed document: nodes in pre-order over a raw buffer the caller keeps.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Every value, parents before children.
    pub nodes: Vec<Node>,
}

/// Default nesting limit.
pub const MAX_DEPTH: usize = 256;

/// Most values (nodes) one document may hold. A node takes 64 bytes while `[0,0,…]` spends 2
/// input bytes per value, so a 32 MiB record would otherwise take 1 GB; at this cap a document
/// costs at most 64 MiB of nodes.
pub const MAX_NODES: usize = 1 << 20;

fn skip_ws(raw: &[u8], mut i: usize) -> usize {
    while i < raw.len() && matches!(raw[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Finds the closing quote of a string whose text starts at `i`; returns it and whether the text
/// has escapes.
fn scan_string(raw: &[u8], mut i: usize) -> Result<(usize, bool), ParseError> {
    let mut escaped = false;
    loop {
        match memchr::memchr2(b'"', b'\\', &raw[i.min(raw.len())..]) {
            None => return Err(ParseError::Truncated(raw.len())),
            Some(p) => {
                let at = i + p;
                if raw[at] == b'"' {
                    return Ok((at, escaped));
                }
                escaped = true;
                i = at + 2;
                if i > raw.len() {
                    return Err(ParseError::Truncated(raw.len()));
                }
            }
        }
    }
}

/// Parses one JSON value filling all of `raw` (surrounding whitespace allowed), with at most
/// [`MAX_NODES`] values.
pub fn parse(raw: &[u8], max_depth: usize) -> Result<Doc, ParseError> {
    parse_capped(raw, max_depth, MAX_NODES)
}

/// [`parse`] with a limit on the number of values.
pub fn parse_capped(raw: &[u8], max_depth: usize, max_nodes: usize) -> Result<Doc, ParseError> {
    let mut nodes: Vec<Node> = Vec::new();
    // Open containers: node index and the next array index.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut i = skip_ws(raw, 0);
    let mut key = Key::Root;
    loop {
        // Expect a value at `i`.
        if i >= raw.len() {
            return Err(ParseError::Truncated(i));
        }
        let parent = stack.last().map_or(usize::MAX, |s| s.0);
        let idx = nodes.len();
        if idx >= max_nodes {
            return Err(ParseError::TooMany(i, max_nodes));
        }
        let c = raw[i];
        match c {
            b'{' | b'[' => {
                if stack.len() >= max_depth {
                    return Err(ParseError::TooDeep(i, max_depth));
                }
                let kind = if c == b'{' { Kind::Object } else { Kind::Array };
                nodes.push(Node {
                    parent,
                    next: 0,
                    key,
                    kind,
                    start: i,
                    end: 0,
                });
                stack.push((idx, 0));
                i = skip_ws(raw, i + 1);
                if i >= raw.len() {
                    return Err(ParseError::Truncated(i));
                }
                let close = if c == b'{' { b'}' } else { b']' };
                if raw[i] == close {
                    // Empty container: fall through to the closing logic below.
                } else if c == b'{' {
                    let (k, ni) = read_key(raw, i)?;
                    key = k;
                    i = ni;
                    continue;
                } else {
                    key = Key::Index(0);
                    if let Some(top) = stack.last_mut() {
                        top.1 = 1;
                    }
                    continue;
                }
            }
            b'"' => {
                let (close, escaped) = scan_string(raw, i + 1)?;
                nodes.push(Node {
                    parent,
                    next: idx + 1,
                    key,
                    kind: Kind::String { escaped },
                    start: i + 1,
                    end: close,
                });
                i = close + 1;
            }
            b't' | b'f' | b'n' => {
                let (lit, kind): (&[u8], Kind) = match c {
                    b't' => (b"true", Kind::Bool),
                    b'f' => (b"false", Kind::Bool),
                    _ => (b"null", Kind::Null),
                };
                if raw.len() < i + lit.len() {
                    return Err(ParseError::Truncated(raw.len()));
                }
                if &raw[i..i + lit.len()] != lit {
                    return Err(ParseError::Invalid(i));
                }
                nodes.push(Node {
                    parent,
                    next: idx + 1,
                    key,
                    kind,
                    start: i,
                    end: i + lit.len(),
                });
                i += lit.len();
            }
            b'-' | b'0'..=b'9' => {
                let s = i;
                while i < raw.len()
                    && matches!(raw[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                nodes.push(Node {
                    parent,
                    next: idx + 1,
                    key,
                    kind: Kind::Number,
                    start: s,
                    end: i,
                });
            }
            _ => return Err(ParseError::Invalid(i)),
        }
        // After a value (or at an empty container's close): close containers / read separators.
        loop {
            i = skip_ws(raw, i);
            let Some(&(top, next_index)) = stack.last() else {
                let end = skip_ws(raw, i);
                if end != raw.len() {
                    return Err(ParseError::Trailing(end));
                }
                return Ok(Doc { nodes });
            };
            if i >= raw.len() {
                return Err(ParseError::Truncated(i));
            }
            let is_obj = nodes[top].kind == Kind::Object;
            match raw[i] {
                b',' => {
                    i = skip_ws(raw, i + 1);
                    if is_obj {
                        let (k, ni) = read_key(raw, i)?;
                        key = k;
                        i = ni;
                    } else {
                        key = Key::Index(next_index);
                        if let Some(t) = stack.last_mut() {
                            t.1 += 1;
                        }
                    }
                    break;
                }
                b'}' if is_obj => {}
                b']' if !is_obj => {}
                _ => return Err(ParseError::Invalid(i)),
            }
            stack.pop();
            nodes[top].end = i + 1;
            nodes[top].next = nodes.len();
            i += 1;
        }
    }
}

/// Reads `"key" :` at `i`; returns the key and the index of the value.
fn read_key(raw: &[u8], i: usize) -> Result<(Key, usize), ParseError> {
    if i >= raw.len() {
        return Err(ParseError::Truncated(i));
    }
    if raw[i] != b'"' {
        return Err(ParseError::Invalid(i));
    }
    let (close, _) = scan_string(raw, i + 1)?;
    let j = skip_ws(raw, close + 1);
    if j >= raw.len() {
        return Err(ParseError::Truncated(j));
    }
    if raw[j] != b':' {
        return Err(ParseError::Invalid(j));
    }
    Ok((
        Key::Name {
            start: i + 1,
            end: close,
        },
        skip_ws(raw, j + 1),
    ))
}

impl Doc {
    /// Direct children of `node`.
    pub fn children(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes.get(node).map_or(0, |n| n.next);
        let mut j = node + 1;
        std::iter::from_fn(move || {
            if j >= end || j >= self.nodes.len() {
                return None;
            }
            let c = j;
            j = self.nodes[j].next.max(j + 1);
            Some(c)
        })
    }

    /// The member `name` of object `node`.
    pub fn child(&self, raw: &[u8], node: usize, name: &str) -> Option<usize> {
        if self.nodes.get(node)?.kind != Kind::Object {
            return None;
        }
        self.children(node).find(|&c| match self.nodes[c].key {
            Key::Name { start, end } => key_eq(&raw[start..end], name),
            _ => false,
        })
    }

    /// Follows a path of member names and array indexes (`"3"`) from `node`.
    pub fn get(&self, raw: &[u8], node: usize, path: &[&str]) -> Option<usize> {
        let mut cur = node;
        for p in path {
            cur = match self.nodes.get(cur)?.kind {
                Kind::Object => self.child(raw, cur, p)?,
                Kind::Array => {
                    let want: usize = p.parse().ok()?;
                    self.children(cur).nth(want)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// The decoded text of a string node.
    pub fn str<'r>(&self, raw: &'r [u8], node: usize) -> Option<Cow<'r, str>> {
        let n = self.nodes.get(node)?;
        match n.kind {
            Kind::String { .. } => Some(match unescape(&raw[n.start..n.end]) {
                Cow::Borrowed(b) => String::from_utf8_lossy(b),
                Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
            }),
            Kind::Number | Kind::Bool => Some(
                String::from_utf8_lossy(&raw[n.start..n.end])
                    .into_owned()
                    .into(),
            ),
            _ => None,
        }
    }

    /// [`Doc::get`] then [`Doc::str`].
    pub fn get_str<'r>(&self, raw: &'r [u8], node: usize, path: &[&str]) -> Option<Cow<'r, str>> {
        self.str(raw, self.get(raw, node, path)?)
    }

    /// The key or index of `node` as a path segment.
    pub fn segment(&self, raw: &[u8], node: usize) -> Option<String> {
        match self.nodes.get(node)?.key {
            Key::Root => None,
            Key::Index(i) => Some(i.to_string()),
            Key::Name { start, end } => {
                Some(String::from_utf8_lossy(&unescape(&raw[start..end])).into_owned())
            }
        }
    }

    /// Path segments from the root to `node`.
    pub fn path(&self, raw: &[u8], node: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = node;
        while cur < self.nodes.len() {
            if let Some(s) = self.segment(raw, cur) {
                out.push(s);
            }
            cur = self.nodes[cur].parent;
        }
        out.reverse();
        out
    }

    /// The string node whose raw text contains `offset` (or whose text ends there).
    pub fn string_at(&self, offset: usize) -> Option<usize> {
        // Nodes are in pre-order and no node starts inside a string, so the last node starting at
        // or before `offset` is the string, if any.
        let i = self
            .nodes
            .partition_point(|n| n.start <= offset)
            .checked_sub(1)?;
        let n = &self.nodes[i];
        (matches!(n.kind, Kind::String { .. }) && offset <= n.end).then_some(i)
    }
}

/// An RFC 6901 pointer from path segments.
pub fn pointer(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        s.push('/');
        s.push_str(&p.replace('~', "~0").replace('/', "~1"));
    }
    s
}

fn key_eq(raw_key: &[u8], name: &str) -> bool {
    if memchr::memchr(b'\\', raw_key).is_none() {
        raw_key == name.as_bytes()
    } else {
        unescape(raw_key).as_ref() == name.as_bytes()
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let s = std::str::from_utf8(&b[..4]).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Decodes one escape at `raw[i]` (a backslash): the bytes it stands for and its raw length.
fn escape_at(raw: &[u8], i: usize, out: &mut Vec<u8>) -> usize {
    let Some(&c) = raw.get(i + 1) else {
        out.push(b'\\');
        return 1;
    };
    let simple = match c {
        b'"' => Some(b'"'),
        b'\\' => Some(b'\\'),
        b'/' => Some(b'/'),
        b'b' => Some(8),
        b'f' => Some(12),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return 2;
    }
    if c == b'u'
        && let Some(u) = hex4(&raw[i + 2..])
    {
        let (cp, len) = if (0xD800..0xDC00).contains(&u)
            && raw.get(i + 6) == Some(&b'\\')
            && raw.get(i + 7) == Some(&b'u')
            && let Some(lo) = hex4(&raw[(i + 8).min(raw.len())..])
            && (0xDC00..0xE000).contains(&lo)
        {
            (0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), 12)
        } else {
            (u, 6)
        };
        let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        return len;
    }
    // Unknown escape: keep it as written.
    out.push(b'\\');
    1
}

/// The decoded bytes of a string's raw text (borrowed when it has no escapes).
pub fn unescape(raw: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'\\', raw) else {
        return Cow::Borrowed(raw);
    };
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(&raw[..first]);
    let mut i = first;
    while i < raw.len() {
        match memchr::memchr(b'\\', &raw[i..]) {
            None => {
                out.extend_from_slice(&raw[i..]);
                break;
            }
            Some(p) => {
                out.extend_from_slice(&raw[i..i + p]);
                i += p;
                i += escape_at(raw, i, &mut out);
            }
        }
    }
    Cow::Owned(out)
}

/// Decoded bytes plus, for each decoded byte, the raw range of the escape (or byte) it came
/// from: `units[k] = (start, end)`.
pub fn unescape_units(raw: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut out = Vec::with_capacity(raw.len());
    let mut units = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            let before = out.len();
            let len = escape_at(raw, i, &mut out);
            for _ in before..out.len() {
                units.push((i, i + len));
            }
            i += len;
        } else {
            out.push(raw[i]);
            units.push((i, i + 1));
            i += 1;
        }
    }
    (out, units)
}

/// Escapes `text` as the inside of a JSON string (quotes, backslashes, control characters).
pub fn escape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    for &b in text {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..0x20 => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_spans_and_pointers() {
        let raw = br#"{"a": [1, "x\ny", {"b~/c": true}], "d": null, "e": "plain"}"#;
        let doc = parse(raw, MAX_DEPTH).unwrap();
        let s = doc.get(raw, 0, &["a", "1"]).unwrap();
        assert_eq!(&raw[doc.nodes[s].start..doc.nodes[s].end], br"x\ny");
        assert_eq!(doc.str(raw, s).unwrap(), "x\ny");
        assert_eq!(pointer(&doc.path(raw, s)), "/a/1");
        let b = doc.get(raw, 0, &["a", "2", "b~/c"]).unwrap();
        assert_eq!(pointer(&doc.path(raw, b)), "/a/2/b~0~1c");
        assert_eq!(doc.get_str(raw, 0, &["e"]).unwrap(), "plain");
        assert_eq!(doc.children(0).count(), 3);
        let e = doc.get(raw, 0, &["e"]).unwrap();
        assert_eq!(doc.string_at(doc.nodes[e].start + 2), Some(e));
        assert_eq!(doc.string_at(2), None);
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        assert_eq!(
            parse(br#"{"a": "unterminated"#, 8).unwrap_err(),
            ParseError::Truncated(19)
        );
        assert!(matches!(
            parse(b"[[[[[[[[[[1]]]]]]]]]]", 4),
            Err(ParseError::TooDeep(..))
        ));
        assert!(matches!(parse(b"{} x", 4), Err(ParseError::Trailing(3))));
        assert_eq!(parse_capped(b"[1,2,3]", 4, 4).unwrap().nodes.len(), 4);
        assert_eq!(
            parse_capped(b"[1,2,3,4]", 4, 4).unwrap_err(),
            ParseError::TooMany(7, 4)
        );
        assert!(matches!(
            parse(b"{\"a\" 1}", 4),
            Err(ParseError::Invalid(5))
        ));
        for bad in [
            &b""[..],
            b"{",
            b"[1,",
            b"\"\\",
            b"{\"a\":",
            b"tru",
            b"[}",
            b"{\"a\":1,}",
        ] {
            assert!(parse(bad, 8).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(parse(b"  [ ]  ", 8).is_ok());
        assert!(parse(b"{}", 8).is_ok());
    }

    #[test]
    fn unescape_units_map_back_to_raw() {
        let raw = br#"a\n\u00e9\ud83d\ude00\"z"#;
        let (dec, units) = unescape_units(raw);
        assert_eq!(dec, "a\né😀\"z".as_bytes());
        assert_eq!(units.len(), dec.len());
        assert_eq!(units[1], (1, 3));
        assert_eq!(units[2], (3, 9));
        assert_eq!(units[4], (9, 21));
        assert_eq!(*units.last().unwrap(), (23, 24));
        assert_eq!(unescape(raw).as_ref(), dec.as_slice());
        assert_eq!(unescape(&escape(&dec)).as_ref(), dec.as_slice());
    }
}
