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
                let raw = &data[start + 1..end];
                if has_escape {
                    let s = unescape_lenient(raw);
                    if s != raw {
                        out.push(Segment {
                            start: start + 1,
                            end,
                            kind: "json-string",
                            decoded: s,
                        });
                    }
                }
                i = end + 1;
            }
            None => i = j.max(start + 1),
        }
    }
    out
}

/// The four hex digits at `at` as a number.
fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let h = raw.get(at..at + 4)?;
    if !h.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
}

/// Undoes JSON string escapes without failing: invalid UTF-8 passes through as it is, a lone
/// surrogate becomes U+FFFD and an unknown escape keeps its backslash. Text written by hand or
/// cut from a larger document still yields the secrets escaped inside it.
fn unescape_lenient(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 >= raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        let simple = match e {
            b'"' | b'\\' | b'/' => Some(e),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let Some(u) = (e == b'u').then(|| hex4(raw, i)).flatten() else {
            out.push(b'\\');
            out.push(e);
            continue;
        };
        i += 4;
        let c = if (0xD800..0xDC00).contains(&u) {
            // A high surrogate needs the low one right after it.
            match (raw.get(i..i + 2), hex4(raw, i + 2)) {
                (Some(br"\u"), Some(lo)) if (0xDC00..0xE000).contains(&lo) => {
                    i += 6;
                    char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
                }
                _ => None,
            }
        } else {
            char::from_u32(u)
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.unwrap_or('\u{FFFD}').encode_utf8(&mut tmp).as_bytes());
    }
    out
}

/// Bytes of standard and URL-safe base64 bodies.
const B64: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
        i += 1;
    }
    t
};

fn is_b64_byte(b: u8) -> bool {
    B64[b as usize]
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
    let mut from = 0usize;
    while let Some(start) = next_long_run(data, from) {
        let mut body_end = start + MIN_B64;
        while body_end < data.len() && is_b64_byte(data[body_end]) {
            body_end += 1;
        }
        let mut end = body_end;
        while end < data.len() && end - body_end < 2 && data[end] == b'=' {
            end += 1;
        }
        if let Some(s) = base64_segment(data, start, body_end, end) {
            out.push(s);
        }
        from = end;
    }
    out
}

/// Start of the first run of at least [`MIN_B64`] base64 bytes in `data[from..]` (a run that
/// began before `from` counts from `from`).
///
/// Ordinary text is classified 64 bytes at a time into a bit mask; a run of 24 set bits is
/// found with a few shifts, so text without long runs costs a fraction of a byte-by-byte walk.
fn next_long_run(data: &[u8], from: usize) -> Option<usize> {
    // Length of the run of base64 bytes that ends just before `pos`.
    let mut run = 0usize;
    let mut pos = from;
    while pos + 64 <= data.len() {
        let mut block = [0u8; 64];
        block.copy_from_slice(&data[pos..pos + 64]);
        let m = b64_mask(&block);
        if run + m.trailing_ones() as usize >= MIN_B64 {
            return Some(pos - run);
        }
        let starts = long_run_starts(m);
        if starts != 0 {
            return Some(pos + starts.trailing_zeros() as usize);
        }
        run = if m == u64::MAX {
            run + 64
        } else {
            m.leading_ones() as usize
        };
        pos += 64;
    }
    // The tail, byte by byte.
    for (i, &b) in data[pos..].iter().enumerate() {
        if is_b64_byte(b) {
            run += 1;
            if run >= MIN_B64 {
                return Some(pos + i + 1 - run);
            }
        } else {
            run = 0;
        }
    }
    None
}

/// Bit `i` set when bits `i..i + MIN_B64` of `m` are all set.
fn long_run_starts(m: u64) -> u64 {
    let x2 = m & (m >> 1);
    let x4 = x2 & (x2 >> 2);
    let x8 = x4 & (x4 >> 4);
    let x16 = x8 & (x8 >> 8);
    x16 & (x8 >> 16)
}

/// Bit `i` set when `block[i]` is a base64 byte.
#[cfg(target_arch = "x86_64")]
fn b64_mask(block: &[u8; 64]) -> u64 {
    // SAFETY: SSE2 is part of the x86_64 baseline, so every CPU this code runs on has it.
    unsafe { b64_mask_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn b64_mask_sse2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    #[target_feature(enable = "sse2")]
    fn in_range(v: __m128i, lo: u8, len: u8) -> __m128i {
        let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
        _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((len - 1) as i8)), d)
    }
    #[target_feature(enable = "sse2")]
    fn eq(v: __m128i, b: u8) -> __m128i {
        _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8))
    }
    let mut m = 0u64;
    for (k, lane) in block.chunks_exact(16).enumerate() {
        let half = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&lane[i..i + 8]);
            i64::from_le_bytes(b)
        };
        let v = _mm_set_epi64x(half(8), half(0));
        let letters = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26);
        let digits = in_range(v, b'0', 10);
        let symbols = _mm_or_si128(
            _mm_or_si128(eq(v, b'+'), eq(v, b'/')),
            _mm_or_si128(eq(v, b'-'), eq(v, b'_')),
        );
        let all = _mm_or_si128(_mm_or_si128(letters, digits), symbols);
        m |= u64::from(_mm_movemask_epi8(all) as u16) << (16 * k);
    }
    m
}

