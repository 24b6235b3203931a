//! The keyword search: every occurrence (overlapping) of every rule keyword in a buffer, ASCII
//! case-insensitively, with one Aho-Corasick DFA for the whole catalogue.
//!
//! A DFA search is one dependent table lookup per byte, so it runs at the latency of the table
//! reads rather than at the speed the CPU could issue them. Large buffers are therefore cut
//! into `LANES` consecutive segments that one loop walks side by side: the lanes' lookups are
//! independent, so the CPU overlaps them. Each
//! lane after the first starts a keyword's length early, so it is in the same state as a single
//! pass would be when its own segment begins, and reports only matches ending inside its
//! segment: the hits are exactly a single pass's, in the same order.
//!
//! The automaton is built by the `aho-corasick` crate over the lowercase keywords, then copied
//! into a compact table for this loop: one column per class of bytes that behave alike (upper
//! and lower case fold into one class, so matching is ASCII case-insensitive for free), match
//! states numbered first so "is this a match" is one comparison, and entries that are already
//! row offsets. A step is then two reads: the byte's class, and the next state. On the scan
//! benchmark corpus: 2.5 ns/byte with the crate's case-insensitive overlapping search, 0.87 here.

use std::collections::HashMap;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::Builder;
use aho_corasick::{Anchored, MatchKind, StartKind};
use anyhow::{Context, Result, bail};

/// Segments walked side by side (2 to 3 gave the best throughput on the benchmark corpora).
const LANES: usize = 3;

/// Buffers shorter than this are searched in one lane (the set-up would not pay off).
const MIN_LANE_LEN: usize = 4096;

