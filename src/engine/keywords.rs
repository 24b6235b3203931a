//! The keyword search: every occurrence (overlapping) of every rule keyword in a buffer, ASCII
//! case-insensitively, with one Aho-Corasick DFA for the whole catalogue.
//!
//! A DFA search is one dependent table lookup per byte, so it runs at the latency of the table
//! reads rather than at the speed the CPU could issue them. Large buffers are therefore cut
//! into [`LANES`] consecutive segments that one loop walks side by side: the lanes' lookups are
//! independent, so the CPU overlaps them (about twice the throughput of one lane here). Each
//! lane after the first starts a keyword's length early, so it is in the same state as a single
//! pass would be when its own segment begins, and reports only matches ending inside its
//! segment: the hits are exactly a single pass's, in the same order.
//!
//! Case-insensitivity comes from lowering each input byte through a table before the lookup
//! (the automaton holds lowercase keywords only): half the automaton of the crate's
//! case-insensitive mode, and off the dependency chain between lookups.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::{Builder, DFA};
use aho_corasick::{Anchored, MatchKind, StartKind};
use anyhow::{Context, Result};

/// Segments walked side by side (2 to 3 gave the best throughput on the benchmark corpora).
const LANES: usize = 3;

/// Buffers shorter than this are searched in one lane (the set-up would not pay off).
const MIN_LANE_LEN: usize = 4096;

/// One keyword occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index of the keyword in the list the automaton was built from.
    pub pattern: usize,
    /// Start of the occurrence.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
}

/// The compiled keyword set.
#[derive(Debug, Clone)]
pub struct Keywords {
    dfa: DFA,
    start: StateID,
    lower: [u8; 256],
    max_len: usize,
}

impl Keywords {
    /// Builds the automaton over `patterns`, which match ASCII case-insensitively (they are
    /// lowered here).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self> {
        let lowered: Vec<String> = patterns
            .iter()
            .map(|p| p.as_ref().to_ascii_lowercase())
            .collect();
        let dfa = Builder::new()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .prefilter(false)
            .build(&lowered)
            .context("building the keyword automaton")?;
        let start = dfa
            .start_state(Anchored::No)
            .context("keyword automaton without an unanchored start")?;
        let lower = std::array::from_fn(|b| (b as u8).to_ascii_lowercase());
        let max_len = dfa.max_pattern_len();
        Ok(Keywords {
            dfa,
            start,
            lower,
            max_len,
        })
    }

    /// Every occurrence of every keyword in `data`, ordered by end offset (several keywords
    /// ending at one offset come in the automaton's order), exactly as a single overlapping
    /// pass reports them.
    pub fn find_all(&self, data: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        if data.len() < MIN_LANE_LEN.max(LANES * 4 * self.max_len) {
            self.walk(data, &mut out);
            return out;
        }
        let seg = data.len() / LANES;
        // Lane l reports matches ending in [l * seg, its end); it starts reading `warm`
        // bytes before that so its state there equals a single pass's.
        let warm = self.max_len.saturating_sub(1);
        let begin: [usize; LANES] = std::array::from_fn(|l| (l * seg).saturating_sub(warm));
        let report: [usize; LANES] = std::array::from_fn(|l| l * seg);
        let end: [usize; LANES] = std::array::from_fn(|l| {
            if l + 1 == LANES {
                data.len()
            } else {
                (l + 1) * seg
            }
        });
        let mut hits: [Vec<Hit>; LANES] = std::array::from_fn(|_| Vec::new());
        // Every lane has at least `seg` bytes to read; walk that many side by side, noting
        // match states only (the hot loop stays a chain of table reads).
        let lanes: [&[u8]; LANES] = std::array::from_fn(|l| &data[begin[l]..begin[l] + seg]);
        let mut events: Vec<(usize, usize, StateID)> = Vec::new();
        let sid = step_lanes(&self.dfa, &self.lower, self.start, &lanes, &mut events);
        for (l, j, s) in events {
            let at = begin[l] + j;
            if at >= report[l] {
                self.push_matches(s, at + 1, &mut hits[l]);
            }
        }
        for l in 0..LANES {
            let from = begin[l] + seg;
            let mut s = sid[l];
            for (j, &b) in data[from..end[l]].iter().enumerate() {
                s = self.dfa.next_state(Anchored::No, s, self.lower[b as usize]);
                if self.dfa.is_special(s) && self.dfa.is_match(s) {
                    let at = from + j;
                    if at >= report[l] {
                        self.push_matches(s, at + 1, &mut hits[l]);
                    }
                }
            }
        }
        out.reserve(hits.iter().map(Vec::len).sum());
        for h in hits {
            out.extend(h);
        }
        out
    }

    /// One lane over all of `data`, reporting every match.
    fn walk(&self, data: &[u8], out: &mut Vec<Hit>) {
        let mut s = self.start;
        for (j, &b) in data.iter().enumerate() {
            s = self.dfa.next_state(Anchored::No, s, self.lower[b as usize]);
            if self.dfa.is_special(s) && self.dfa.is_match(s) {
                self.push_matches(s, j + 1, out);
            }
        }
    }

    fn push_matches(&self, s: StateID, end: usize, out: &mut Vec<Hit>) {
        for i in 0..self.dfa.match_len(s) {
            let p = self.dfa.match_pattern(s, i);
            out.push(Hit {
                pattern: p.as_usize(),
                start: end - self.dfa.pattern_len(p),
                end,
            });
        }
    }

    /// Bytes the automaton occupies.
    pub fn memory_usage(&self) -> usize {
        self.dfa.memory_usage()
    }
}

