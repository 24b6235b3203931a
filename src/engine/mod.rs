//! The detection engine: compiles the rule catalogue once, then finds secrets in byte buffers.
//!
//! Matching runs in three steps. One Aho-Corasick automaton over every rule keyword
//! (case-insensitive unless a rule asks for its case, see [`keywords`]) finds which rules can
//! match at all and where; only those rules' regexes run, and only over windows around the
//! keyword hits (a rule's longest possible match either side, so no match is missed). Rules
//! that share every keyword are first checked together ([`groups`]). Candidates then pass the
//! post-filters (placeholders, entropy, checksum, allow-lists), paired credentials are joined,
//! and decoders (JSON escapes, base64, percent-encoding) expose encoded text to the same
//! process, to a bounded depth.

pub mod checksum;
pub mod decode;
pub mod filters;
pub mod groups;
pub mod keywords;
pub mod locate;

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, anyhow, bail};
use rayon::prelude::*;
use regex_automata::Input;
use regex_automata::meta;
use regex_automata::util::syntax;

use crate::rules::Rule;

/// Windows of one rule closer than this many bytes are scanned as one.
const MERGE_GAP: usize = 512;

/// Tunables of the engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// How many nested decoding layers to undo (0 disables decoding).
    pub decode_depth: usize,
    /// Most bytes decoded per buffer and level.
    pub decode_budget: usize,
    /// Report tokens whose checksum is wrong (forensics).
    pub include_invalid_checksums: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            decode_depth: 2,
            decode_budget: 16 << 20,
            include_invalid_checksums: false,
        }
    }
}

/// A rule compiled for matching.
#[derive(Debug)]
pub struct CompiledRule {
    /// The rule as written.
    pub rule: Rule,
    /// Compiled on first use: a typical scan touches a fraction of the catalogue, and
    /// compiling all of it costs more than scanning a small tree.
    re: OnceLock<Option<Matcher>>,
    secret_group: usize,
    part_groups: Vec<(String, usize)>,
    /// Longest possible match in bytes, when bounded.
    pub max_len: Option<usize>,
    /// The pattern can never match a newline, so a match lies within its keyword's line.
    pub single_line: bool,
    pairs: Vec<CompiledPair>,
}

/// A rule's compiled regex and allow-list.
#[derive(Debug)]
struct Matcher {
    re: meta::Regex,
    /// Every allow pattern as one multi-pattern regex.
    allow: Option<meta::Regex>,
}

#[derive(Debug)]
struct CompiledPair {
    target: usize,
    part: String,
    window: usize,
    required: bool,
}

/// One accepted match in a buffer.
#[derive(Debug, Clone)]
pub struct Match {
    /// Index of the rule in [`Engine::rules`].
    pub rule: usize,
    /// Start of the secret (for decoded matches: of the encoded segment) in the buffer.
    pub start: usize,
    /// End of the same span.
    pub end: usize,
    /// The secret.
    pub secret: String,
    /// Named parts (paired credentials, other named groups).
    pub parts: Vec<(String, String)>,
    /// Decoders applied, outermost first.
    pub decoding: Vec<&'static str>,
    /// Checksum outcome when the rule has one.
    pub checksum_valid: Option<bool>,
}

/// A rule behind a keyword of the automaton (which matches ASCII case-insensitively).
#[derive(Debug)]
struct KeywordUse {
    rule: usize,
    /// The exact spellings the rule accepts; empty: any case.
    exact: Vec<Box<[u8]>>,
}

/// The compiled catalogue.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    keywords: keywords::Keywords,
    /// For each keyword pattern, the rules that use it.
    keyword_rules: Vec<Vec<KeywordUse>>,
    /// Rules that share their keywords, checked together first.
    groups: groups::Groups,
    /// Some keyword contains a newline (then a hit's line is never reused for the next).
    keyword_newline: bool,
    overlap: usize,
    /// Scans that met encoded text nested deeper than `decode_depth`.
    depth_limited: AtomicU64,
    opts: EngineOptions,
}

fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

