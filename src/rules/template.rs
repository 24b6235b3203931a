//! Expands rule example templates (`«alnum:30»`, `«token:github_crc32:ghp_»`, …) into concrete,
//! deterministic, fake token-shaped text, so the repository itself holds no token-shaped strings.

use anyhow::{Result, anyhow, bail};
use base64::Engine as _;

use crate::engine::checksum;

/// A small deterministic generator (SplitMix64); no cryptographic use.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from any text (e.g. a rule id and example index).
    pub fn from_seed(seed: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next_u64() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

/// Alphabets by template name.
pub fn alphabet(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "alnum" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "lower" => b"abcdefghijklmnopqrstuvwxyz0123456789",
        "upper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "alpha" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "hex" => b"0123456789abcdef",
        "HEX" => b"0123456789ABCDEF",
        "digit" => b"0123456789",
        "b64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "b64url" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        _ => return None,
    })
}

/// Expands every `«…»` in `text`, drawing randomness from `rng`.
pub fn expand(text: &str, rng: &mut Rng) -> Result<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('«') {
        out.push_str(&rest[..start]);
        let after = &rest[start + '«'.len_utf8()..];
        let end = matching_close(after).ok_or_else(|| anyhow!("unclosed « in example"))?;
        out.push_str(&expand_one(&after[..end], rng)?);
        rest = &after[end + '»'.len_utf8()..];
    }
    out.push_str(rest);
    Ok(out)
}

fn matching_close(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '«' => depth += 1,
            '»' if depth == 0 => return Some(i),
            '»' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn expand_one(spec: &str, rng: &mut Rng) -> Result<String> {
    let (kind, arg) = spec
        .split_once(':')
        .ok_or_else(|| anyhow!("bad template «{spec}»"))?;
    match kind {
        "token" | "badtoken" => {
            let (algo, prefix) = arg.split_once(':').unwrap_or((arg, ""));
            let prefix = expand(prefix, rng)?;
            let tok = checksum::generate(algo, &prefix, kind == "token", rng)
                .ok_or_else(|| anyhow!("unknown checksum algorithm {algo:?}"))?;
            Ok(tok)
        }
        "base64" => {
            let inner = expand(arg, rng)?;
            Ok(base64::engine::general_purpose::STANDARD.encode(inner.as_bytes()))
        }
        _ => {
            let Some(alpha) = alphabet(kind) else {
                bail!("unknown template kind {kind:?}");
            };
            let n: usize = arg.parse().map_err(|_| anyhow!("bad length in «{spec}»"))?;
            if n > 100_000 {
                bail!("template length too large in «{spec}»");
            }
            Ok(rng.string(alpha, n))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_deterministically() {
        let a = expand("x=«hex:8» y=«upper:4»", &mut Rng::from_seed("s")).unwrap();
        let b = expand("x=«hex:8» y=«upper:4»", &mut Rng::from_seed("s")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), "x=".len() + 8 + " y=".len() + 4);
        assert!(a[2..10].bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn nested_base64_and_errors() {
        let s = expand("«base64:user:«alnum:5»»", &mut Rng::from_seed("t")).unwrap();
        let d = base64::engine::general_purpose::STANDARD.decode(s).unwrap();
        assert!(d.starts_with(b"user:"));
        assert!(expand("«alnum:5", &mut Rng::from_seed("t")).is_err());
        assert!(expand("«nope:5»", &mut Rng::from_seed("t")).is_err());
        assert!(expand("«alnum:x»", &mut Rng::from_seed("t")).is_err());
    }
}