/// Steps every lane through its bytes (all of equal length) side by side; notes each match
/// state reached as (lane, offset in the lane, state). Returns the lanes' final states.
#[inline(never)]
fn step_lanes<const K: usize>(
    dfa: &DFA,
    lower: &[u8; 256],
    start: StateID,
    lanes: &[&[u8]; K],
    events: &mut Vec<(usize, usize, StateID)>,
) -> [StateID; K] {
    let mut sid = [start; K];
    let len = lanes.iter().map(|l| l.len()).min().unwrap_or(0);
    for j in 0..len {
        for l in 0..K {
            let s = dfa.next_state(Anchored::No, sid[l], lower[lanes[l][j] as usize]);
            sid[l] = s;
            if dfa.is_special(s) && dfa.is_match(s) {
                events.push((l, j, s));
            }
        }
    }
    sid
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasickBuilder;

    /// The reference: the crate's own overlapping, case-insensitive search.
    fn reference(patterns: &[&str], data: &[u8]) -> Vec<Hit> {
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .expect("reference automaton");
        ac.find_overlapping_iter(data)
            .map(|m| Hit {
                pattern: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
            .collect()
    }

    fn text(len: usize, seed: u64) -> Vec<u8> {
        // A small alphabet so keywords occur often, including across lane boundaries.
        let alphabet = b"abcKEYkeytoken_Secret\n \"=:";
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                alphabet[(x >> 33) as usize % alphabet.len()]
            })
            .collect()
    }

    #[test]
    fn lanes_report_exactly_what_one_pass_does() {
        let patterns = [
            "key", "token", "secret", "ey", "to", "kEyToKeN", "a\nb", "ccc",
        ];
        let kw = Keywords::new(&patterns).expect("keywords");
        for (len, seed) in [
            (0, 1),
            (5, 2),
            (4095, 3),
            (4096, 4),
            (10_000, 5),
            (100_003, 6),
        ] {
            let data = text(len, seed);
            assert_eq!(kw.find_all(&data), reference(&patterns, &data), "len {len}");
        }
    }

    #[test]
    fn a_keyword_across_every_lane_boundary_is_found_once() {
        let patterns = ["boundary-keyword"];
        let kw = Keywords::new(&patterns).expect("keywords");
        let len = 30_000;
        let seg = len / LANES;
        for l in 1..LANES {
            for shift in 0..patterns[0].len() + 1 {
                let mut data = vec![b'.'; len];
                let at = l * seg + shift - patterns[0].len().min(l * seg + shift);
                data[at..at + patterns[0].len()].copy_from_slice(b"BOUNDARY-keyword");
                assert_eq!(
                    kw.find_all(&data),
                    reference(&patterns, &data),
                    "lane {l} +{shift}"
                );
                assert_eq!(kw.find_all(&data).len(), 1);
            }
        }
    }

    #[test]
    fn non_ascii_bytes_are_not_folded() {
        let kw = Keywords::new(&["\u{e9}t\u{e9}"]).expect("keywords");
        assert_eq!(kw.find_all("\u{c9}T\u{c9}".as_bytes()).len(), 0);
        assert_eq!(kw.find_all("\u{e9}T\u{e9}".as_bytes()).len(), 1);
    }
}