fn build_matcher(rule: &Rule) -> Result<Matcher> {
    let ctx = || format!("rule {} ({})", rule.id, rule.origin);
    let build = || {
        let mut b = meta::Regex::builder();
        b.syntax(syntax_config())
            .configure(meta::Config::new().utf8_empty(false));
        b
    };
    let re = build().build(&rule.pattern).with_context(ctx)?;
    let allow = if rule.allow.is_empty() {
        None
    } else {
        Some(
            build()
                .build_many(&rule.allow)
                .with_context(|| format!("{}: allow pattern", ctx()))?,
        )
    };
    Ok(Matcher { re, allow })
}

/// Appends the (group index, name) of every named capture group in `hir`. Indices are the
/// ones the compiled regex reports (group 0 is the whole match).
fn named_groups(hir: &regex_syntax::hir::Hir, out: &mut Vec<(usize, String)>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => {
            if let Some(n) = &c.name {
                out.push((c.index as usize, n.to_string()));
            }
            named_groups(&c.sub, out);
        }
        HirKind::Repetition(r) => named_groups(&r.sub, out),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().for_each(|h| named_groups(h, out)),
        HirKind::Empty | HirKind::Look(_) | HirKind::Literal(_) | HirKind::Class(_) => {}
    }
}

/// Parses and analyses `rule`; its regex is compiled now for user rules (so mistakes surface
/// before the scan) and on first use for built-in rules (which the test suite compiles).
fn compile_rule(rule: Rule) -> Result<CompiledRule> {
    let ctx = || format!("rule {} ({})", rule.id, rule.origin);
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&rule.pattern)
        .with_context(ctx)?;
    let max_len = hir.properties().maximum_len();
    let single_line = newline_only_at_edges(&hir);
    let re = OnceLock::new();
    if !rule.is_builtin() {
        let _ = re.set(Some(build_matcher(&rule)?));
    }
    let mut groups = Vec::new();
    named_groups(&hir, &mut groups);
    let mut secret_group = None;
    let mut part_groups = Vec::new();
    for (i, name) in groups {
        match name.as_str() {
            "secret" => secret_group = Some(i),
            _ => part_groups.push((name, i)),
        }
    }
    let secret_group =
        secret_group.ok_or_else(|| anyhow!("{}: pattern has no (?P<secret>…) group", ctx()))?;
    if let Some(c) = &rule.checksum
        && !checksum::is_known(c)
    {
        bail!("{}: unknown checksum algorithm {c:?}", ctx());
    }
    Ok(CompiledRule {
        rule,
        re,
        secret_group,
        part_groups,
        max_len,
        single_line,
        pairs: Vec::new(),
    })
}

impl CompiledRule {
    /// The rule's regex, compiled on first call; `None` if it does not compile (reported once
    /// on stderr; the test suite proves every built-in rule compiles).
    fn matcher(&self) -> Option<&Matcher> {
        self.re
            .get_or_init(|| match build_matcher(&self.rule) {
                Ok(m) => Some(m),
                Err(e) => {
                    eprintln!("warning: {e:#}; the rule is skipped");
                    None
                }
            })
            .as_ref()
    }

    /// Compiles the regex now; an error names the rule.
    pub fn compile(&self) -> Result<()> {
        if self.re.get().is_none() {
            let _ = self.re.set(Some(build_matcher(&self.rule)?));
        }
        match self.re.get() {
            Some(Some(_)) => Ok(()),
            _ => bail!(
                "rule {} ({}) does not compile",
                self.rule.id,
                self.rule.origin
            ),
        }
    }
}

