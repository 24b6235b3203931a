//! Decoders that reveal secrets hidden by encoding: JSON string escapes, base64 and
//! percent-encoding. Each finds encoded segments in a buffer and returns their decoded bytes
//! with the segment's span, so findings map back to the encoded text in the original blob.

use base64::Engine as _;

/// One encoded segment and what it decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Byte offset of the encoded text in the buffer.
    pub start: usize,
    /// Byte offset just past the encoded text.
    pub end: usize,
    /// Decoder name, recorded in the finding's decoding chain.
    pub kind: &'static str,
    /// The decoded bytes.
    pub decoded: Vec<u8>,
}

/// Shortest base64 run worth decoding.
const MIN_B64: usize = 24;
/// Longest single encoded segment decoded.
const MAX_SEGMENT: usize = 1 << 20;

/// Every decodable segment in `data`, decoding at most `budget` bytes in total.
pub fn segments(data: &[u8], budget: usize) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut used = 0usize;
    let mut push = |s: Segment, out: &mut Vec<Segment>| {
        if used + s.decoded.len() <= budget {
            used += s.decoded.len();
            out.push(s);
        }
    };
    if memchr::memchr(b'\\', data).is_some() {
        for s in json_strings(data) {
            push(s, &mut out);
        }
    }
    for s in base64_runs(data) {
        push(s, &mut out);
    }
    if memchr::memchr(b'%', data).is_some() {
        for s in percent_runs(data) {
            push(s, &mut out);
        }
    }
    out
}

/// Double-quoted strings on one line that contain backslash escapes, unescaped as JSON.
fn json_strings(data: &[u8]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let Some(q) = memchr::memchr(b'"', &data[i..]) else {
            break;
        };
        let start = i + q;
        let mut j = start + 1;
        let mut escaped = false;
        let mut has_escape = false;
        let mut closed = None;
        while j < data.len() && j - start < MAX_SEGMENT {
            match data[j] {
                b'\n' => break,
                b'\\' if !escaped => {
                    escaped = true;
                    has_escape = true;
                }
                b'"' if !escaped => {
                    closed = Some(j);
                    break;
                }
                _ => escaped = false,
            }
            j += 1;
        }
        match closed {
            Some(end) => {
                if has_escape
                    && let Ok(s) = serde_json::from_slice::<String>(&data[start..=end])
                    && s.len() != end - start - 1
                {
                    out.push(Segment {
                        start: start + 1,
                        end,
                        kind: "json-string",
                        decoded: s.into_bytes(),
                    });
                }
                i = end + 1;
            }
            None => i = j.max(start + 1),
        }
    }
    out
}

fn is_b64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn mostly_printable(d: &[u8]) -> bool {
    if d.len() < 12 {
        return false;
    }
    let ok = d
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    ok * 100 >= d.len() * 95
}

/// Runs of base64 (standard or URL-safe) that decode to mostly printable text.
fn base64_runs(data: &[u8]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if !is_b64_byte(data[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < data.len() && is_b64_byte(data[i]) {
            i += 1;
        }
        let mut end = i;
        while end < data.len() && end - i < 2 && data[end] == b'=' {
            end += 1;
        }
        i = end.max(i);
        let run = &data[start..end];
        let body_len = run.iter().take_while(|&&b| b != b'=').count();
        if body_len < MIN_B64 || run.len() > MAX_SEGMENT || body_len % 4 == 1 {
            continue;
        }
        // Pure hex and pure-letter runs are identifiers or hashes, not base64 text.
        let body = &run[..body_len];
        if body.iter().all(u8::is_ascii_hexdigit) || body.iter().all(u8::is_ascii_alphabetic) {
            continue;
        }
        let url = body.iter().any(|&b| b == b'-' || b == b'_');
        let std = body.iter().any(|&b| b == b'+' || b == b'/');
        if url && std {
            continue;
        }
        let engine = if url {
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
        } else {
            &base64::engine::general_purpose::STANDARD_NO_PAD
        };
        if let Ok(decoded) = engine.decode(body)
            && mostly_printable(&decoded)
        {
            out.push(Segment {
                start,
                end,
                kind: "base64",
                decoded,
            });
        }
    }
    out
}

fn is_url_byte(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'(' | b')')
}

/// Runs of URL-ish text containing percent escapes, decoded.
fn percent_runs(data: &[u8]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'%', &data[i..]) {
        let pos = i + p;
        if pos + 2 >= data.len()
            || !data[pos + 1].is_ascii_hexdigit()
            || !data[pos + 2].is_ascii_hexdigit()
        {
            i = pos + 1;
            continue;
        }
        let mut start = pos;
        while start > 0 && is_url_byte(data[start - 1]) && pos - start < MAX_SEGMENT {
            start -= 1;
        }
        let mut end = pos;
        while end < data.len() && is_url_byte(data[end]) && end - pos < MAX_SEGMENT {
            end += 1;
        }
        let decoded: Vec<u8> = percent_encoding::percent_decode(&data[start..end]).collect();
        if decoded.len() < end - start && mostly_printable(&decoded) {
            out.push(Segment {
                start,
                end,
                kind: "percent",
                decoded,
            });
        }
        i = end.max(pos + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_are_undone() {
        let d = br#"{"k": "line1\nkey=abc\u0026def", "plain": "x"}"#;
        let s = segments(d, 1 << 20);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, "json-string");
        assert_eq!(s[0].decoded, b"line1\nkey=abc&def");
        assert_eq!(&d[s[0].start..s[0].end], br"line1\nkey=abc\u0026def");
    }

    #[test]
    fn malformed_json_strings_are_skipped() {
        for d in [
            &br#""\ud800 lone""#[..],
            br#""\x41""#,
            br#""unterminated \n"#,
            b"\"\\",
        ] {
            let _ = segments(d, 1 << 20);
        }
        assert!(json_strings(br#""\q""#).is_empty());
    }

    #[test]
    fn base64_text_is_decoded_and_noise_is_not() {
        let enc = base64::engine::general_purpose::STANDARD.encode("user:supersecretpassword1");
        let d = format!("auth = \"{enc}\"");
        let s = segments(d.as_bytes(), 1 << 20);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].decoded, b"user:supersecretpassword1");
        assert!(segments(b"deadbeefdeadbeefdeadbeefdeadbeef", 1 << 20).is_empty());
        assert!(segments(b"someVeryLongIdentifierNameHere", 1 << 20).is_empty());
    }

    #[test]
    fn percent_encoding_is_decoded() {
        let s = segments(b"url=https://u:p%40ss%21word@h/x ok", 1 << 20);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].decoded, b"url=https://u:p@ss!word@h/x");
    }

    #[test]
    fn budget_caps_decoded_bytes() {
        let enc = base64::engine::general_purpose::STANDARD.encode("user:supersecretpassword1");
        assert!(segments(enc.as_bytes(), 4).is_empty());
    }
}
