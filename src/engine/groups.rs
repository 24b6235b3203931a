//! Rules that share every keyword are checked together first. The generic rules come in
//! families (`generic.token.assignment`, `.env`, `.json`, `.xml`, `.yaml`) keyed on the same
//! common words, so each hit on `token` would run five regexes over the same line; one
//! multi-pattern regex over the group's window says which members can match there at all, and
//! only those run.
//!
//! The check is exact, not a heuristic: a group's window covers each member's window (same
//! hits, the longest member's reach, the same line clamp), and a member that matches inside
//! its own window matches inside any window around it (the haystack, and so what look-around
//! sees, is the same), so the group pass reports it.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet, meta};

use super::CompiledRule;

/// Groups of rules with the same keywords.
#[derive(Debug, Default)]
pub struct Groups {
    /// For each rule: its group and its position in it.
    of_rule: Vec<Option<(usize, usize)>>,
    groups: Vec<Group>,
}

#[derive(Debug)]
struct Group {
    members: Vec<usize>,
    /// Longest match of any member (`None`: some member is unbounded).
    max_len: Option<usize>,
    /// Every member's matches stay on one line.
    single_line: bool,
    /// The members' patterns as one regex reporting every pattern that matches; compiled on
    /// first use, `None` if it does not build (then every member simply runs).
    re: OnceLock<Option<meta::Regex>>,
}

impl Groups {
    /// Groups `rules` by keyword set (ASCII case folded). Rules with exact-case keywords, and
    /// rules alone with their keywords, stay ungrouped.
    pub fn new(rules: &[CompiledRule]) -> Groups {
        let mut by_keys: HashMap<(Vec<String>, bool), Vec<usize>> = HashMap::new();
        for (ri, r) in rules.iter().enumerate() {
            if r.rule.keywords_exact_case {
                continue;
            }
            let mut keys: Vec<String> = r
                .rule
                .keywords
                .iter()
                .map(|k| k.to_ascii_lowercase())
                .collect();
            keys.sort();
            keys.dedup();
            by_keys.entry((keys, r.single_line)).or_default().push(ri);
        }
        let mut sets: Vec<Vec<usize>> = by_keys.into_values().filter(|m| m.len() > 1).collect();
        sets.sort();
        let mut out = Groups {
            of_rule: vec![None; rules.len()],
            groups: Vec::new(),
        };
        for members in sets {
            let g = out.groups.len();
            for (pos, &ri) in members.iter().enumerate() {
                out.of_rule[ri] = Some((g, pos));
            }
            let max_len = members
                .iter()
                .map(|&ri| rules[ri].max_len)
                .try_fold(0, |m, l| l.map(|l| m.max(l)));
            out.groups.push(Group {
                single_line: rules[members[0]].single_line,
                members,
                max_len,
                re: OnceLock::new(),
            });
        }
        out
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Rule `ri`'s group and position in it.
    pub fn of(&self, ri: usize) -> Option<(usize, usize)> {
        self.of_rule.get(ri).copied().flatten()
    }

    /// Group `g`'s reach around a keyword hit and whether it stays on the hit's line.
    pub fn shape(&self, g: usize) -> (Option<usize>, bool) {
        let gr = &self.groups[g];
        (gr.max_len, gr.single_line)
    }

    /// Which members of group `g` match somewhere in `data[s..e]`; `None` when the group's
    /// regex is unavailable (every member must then run).
    pub fn candidates(
        &self,
        rules: &[CompiledRule],
        g: usize,
        data: &[u8],
        s: usize,
        e: usize,
    ) -> Option<PatternSet> {
        let gr = &self.groups[g];
        let re = gr
            .re
            .get_or_init(|| {
                let patterns: Vec<&str> = gr
                    .members
                    .iter()
                    .map(|&ri| rules[ri].rule.pattern.as_str())
                    .collect();
                meta::Regex::builder()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .configure(
                        meta::Config::new()
                            .utf8_empty(false)
                            .match_kind(MatchKind::All),
                    )
                    .build_many(&patterns)
                    .ok()
            })
            .as_ref()?;
        let mut set = PatternSet::new(gr.members.len());
        re.which_overlapping_matches(&Input::new(data).range(s..e), &mut set);
        Some(set)
    }
}