/// Whether every match of `hir` lies within one line plus, at most, the newline byte on either
/// side of it: a leading or trailing boundary such as `(?:^|[^A-Za-z0-9_-])` may match a
/// newline, nothing else may.
fn newline_only_at_edges(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => newline_only_at_edges(&c.sub),
        HirKind::Alternation(v) => v.iter().all(newline_only_at_edges),
        HirKind::Concat(v) if v.len() > 1 => {
            newline_only_at(&v[0], Edge::First)
                && newline_only_at(&v[v.len() - 1], Edge::Last)
                && !v[1..v.len() - 1].iter().any(can_match_newline)
        }
        _ => newline_only_at(hir, Edge::First) || newline_only_at(hir, Edge::Last),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Edge {
    First,
    Last,
}

/// Whether a newline in a match of `hir` can only be its first (or last) byte.
fn newline_only_at(hir: &regex_syntax::hir::Hir, edge: Edge) -> bool {
    use regex_syntax::hir::{HirKind, Literal};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(Literal(b)) => match edge {
            Edge::First => !b.iter().skip(1).any(|&c| c == b'\n'),
            Edge::Last => !b.iter().rev().skip(1).any(|&c| c == b'\n'),
        },
        HirKind::Class(_) => true,
        HirKind::Capture(c) => newline_only_at(&c.sub, edge),
        HirKind::Alternation(v) => v.iter().all(|h| newline_only_at(h, edge)),
        HirKind::Repetition(r) if r.max == Some(1) => newline_only_at(&r.sub, edge),
        HirKind::Repetition(r) => !can_match_newline(&r.sub),
        HirKind::Concat(v) => match edge {
            Edge::First => v.split_first().is_none_or(|(first, rest)| {
                newline_only_at(first, edge) && !rest.iter().any(can_match_newline)
            }),
            Edge::Last => v.split_last().is_none_or(|(last, rest)| {
                newline_only_at(last, edge) && !rest.iter().any(can_match_newline)
            }),
        },
    }
}

/// Whether any match of `hir` could contain a `\n` byte.
fn can_match_newline(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.contains(&b'\n'),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Repetition(r) => can_match_newline(&r.sub),
        HirKind::Capture(c) => can_match_newline(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(can_match_newline),
    }
}

impl Engine {
    /// Compiles `rules` (in parallel) and the keyword automaton.
    pub fn new(rules: Vec<Rule>, opts: EngineOptions) -> Result<Engine> {
        let mut compiled: Vec<CompiledRule> = rules
            .into_par_iter()
            .map(compile_rule)
            .collect::<Result<_>>()?;
        let index: HashMap<String, usize> = compiled
            .iter()
            .enumerate()
            .map(|(i, r)| (r.rule.id.clone(), i))
            .collect();
        for r in &mut compiled {
            for p in r.rule.pair.clone() {
                let target = *index.get(&p.rule).ok_or_else(|| {
                    anyhow!("rule {}: pair names unknown rule {}", r.rule.id, p.rule)
                })?;
                r.pairs.push(CompiledPair {
                    target,
                    part: p.part,
                    window: p.window,
                    required: p.required,
                });
            }
        }
        let mut kw_index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<KeywordUse>> = Vec::new();
        for (ri, r) in compiled.iter().enumerate() {
            for k in &r.rule.keywords {
                let lower = k.to_ascii_lowercase();
                let pi = *kw_index.entry(lower.clone()).or_insert_with(|| {
                    patterns.push(lower);
                    keyword_rules.push(Vec::new());
                    patterns.len() - 1
                });
                let uses = &mut keyword_rules[pi];
                let at = match uses.iter().position(|u| u.rule == ri) {
                    Some(at) => at,
                    None => {
                        uses.push(KeywordUse {
                            rule: ri,
                            exact: Vec::new(),
                        });
                        uses.len() - 1
                    }
                };
                if r.rule.keywords_exact_case {
                    uses[at].exact.push(k.as_bytes().into());
                }
            }
        }
        let keywords = keywords::Keywords::new(&patterns)?;
        let groups = groups::Groups::new(&compiled);
        let overlap = compiled
            .iter()
            .filter_map(|r| r.max_len)
            .max()
            .unwrap_or(1024)
            .clamp(1024, 64 << 10);
        let keyword_newline = patterns.iter().any(|p| p.contains('\n'));
        Ok(Engine {
            rules: compiled,
            keywords,
            keyword_rules,
            groups,
            keyword_newline,
            depth_limited: AtomicU64::new(0),
            overlap,
            opts,
        })
    }