/// Bit `i` set when `block[i]` is a base64 byte.
#[cfg(not(target_arch = "x86_64"))]
fn b64_mask(block: &[u8; 64]) -> u64 {
    block
        .iter()
        .enumerate()
        .fold(0, |m, (i, &b)| m | (u64::from(is_b64_byte(b)) << i))
}

/// The segment for the base64 body `data[start..body_end]` (padding up to `end`), if it is
/// long enough, plausibly base64 and decodes to mostly printable text.
fn base64_segment(data: &[u8], start: usize, body_end: usize, end: usize) -> Option<Segment> {
    let body = &data[start..body_end];
    if body.len() < MIN_B64 || end - start > MAX_SEGMENT || body.len() % 4 == 1 {
        return None;
    }
    // Pure hex and pure-letter runs are identifiers or hashes, not base64 text.
    if body.iter().all(u8::is_ascii_hexdigit) || body.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let url = body.iter().any(|&b| b == b'-' || b == b'_');
    let std = body.iter().any(|&b| b == b'+' || b == b'/');
    if url && std {
        return None;
    }
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let decoded = engine.decode(body).ok()?;
    mostly_printable(&decoded).then_some(Segment {
        start,
        end,
        kind: "base64",
        decoded,
    })
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
    fn lenient_unescape_survives_bad_bytes_and_lone_surrogates() {
        assert_eq!(unescape_lenient(br"a\u0041\n\/"), b"aA\n/");
        assert_eq!(unescape_lenient(br"\ud83d\ude00"), "\u{1F600}".as_bytes());
        assert_eq!(
            unescape_lenient(br"\ud800 x \udc00"),
            "\u{FFFD} x \u{FFFD}".as_bytes()
        );
        assert_eq!(
            unescape_lenient(b"\xff\\u0041\\q\\u00zz"),
            b"\xffA\\q\\u00zz"
        );
        assert_eq!(unescape_lenient(b"end\\"), b"end\\");
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

    /// The byte-by-byte walk the block search must agree with.
    fn base64_runs_reference(data: &[u8]) -> Vec<Segment> {
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
            out.extend(base64_segment(data, start, i, end));
            i = end.max(i);
        }
        out
    }

    #[test]
    fn block_search_finds_exactly_the_runs_a_full_walk_finds() {
        use crate::rules::template::{Rng, expand};
        let mut rng = Rng::from_seed("b64-probe");
        for round in 0..300 {
            let mut d = String::new();
            for _ in 0..(rng.next_u64() % 40) {
                let piece = match rng.next_u64() % 8 {
                    6 => expand("«alnum:70»", &mut rng).unwrap(),
                    7 => "\u{e9}@[`{:".into(),
                    0 => base64::engine::general_purpose::STANDARD
                        .encode(expand("user:«alnum:20» pass=«alnum:12»", &mut rng).unwrap()),
                    1 => base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(expand("«alnum:30»", &mut rng).unwrap()),
                    2 => expand("«alnum:23»", &mut rng).unwrap(),
                    3 => "==".into(),
                    4 => expand("«alnum:3»", &mut rng).unwrap(),
                    _ => " = \"".into(),
                };
                d.push_str(&piece);
                if rng.next_u64().is_multiple_of(3) {
                    d.push(' ');
                }
            }
            let d = d.as_bytes();
            assert_eq!(base64_runs(d), base64_runs_reference(d), "round {round}");
        }
    }

    #[test]
    fn block_mask_classifies_every_byte() {
        for b in 0..=255u8 {
            for at in [0usize, 15, 16, 40, 63] {
                let mut block = [b' '; 64];
                block[at] = b;
                let want = if is_b64_byte(b) { 1u64 << at } else { 0 };
                assert_eq!(b64_mask(&block), want, "byte {b:#04x} at {at}");
            }
        }
        assert_eq!(long_run_starts(u64::MAX >> 40), 1);
        assert_eq!(long_run_starts(u64::MAX >> 41), 0);
        assert_eq!(long_run_starts((u64::MAX >> 40) << 40), 1 << 40);
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
