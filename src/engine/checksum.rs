//! Offline token checksums: a token whose checksum is wrong is not a real credential.
//!
//! Each algorithm can verify a token and generate a fake one (valid or deliberately invalid)
//! for rule examples and tests.

use sha2::{Digest, Sha256};

use crate::rules::template::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// Names of every implemented algorithm.
pub const ALGORITHMS: &[&str] = &[
    "github_crc32",
    "vercel_crc32",
    "gitlab_routable",
    "github_fine_grained",
];

/// Whether `name` is an implemented algorithm.
pub fn is_known(name: &str) -> bool {
    ALGORITHMS.contains(&name)
}

fn encode_base(mut n: u64, alphabet: &[u8], width: usize) -> String {
    let base = alphabet.len() as u64;
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(alphabet[(n % base) as usize]);
        n /= base;
    }
    while digits.len() < width {
        digits.push(alphabet[0]);
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

fn crc_b62(data: &[u8]) -> String {
    encode_base(u64::from(crc32fast::hash(data)), BASE62, 6)
}

fn base32_prefix8(data: &[u8]) -> String {
    // RFC 4648 base32 of the first 5 bytes gives exactly 8 characters.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut v: u64 = 0;
    for &b in &data[..5] {
        v = (v << 8) | u64::from(b);
    }
    (0..8)
        .rev()
        .map(|i| A[((v >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// The part of a `prefix_body` token after its prefix (up to and including the first `_`).
fn body_after_underscore(token: &str) -> Option<&str> {
    token.split_once('_').map(|(_, b)| b)
}

/// Verifies `token` with `algo`. `None` when the algorithm is unknown.
pub fn verify(algo: &str, token: &str) -> Option<bool> {
    Some(match algo {
        "github_crc32" | "vercel_crc32" => match body_after_underscore(token) {
            Some(body) if body.len() > 6 && body.is_ascii() => {
                let (random, sum) = body.split_at(body.len() - 6);
                crc_b62(random.as_bytes()) == sum
            }
            _ => false,
        },
        "gitlab_routable" => {
            if token.len() <= 7 || !token.is_ascii() {
                return Some(false);
            }
            let (head, sum) = token.split_at(token.len() - 7);
            encode_base(u64::from(crc32fast::hash(head.as_bytes())), BASE36, 7) == sum
        }
        "github_fine_grained" => {
            // github_pat_ + 82 chars; chars 66..74 of the body are base32(sha256(prefix+body[..66])).
            let Some(body) = token.strip_prefix("github_pat_") else {
                return Some(false);
            };
            if body.len() != 82 || !body.is_ascii() {
                return Some(false);
            }
            let head = &token[..token.len() - 16];
            let sum = &token[token.len() - 16..token.len() - 8];
            base32_prefix8(&Sha256::digest(head.as_bytes())) == sum
        }
        _ => return None,
    })
}

/// Generates a fake token for `algo` starting with `prefix`; `valid` chooses a correct or a
/// deliberately wrong checksum. `None` when the algorithm is unknown.
pub fn generate(algo: &str, prefix: &str, valid: bool, rng: &mut Rng) -> Option<String> {
    let tok = match algo {
        "github_crc32" | "vercel_crc32" => {
            let n = if algo == "vercel_crc32" { 50 } else { 30 };
            let random = rng.string(ALNUM, n);
            format!("{prefix}{random}{}", crc_b62(random.as_bytes()))
        }
        "gitlab_routable" => {
            let payload = rng.string(B64URL, 27);
            let mid = rng.string(BASE36, 2);
            let head = format!("{prefix}{payload}.01.{mid}");
            let sum = encode_base(u64::from(crc32fast::hash(head.as_bytes())), BASE36, 7);
            format!("{head}{sum}")
        }
        "github_fine_grained" => {
            let head = format!(
                "{prefix}{}{}_{}",
                rng.string(b"0123456789", 1),
                rng.string(ALNUM, 21),
                rng.string(ALNUM, 43)
            );
            let sum = base32_prefix8(&Sha256::digest(head.as_bytes()));
            format!("{head}{sum}{}", rng.string(ALNUM, 8))
        }
        _ => return None,
    };
    if valid {
        return Some(tok);
    }
    Some(corrupt_checksum(algo, tok))
}

/// Changes one checksum character so the token no longer verifies.
fn corrupt_checksum(algo: &str, tok: String) -> String {
    let mut bytes = tok.into_bytes();
    let idx = match algo {
        "github_fine_grained" => bytes.len() - 16,
        _ => bytes.len() - 1,
    };
    let alphabet = if algo == "gitlab_routable" {
        BASE36
    } else {
        BASE62
    };
    let pos = alphabet.iter().position(|&c| c == bytes[idx]).unwrap_or(0);
    bytes[idx] = alphabet[(pos + 1) % alphabet.len()];
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_verify_and_corrupted_ones_do_not() {
        for algo in ALGORITHMS {
            let prefix = match *algo {
                "github_crc32" => "ghp_",
                "vercel_crc32" => "vcp_",
                "gitlab_routable" => "glpat-",
                _ => "github_pat_",
            };
            for i in 0..50 {
                let mut rng = Rng::from_seed(&format!("{algo}{i}"));
                let good = generate(algo, prefix, true, &mut rng).unwrap();
                assert_eq!(verify(algo, &good), Some(true), "{algo}");
                let bad = generate(algo, prefix, false, &mut rng).unwrap();
                assert_eq!(verify(algo, &bad), Some(false), "{algo}");
                assert_eq!(good.len(), bad.len());
            }
        }
        assert_eq!(verify("nope", "x"), None);
    }

    #[test]
    fn known_crc_vector() {
        // CRC-32 of "123456789" is 0xCBF43926 (the standard check value).
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(encode_base(0xCBF4_3926, BASE62, 6), "3jZRME");
        assert_eq!(verify("github_crc32", "ghp_1234567893jZRME"), Some(true));
        assert_eq!(verify("github_crc32", "ghp_1234567893jZRMF"), Some(false));
        assert_eq!(verify("github_crc32", "no-underscore"), Some(false));
        assert_eq!(verify("gitlab_routable", "short"), Some(false));
    }
}