    /// Compiles every rule's regex now (`rules check`, tests); the first error names its rule.
    pub fn compile_all(&self) -> Result<()> {
        self.rules.par_iter().try_for_each(CompiledRule::compile)
    }

    /// The compiled rules, indexed by [`Match::rule`].
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Bytes by which consecutive chunks of a large file must overlap so no match is split.
    pub fn overlap(&self) -> usize {
        self.overlap
    }

    /// The engine's options.
    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    /// Every accepted match in `data`, including matches inside encoded text.
    pub fn scan(&self, data: &[u8]) -> Vec<Match> {
        let mut deeper = false;
        let out = self.scan_depth(data, self.opts.decode_depth, &mut deeper);
        if deeper {
            self.depth_limited.fetch_add(1, Ordering::Relaxed);
        }
        out
    }

    /// How many [`Engine::scan`] calls met encoded text nested deeper than the decode depth
    /// (that text was scanned as it is, not decoded further).
    pub fn depth_limited(&self) -> u64 {
        self.depth_limited.load(Ordering::Relaxed)
    }

    fn scan_depth(&self, data: &[u8], depth: usize, deeper: &mut bool) -> Vec<Match> {
        let mut out = self.scan_plain(data);
        if depth == 0 {
            if self.opts.decode_depth > 0
                && !*deeper
                && !decode::segments(data, self.opts.decode_budget).is_empty()
            {
                *deeper = true;
            }
            return out;
        }
        let raw_len = out.len();
        for seg in decode::segments(data, self.opts.decode_budget) {
            for mut m in self.scan_depth(&seg.decoded, depth - 1, deeper) {
                let dup = out[..raw_len].iter().any(|r| {
                    r.rule == m.rule
                        && r.secret == m.secret
                        && r.start < seg.end
                        && r.end > seg.start
                });
                if dup {
                    continue;
                }
                m.start = seg.start;
                m.end = seg.end;
                m.decoding.insert(0, seg.kind);
                let again = out[raw_len..]
                    .iter()
                    .any(|o| o.rule == m.rule && o.secret == m.secret && o.start == m.start);
                if !again {
                    out.push(m);
                }
            }
        }
        out
    }

