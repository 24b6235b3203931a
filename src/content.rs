//! Content classification of blobs: text, UTF-16 text (transcoded to UTF-8) or binary.

/// Which UTF-16 byte order a blob uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// Little endian.
    Le,
    /// Big endian.
    Be,
}

/// What a blob holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Text (UTF-8, ASCII or another 8-bit encoding).
    Text,
    /// UTF-16 text.
    Utf16(Utf16),
    /// Binary data.
    Binary,
}

/// How many leading bytes classification looks at.
pub const SNIFF_LEN: usize = 8192;

/// Classifies a blob from (at most) its first [`SNIFF_LEN`] bytes.
pub fn classify(data: &[u8]) -> Content {
    let head = &data[..data.len().min(SNIFF_LEN)];
    if head.starts_with(&[0xFF, 0xFE]) {
        return Content::Utf16(Utf16::Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Content::Utf16(Utf16::Be);
    }
    if memchr::memchr(0, head).is_none() {
        return Content::Text;
    }
    // BOM-less UTF-16: ASCII text leaves every other byte zero.
    if head.len() >= 4 {
        let pairs = head.len() / 2;
        let odd_zero = head
            .chunks_exact(2)
            .filter(|c| c[1] == 0 && c[0] != 0)
            .count();
        let even_zero = head
            .chunks_exact(2)
            .filter(|c| c[0] == 0 && c[1] != 0)
            .count();
        if odd_zero * 10 >= pairs * 9 {
            return Content::Utf16(Utf16::Le);
        }
        if even_zero * 10 >= pairs * 9 {
            return Content::Utf16(Utf16::Be);
        }
    }
    Content::Binary
}

/// Transcodes UTF-16 to UTF-8 (BOM removed, invalid units replaced).
pub fn transcode_utf16(data: &[u8], order: Utf16) -> Vec<u8> {
    let enc = match order {
        Utf16::Le => encoding_rs::UTF_16LE,
        Utf16::Be => encoding_rs::UTF_16BE,
    };
    let (text, _, _) = enc.decode(data);
    text.into_owned().into_bytes()
}

/// Keeps runs of at least 6 printable ASCII bytes and turns everything else into newlines, so
/// byte offsets still match the original.
pub fn printable_strings(data: &[u8]) -> Vec<u8> {
    let printable = |b: u8| (0x20..0x7f).contains(&b) || b == b'\t';
    let mut out = vec![b'\n'; data.len()];
    let mut i = 0;
    while i < data.len() {
        if !printable(data[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < data.len() && printable(data[i]) {
            i += 1;
        }
        if i - s >= 6 {
            out[s..i].copy_from_slice(&data[s..i]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_text_binary_and_utf16() {
        assert_eq!(classify(b"hello\nworld"), Content::Text);
        assert_eq!(classify(b""), Content::Text);
        assert_eq!(
            classify(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00"),
            Content::Binary
        );
        let le: Vec<u8> = "key=value"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(classify(&le), Content::Utf16(Utf16::Le));
        assert_eq!(transcode_utf16(&le, Utf16::Le), b"key=value");
        let be: Vec<u8> = "key=value"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(classify(&be), Content::Utf16(Utf16::Be));
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&le);
        assert_eq!(transcode_utf16(&bom, Utf16::Le), b"key=value");
    }

    #[test]
    fn printable_strings_keep_offsets() {
        let d = b"\x00\x01secret=abcdef\x00xy\x00";
        let p = printable_strings(d);
        assert_eq!(p.len(), d.len());
        assert_eq!(&p[2..15], b"secret=abcdef");
        assert_eq!(&p[16..18], b"\n\n");
    }
}
