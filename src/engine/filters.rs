//! Post-filters applied to every candidate secret: placeholders, documented example values,
//! stop-words and entropy.

/// Shannon entropy of `s` in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Substrings (lowercase) that mark a value as a placeholder or a documented example.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "****",
    "...",
    "…",
    "${",
    "{{",
    "}}",
    "%(",
    "<your",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "placeholder",
    "changeme",
    "change_me",
    "redacted",
    "dummy",
    "insert_",
    "replace_me",
    "replaceme",
    "fake_",
    "_fake",
    "notreal",
    "not_a_real",
    "abcdefghij",
    "0123456789abcdef",
    "1234567890",
    "qwerty",
];

/// Whole values (lowercase) that are never secrets.
const STOP_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "undefined",
    "null",
    "none",
    "true",
    "false",
    "string",
    "required",
    "optional",
    "test",
    "testing",
    "admin",
    "root",
    "default",
    "empty",
    "value",
    "masked",
    "hidden",
];

/// Why a candidate was dropped, if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// A placeholder or documented example value.
    Placeholder,
    /// A stop-word.
    StopWord,
    /// Entropy below the rule's minimum.
    LowEntropy,
}

/// Checks a secret against the global placeholder and stop-word lists.
pub fn placeholder(secret: &[u8]) -> Option<Rejection> {
    let lower = String::from_utf8_lossy(secret).to_ascii_lowercase();
    if STOP_WORDS.contains(&lower.as_str()) {
        return Some(Rejection::StopWord);
    }
    if PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m)) {
        return Some(Rejection::Placeholder);
    }
    // `<KEY>`-style and angle-bracketed values.
    if lower.starts_with('<') && lower.ends_with('>') {
        return Some(Rejection::Placeholder);
    }
    // A value that is one repeated character after its prefix (`sk_live_0000000000`).
    let tail: Vec<u8> = secret
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric())
        .copied()
        .collect();
    if tail.len() >= 8 && tail.iter().all(|&b| b == tail[0]) {
        return Some(Rejection::Placeholder);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "<YOUR_KEY>",
            "${API_KEY}",
            "{{ secrets.TOKEN }}",
            "sk-...abcd",
            "sk_live_00000000000000000000",
            "password",
            "changeme",
        ] {
            assert!(placeholder(p.as_bytes()).is_some(), "{p}");
        }
        assert!(placeholder(b"q8Vt2LmZr4Xw9KpB").is_none());
    }
}