    /// Matches in `data` itself (no decoding).
    fn scan_plain(&self, data: &[u8]) -> Vec<Match> {
        // Keyword hits -> windows, one list for rules (slot = rule index) and groups (slot =
        // rule count + group index).
        let groups_at = self.rules.len();
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        // Each slot's latest window, merged with the next ones while they are near: common
        // keywords (`key`, `token`) hit often and each hit opens a window for many rules, so
        // merging on the fly keeps the list to sort below short.
        let mut open: Vec<(usize, usize)> = Vec::new();
        let mut add = |slot: usize, s: usize, e: usize| {
            if open.is_empty() {
                open = vec![(usize::MAX, 0); groups_at + self.groups.len()];
            }
            let (os, oe) = open[slot];
            if os == usize::MAX {
                open[slot] = (s, e);
            } else if s <= oe + MERGE_GAP && os <= e + MERGE_GAP {
                open[slot] = (os.min(s), oe.max(e));
            } else {
                windows.push((slot, os, oe));
                open[slot] = (s, e);
            }
        };
        // The line of the previous hit: hits come in order, and on a long line (a minified
        // bundle) searching for its ends again for every hit would be quadratic.
        let mut prev_line: Option<(usize, usize)> = None;
        self.keywords.for_each_hit(data, |hit| {
            // The hit's line, found lazily: single-line rules never look past it.
            let mut line: Option<(usize, usize)> = prev_line
                .filter(|&(ls, le)| ls <= hit.start && hit.end <= le)
                .filter(|_| !self.keyword_newline);
            let mut window = |max_len: Option<usize>, single_line: bool| {
                let (mut s, mut e) = match max_len {
                    Some(l) => (hit.start.saturating_sub(l), (hit.end + l).min(data.len())),
                    None => (0, data.len()),
                };
                if single_line {
                    let (ls, le) = *line.get_or_insert_with(|| {
                        (
                            memchr::memrchr(b'\n', &data[..hit.start]).map_or(0, |p| p + 1),
                            memchr::memchr(b'\n', &data[hit.end..])
                                .map_or(data.len(), |p| hit.end + p),
                        )
                    });
                    // The newline on either side may be a rule's boundary byte.
                    s = s.max(ls.saturating_sub(1));
                    e = e.min((le + 1).min(data.len()));
                }
                (s, e)
            };
            for u in &self.keyword_rules[hit.pattern] {
                if !u.exact.is_empty() && !u.exact.iter().any(|k| **k == data[hit.start..hit.end]) {
                    continue;
                }
                let r = &self.rules[u.rule];
                let (s, e) = window(r.max_len, r.single_line);
                add(u.rule, s, e);
                if let Some((g, _)) = self.groups.of(u.rule) {
                    let (max_len, single_line) = self.groups.shape(g);
                    let (s, e) = window(max_len, single_line);
                    add(groups_at + g, s, e);
                }
            }
            if line.is_some() {
                prev_line = line;
            }
        });
        windows.extend(
            open.iter()
                .enumerate()
                .filter(|(_, w)| w.0 != usize::MAX)
                .map(|(slot, &(s, e))| (slot, s, e)),
        );
        if windows.is_empty() {
            return Vec::new();
        }
        // The same merge again over the sorted list: windows that met only through a later
        // one, or arrived out of order, become one (the result is what merging every window
        // in sorted order gives).
        windows.sort_unstable();
        let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(windows.len());
        for w in windows {
            match merged.last_mut() {
                // Nearby windows merge too: scanning a few extra bytes is cheaper than
                // another regex call.
                Some(last) if last.0 == w.0 && w.1 <= last.2 + MERGE_GAP => {
                    last.2 = last.2.max(w.2)
                }
                _ => merged.push(w),
            }
        }
        // Rule windows first (sorted by rule), then group windows (sorted by group, start).
        let split = merged.partition_point(|w| w.0 < groups_at);
        let (rule_windows, group_windows) = merged.split_at(split);
        let mut checked: Vec<Option<Option<regex_automata::PatternSet>>> =
            vec![None; group_windows.len()];
        let mut out = Vec::new();
        for &(ri, s, e) in rule_windows {
            if let Some((g, pos)) = self.groups.of(ri) {
                // The group window holding this one (it holds every member window).
                let slot = groups_at + g;
                let gi = group_windows.partition_point(|w| (w.0, w.1) <= (slot, s));
                if let Some(gi) = gi.checked_sub(1)
                    && group_windows[gi].0 == slot
                    && group_windows[gi].2 >= e
                {
                    let (_, gs, ge) = group_windows[gi];
                    let set = checked[gi].get_or_insert_with(|| {
                        self.groups.candidates(&self.rules, g, data, gs, ge)
                    });
                    if set
                        .as_ref()
                        .is_some_and(|set| !set.contains(regex_automata::PatternID::must(pos)))
                    {
                        continue;
                    }
                }
            }
            self.run_rule(ri, data, s, e, &mut out);
        }
        self.pair(&mut out);
        out
    }

    fn run_rule(&self, ri: usize, data: &[u8], s: usize, e: usize, out: &mut Vec<Match>) {
        let r = &self.rules[ri];
        let Some(m) = r.matcher() else { return };
        let input = Input::new(data).range(s..e);
        for caps in m.re.captures_iter(input) {
            let Some(span) = caps.get_group(r.secret_group) else {
                continue;
            };
            let bytes = &data[span.start..span.end];
            if bytes.is_empty() || filters::placeholder(bytes).is_some() {
                continue;
            }
            if m.allow.as_ref().is_some_and(|a| a.is_match(bytes)) {
                continue;
            }
            if let Some(min) = r.rule.min_entropy
                && filters::shannon_entropy(bytes) < min
            {
                continue;
            }
            let secret = String::from_utf8_lossy(bytes).into_owned();
            let checksum_valid = r
                .rule
                .checksum
                .as_deref()
                .and_then(|c| checksum::verify(c, &secret));
            if checksum_valid == Some(false) && !self.opts.include_invalid_checksums {
                continue;
            }
            let parts = r
                .part_groups
                .iter()
                .filter_map(|(name, gi)| {
                    caps.get_group(*gi).map(|sp| {
                        (
                            name.clone(),
                            String::from_utf8_lossy(&data[sp.start..sp.end]).into_owned(),
                        )
                    })
                })
                .collect();
            out.push(Match {
                rule: ri,
                start: span.start,
                end: span.end,
                secret,
                parts,
                decoding: Vec::new(),
                checksum_valid,
            });
        }
    }