/// [`Keywords::for_each_hit`] searches this many bytes at a time, so the hits held at once
/// stay bounded: a run of one letter matches a keyword like `AAAAAAAAAA` at every byte, and
/// collecting an 8 MiB chunk's hits at once took 600 MB.
const PIECE: usize = 256 << 10;

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
    /// Row-major transitions; each entry is the next state's row offset.
    trans: Vec<u32>,
    /// Byte -> column.
    class: [u32; 256],
    /// Row offset of the start state.
    start: u32,
    /// States with a row offset below this are match states.
    match_limit: u32,
    /// Columns per row.
    stride: u32,
    /// Keywords ending at each match state (indexed by row).
    matches: Vec<Vec<u32>>,
    /// Length of each keyword.
    lens: Vec<u32>,
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
        if lowered.iter().any(String::is_empty) {
            bail!("empty keyword");
        }
        let dfa = Builder::new()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .prefilter(false)
            .build(&lowered)
            .context("building the keyword automaton")?;
        let lower: [u8; 256] = std::array::from_fn(|b| (b as u8).to_ascii_lowercase());
        // Every state reachable from the start, with its transition on each (lowered) byte.
        let start = dfa
            .start_state(Anchored::No)
            .context("keyword automaton without an unanchored start")?;
        let mut index: HashMap<StateID, usize> = HashMap::from([(start, 0)]);
        let mut states = vec![start];
        let mut next: Vec<[usize; 256]> = Vec::new();
        let mut i = 0;
        while i < states.len() {
            let sid = states[i];
            let mut row = [0usize; 256];
            for (b, slot) in row.iter_mut().enumerate() {
                let n = dfa.next_state(Anchored::No, sid, lower[b]);
                *slot = *index.entry(n).or_insert_with(|| {
                    states.push(n);
                    states.len() - 1
                });
            }
            next.push(row);
            i += 1;
        }
        // Bytes whose transitions agree in every state share a column.
        let mut columns: HashMap<Vec<usize>, u32> = HashMap::new();
        let mut class = [0u32; 256];
        for (b, c) in class.iter_mut().enumerate() {
            let col: Vec<usize> = next.iter().map(|row| row[b]).collect();
            let n = columns.len() as u32;
            *c = *columns.entry(col).or_insert(n);
        }
        let stride = columns.len();
        let mut rep = vec![0usize; stride];
        for b in (0..256).rev() {
            rep[class[b] as usize] = b;
        }
        // Match states first; row offsets instead of indices.
        let is_match = |sid: StateID| dfa.is_match(sid);
        let mut order: Vec<usize> = (0..states.len()).collect();
        order.sort_by_key(|&i| !is_match(states[i]));
        let mut row_of = vec![0usize; states.len()];
        for (r, &i) in order.iter().enumerate() {
            row_of[i] = r;
        }
        let offset = |i: usize| -> Result<u32> {
            u32::try_from(row_of[i] * stride).context("keyword automaton too large")
        };
        let mut trans = Vec::with_capacity(states.len() * stride);
        let mut matches = Vec::new();
        for &i in &order {
            for &b in &rep {
                trans.push(offset(next[i][b])?);
            }
            if is_match(states[i]) {
                matches.push(
                    (0..dfa.match_len(states[i]))
                        .map(|k| dfa.match_pattern(states[i], k).as_u32())
                        .collect(),
                );
            }
        }
        let match_limit = u32::try_from(matches.len() * stride).context("automaton too large")?;
        Ok(Keywords {
            trans,
            class,
            start: offset(0)?,
            match_limit,
            stride: stride as u32,
            matches,
            lens: lowered.iter().map(|p| p.len() as u32).collect(),
            max_len: dfa.max_pattern_len(),
        })
    }

    /// Calls `f` with every occurrence of every keyword in `data`, in [`Keywords::find_all`]'s
    /// order, holding at most one piece's hits in memory.
    pub fn for_each_hit(&self, data: &[u8], mut f: impl FnMut(Hit)) {
        let warm = self.max_len.saturating_sub(1);
        let mut from = 0;
        while from < data.len() {
            let to = data.len().min(from + PIECE);
            // Start a keyword's length early, report only hits ending in [from, to).
            let base = from.saturating_sub(warm);
            for h in self.find_all(&data[base..to]) {
                let end = base + h.end;
                if end > from {
                    f(Hit {
                        pattern: h.pattern,
                        start: base + h.start,
                        end,
                    });
                }
            }
            from = to;
        }
    }

    /// Every occurrence of every keyword in `data`, ordered by end offset (several keywords
    /// ending at one offset come in the automaton's order), exactly as a single overlapping
    /// pass reports them.
    pub fn find_all(&self, data: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        if data.len() < MIN_LANE_LEN.max(LANES * 4 * self.max_len) {
            let mut events = Vec::new();
            self.step_lanes(&[data], &mut events);
            for (_, j, s) in events {
                self.push_matches(s, j + 1, &mut out);
            }
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
        let mut events: Vec<(usize, usize, u32)> = Vec::new();
        let sid = self.step_lanes(&lanes, &mut events);
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
                s = self.step(s, b);
                if s < self.match_limit {
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

    #[inline(always)]
    fn step(&self, s: u32, b: u8) -> u32 {
        self.trans[s as usize + self.class[b as usize] as usize]
    }

    /// Steps every lane through its bytes side by side (as far as the shortest lane goes);
    /// notes each match state reached as (lane, offset in the lane, state). Returns the
    /// lanes' final states.
    #[inline(never)]
    // Indexing by position is the point: lane l's byte j sits in a different slice per lane.
    #[allow(clippy::needless_range_loop)]
    fn step_lanes<const K: usize>(
        &self,
        lanes: &[&[u8]; K],
        events: &mut Vec<(usize, usize, u32)>,
    ) -> [u32; K] {
        let mut sid = [self.start; K];
        let len = lanes.iter().map(|l| l.len()).min().unwrap_or(0);
        for j in 0..len {
            for l in 0..K {
                let s = self.step(sid[l], lanes[l][j]);
                sid[l] = s;
                if s < self.match_limit {
                    events.push((l, j, s));
                }
            }
        }
        sid
    }

    fn push_matches(&self, s: u32, end: usize, out: &mut Vec<Hit>) {
        let Some(found) = self.matches.get((s / self.stride) as usize) else {
            return;
        };
        for &p in found {
            out.push(Hit {
                pattern: p as usize,
                start: end - self.lens[p as usize] as usize,
                end,
            });
        }
    }

    /// Bytes the automaton occupies.
    pub fn memory_usage(&self) -> usize {
        self.trans.len() * 4 + self.matches.iter().map(|m| m.len() * 4 + 24).sum::<usize>()
    }
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

    /// Piece by piece gives exactly one pass's hits, across piece boundaries too.
    #[test]
    fn pieces_report_exactly_what_one_pass_does() {
        let patterns = ["key", "token", "secret", "ey", "kEyToKeN", "aaaaaaaaaa"];
        let kw = Keywords::new(&patterns).expect("keywords");
        let mut data = text(3 * PIECE + 17, 7);
        // A dense run (a hit at every byte) over the first boundary, a keyword over the second.
        data[PIECE - 100..PIECE + 100].fill(b'A');
        data[2 * PIECE - 3..2 * PIECE + 5].copy_from_slice(b"kEyToKeN");
        let mut hits = Vec::new();
        kw.for_each_hit(&data, |h| hits.push(h));
        assert_eq!(hits, reference(&patterns, &data));
        for len in [0, 1, PIECE - 1, PIECE, PIECE + 1] {
            let mut hits = Vec::new();
            kw.for_each_hit(&data[..len], |h| hits.push(h));
            assert_eq!(hits, reference(&patterns, &data[..len]), "len {len}");
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
    fn the_catalogue_keywords_match_like_the_crate() {
        let rules = crate::rules::embedded().expect("catalogue");
        let mut keywords: Vec<String> = rules
            .iter()
            .flat_map(|r| r.keywords.iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        keywords.sort();
        keywords.dedup();
        let patterns: Vec<&str> = keywords.iter().map(String::as_str).collect();
        let kw = Keywords::new(&patterns).expect("keywords");
        // Text made of keyword pieces in mixed case, so hits overlap and cross lanes.
        let mut data = Vec::new();
        let mut x = 7u64;
        while data.len() < 200_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = patterns[(x >> 33) as usize % patterns.len()].as_bytes();
            let cut = (x >> 20) as usize % (k.len() + 1);
            for (i, &b) in k[..cut.max(1)].iter().enumerate() {
                data.push(if (x >> (i % 16)) & 1 == 1 {
                    b.to_ascii_uppercase()
                } else {
                    b
                });
            }
            if x & 3 == 0 {
                data.push(b' ');
            }
        }
        let found = kw.find_all(&data);
        assert!(found.len() > 1000, "{}", found.len());
        assert_eq!(found, reference(&patterns, &data));
    }

    #[test]
    fn non_ascii_bytes_are_not_folded() {
        let kw = Keywords::new(&["\u{e9}t\u{e9}"]).expect("keywords");
        assert_eq!(kw.find_all("\u{c9}T\u{c9}".as_bytes()).len(), 0);
        assert_eq!(kw.find_all("\u{e9}T\u{e9}".as_bytes()).len(), 1);
    }
}