    /// Attaches the nearest match of each paired rule; drops matches whose required pair is
    /// missing.
    fn pair(&self, matches: &mut Vec<Match>) {
        if !matches.iter().any(|m| !self.rules[m.rule].pairs.is_empty()) {
            return;
        }
        let snapshot: Vec<(usize, usize, String)> = matches
            .iter()
            .map(|m| (m.rule, m.start, m.secret.clone()))
            .collect();
        matches.retain_mut(|m| {
            for p in &self.rules[m.rule].pairs {
                if m.parts.iter().any(|(n, _)| *n == p.part) {
                    continue;
                }
                let best = snapshot
                    .iter()
                    .filter(|(r, _, _)| *r == p.target)
                    .map(|(_, s, sec)| (s.abs_diff(m.start), sec))
                    .filter(|(d, _)| *d <= p.window)
                    .min_by_key(|(d, _)| *d);
                match best {
                    Some((_, sec)) => m.parts.push((p.part.clone(), sec.clone())),
                    None if p.required => return false,
                    None => {}
                }
            }
            true
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Confidence, Severity};

    fn rule(id: &str, pattern: &str, keywords: &[&str]) -> Rule {
        Rule {
            id: id.into(),
            name: id.into(),
            provider: "Test".into(),
            pattern: pattern.into(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            keywords_exact_case: false,
            min_entropy: None,
            checksum: None,
            confidence: Confidence::High,
            severity: Severity::High,
            tags: vec![],
            pair: vec![],
            examples: vec![],
            negative_examples: vec![],
            allow: vec![],
            references: vec![],
            remediation: "rotate".into(),
            validation: None,
            revocation: None,
            origin: "test".into(),
        }
    }

    fn engine(rules: Vec<Rule>) -> Engine {
        Engine::new(rules, EngineOptions::default()).unwrap()
    }

    #[test]
    fn exact_case_keywords_open_windows_only_in_their_case() {
        let mut exact = rule("t.exact", r"(?i)(?P<secret>acme_[a-z0-9]{12})", &["ACME_"]);
        exact.keywords_exact_case = true;
        // Another rule shares the keyword case-insensitively and must still see every case.
        let loose = rule("t.loose", r"(?i)(?P<secret>acme_[a-z0-9]{12})x", &["acme_"]);
        let e = engine(vec![exact, loose]);
        let ids = |d: &[u8]| -> Vec<String> {
            e.scan(d)
                .iter()
                .map(|m| e.rules()[m.rule].rule.id.clone())
                .collect()
        };
        assert_eq!(ids(b"k = ACME_q8w7e6r5t4y3"), ["t.exact"]);
        assert!(ids(b"k = acme_q8w7e6r5t4y3").is_empty());
        assert_eq!(ids(b"k = acme_q8w7e6r5t4y3x"), ["t.loose"]);
    }

    #[test]
    fn keyword_gates_regex_and_windows_are_sound() {
        let e = engine(vec![rule(
            "t.tok",
            r"(?:^|[^A-Za-z0-9])(?P<secret>tok_[A-Za-z0-9]{20})(?:$|[^A-Za-z0-9])",
            &["tok_"],
        )]);
        let pad = "x".repeat(5000);
        let text = format!("{pad}\nTOKEN=tok_Ab3dE6gH9jK2mN5pQ8sT {pad}\ntok_Zy9xW8vU7tS6rQ5pO4nM");
        let ms = e.scan(text.as_bytes());
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].secret, "tok_Ab3dE6gH9jK2mN5pQ8sT");
        assert!(e.scan(b"no keyword here Ab3dE6gH9jK2mN5pQ8sT").is_empty());
        // Boundary: a longer run is not a token.
        assert!(e.scan(b"tok_Ab3dE6gH9jK2mN5pQ8sTX").is_empty());
    }

    #[test]
    fn newline_analysis_decides_single_line_rules() {
        let e = engine(vec![
            rule("t.a", r"(?P<secret>tok_[A-Za-z0-9]{20})", &["tok_"]),
            rule("t.b", r"(?i)key\s{0,3}=(?P<secret>[a-z]{8})", &["key"]),
            rule("t.c", r#"pass=(?P<secret>[^"]{8})"#, &["pass"]),
            rule("t.d", r"(?m)^pwd: (?P<secret>[^\s]{8})$", &["pwd"]),
        ]);
        let single: Vec<bool> = e.rules().iter().map(|r| r.single_line).collect();
        assert_eq!(single, vec![true, false, false, true]);
        // Multi-line rules still match across lines; single-line ones within the line.
        assert_eq!(e.scan(b"key\n=abcdefgh").len(), 1);
        assert_eq!(e.scan(b"x\npwd: abcdefgh\ny").len(), 1);

        // A one-byte boundary that may be a newline keeps a rule single-line; the window then
        // takes in the newline on either side of the line.
        let bounded = r"(?:^|[^A-Za-z0-9_-])(?P<secret>tok_[a-z]{8})(?:$|[^A-Za-z0-9_-])";
        let e = engine(vec![
            rule("t.e", bounded, &["tok_"]),
            rule("t.f", r"tok_[a-z]{2}[^x](?P<secret>[a-z]{8})", &["tok_"]),
            rule("t.g", r"(?:^|\s{1,2})(?P<secret>tok_[a-z]{8})", &["tok_"]),
        ]);
        let single: Vec<bool> = e.rules().iter().map(|r| r.single_line).collect();
        assert_eq!(single, vec![true, false, false]);
        for text in [
            &b"a\ntok_abcdefgh\nb"[..],
            b"tok_abcdefgh",
            b"x = tok_abcdefgh\n",
            b"\ntok_abcdefgh",
        ] {
            let found: Vec<_> = e.scan(text).into_iter().filter(|m| m.rule == 0).collect();
            assert_eq!(found.len(), 1, "{}", String::from_utf8_lossy(text));
            assert_eq!(found[0].secret, "tok_abcdefgh");
        }
        assert!(e.scan(b"xtok_abcdefgh").iter().all(|m| m.rule != 0));
    }

    #[test]
    fn builtin_rules_compile_on_first_use() {
        let mut r = rule("t.lazy", r"(?P<secret>tok_[a-z0-9]{8})", &["tok_"]);
        r.origin = format!("{}t.yml", crate::rules::BUILTIN_ORIGIN);
        r.allow = vec!["^tok_allowed$".into()];
        let e = engine(vec![r]);
        assert!(e.rules()[0].re.get().is_none(), "compiled before use");
        assert!(e.scan(b"no keyword here").is_empty());
        assert!(
            e.rules()[0].re.get().is_none(),
            "compiled without a keyword hit"
        );
        let found = e.scan(b"x = tok_a1b2c3d4; y = tok_allowed");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].secret, "tok_a1b2c3d4");
        e.compile_all().unwrap();

        // A built-in rule that parses but cannot be built is skipped at scan time and named
        // by compile_all (which `rules check` runs over the catalogue).
        let mut big = rule("t.huge", r"(?P<secret>k_(?:\w{1000}){1000})", &["k_"]);
        big.origin = format!("{}t.yml", crate::rules::BUILTIN_ORIGIN);
        let e = engine(vec![big.clone()]);
        assert!(e.scan(b"k_abc").is_empty());
        assert!(format!("{:#}", e.compile_all().unwrap_err()).contains("t.huge"));
        // The same rule from a user file fails when the engine is built.
        big.origin = "mine.yml".into();
        let err = Engine::new(vec![big], EngineOptions::default()).unwrap_err();
        assert!(
            format!("{err:#}").contains("rule t.huge (mine.yml)"),
            "{err:#}"
        );
        let mut bad_allow = rule("t.allow", r"(?P<secret>tok_[a-z]{4})", &["tok_"]);
        bad_allow.allow = vec!["(".into()];
        let err = Engine::new(vec![bad_allow], EngineOptions::default()).unwrap_err();
        assert!(format!("{err:#}").contains("allow pattern"), "{err:#}");
    }

    #[test]
    fn rule_errors_name_the_rule() {
        let err =
            Engine::new(vec![rule("t.bad", "(", &["abc"])], EngineOptions::default()).unwrap_err();
        assert!(format!("{err:#}").contains("t.bad"));
        let err = Engine::new(
            vec![rule("t.nogroup", "abc", &["abc"])],
            EngineOptions::default(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("secret"));
    }

    #[test]
    fn finds_secrets_inside_encodings() {
        use base64::Engine as _;
        let e = engine(vec![rule(
            "t.tok",
            r"(?:^|[^A-Za-z0-9])(?P<secret>tok_[A-Za-z0-9]{20})(?:$|[^A-Za-z0-9])",
            &["tok_"],
        )]);
        let b64 =
            base64::engine::general_purpose::STANDARD.encode("key: tok_Ab3dE6gH9jK2mN5pQ8sT\n");
        let text = format!("data = \"{b64}\"");
        let ms = e.scan(text.as_bytes());
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].decoding, vec!["base64"]);
        assert_eq!(&text[ms[0].start..ms[0].end], b64);
        // Only visible once `\n` is unescaped.
        let ms = e.scan(br#"{"a":"x\ntok_Ab3dE6gH9jK2mN5pQ8sT\n"}"#);
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].decoding, vec!["json-string"]);
        // Visible raw and decoded: reported once, as the raw match.
        let ms = e.scan(br#"{"a":"x tok_Ab3dE6gH9jK2mN5pQ8sT\n"}"#);
        assert_eq!(ms.len(), 1);
        assert!(ms[0].decoding.is_empty());
    }

    #[test]
    fn pairs_join_and_checksums_reject() {
        let mut secret = rule(
            "t.secret",
            r"(?i)secret_key\s*=\s*(?P<secret>[A-Za-z0-9]{16})",
            &["secret_key"],
        );
        secret.pair = vec![crate::rules::PairSpec {
            rule: "t.id".into(),
            part: "key_id".into(),
            window: 200,
            required: false,
        }];
        let id = rule("t.id", r"(?P<secret>KID[0-9]{8})", &["KID"]);
        let e = engine(vec![secret, id]);
        let ms = e.scan(b"id = KID12345678\nsecret_key = q8Vt2LmZr4Xw9KpB\n");
        let s = ms
            .iter()
            .find(|m| e.rules()[m.rule].rule.id == "t.secret")
            .unwrap();
        assert_eq!(
            s.parts,
            vec![("key_id".to_string(), "KID12345678".to_string())]
        );

        let mut gh = rule("t.gh", r"(?P<secret>ghp_[A-Za-z0-9]{36})", &["ghp_"]);
        gh.checksum = Some("github_crc32".into());
        let mut rng = crate::rules::template::Rng::from_seed("x");
        let good = checksum::generate("github_crc32", "ghp_", true, &mut rng).unwrap();
        let bad = checksum::generate("github_crc32", "ghp_", false, &mut rng).unwrap();
        let e = engine(vec![gh.clone()]);
        assert_eq!(e.scan(good.as_bytes()).len(), 1);
        assert!(e.scan(bad.as_bytes()).is_empty());
        let e = Engine::new(
            vec![gh],
            EngineOptions {
                include_invalid_checksums: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(e.scan(bad.as_bytes())[0].checksum_valid, Some(false));
    }
}
