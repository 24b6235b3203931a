//! The rule catalogue: the YAML schema, the embedded `rules/*.yml` files and user rule files.
//!
//! Rules are data. This module only parses and checks their shape; `crate::engine` compiles
//! them into matchers.

pub mod check;
pub mod template;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::finding::{Confidence, Severity};

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// One rule file: a list of rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules in this file.
    pub rules: Vec<Rule>,
}

/// Attach a nearby match of another rule as a named part of this rule's findings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// Id of the rule whose match is attached.
    pub rule: String,
    /// Name of the part in the finding (e.g. `key_id`).
    pub part: String,
    /// Maximum distance in bytes between the two matches.
    #[serde(default = "default_pair_window")]
    pub window: usize,
    /// Report this rule's match only when the pair was found.
    #[serde(default)]
    pub required: bool,
}

fn default_pair_window() -> usize {
    1024
}

/// One detection rule, exactly as written in YAML.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, e.g. `github.pat.classic`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Provider display name.
    pub provider: String,
    /// Rust regex with a named group `secret`.
    pub pattern: String,
    /// Literals (case-insensitive), one of which every match contains.
    pub keywords: Vec<String>,
    /// Match the keywords in exactly the case written (default: ASCII case-insensitive), for
    /// keywords that are common text in other cases (a Twilio SID's `ACc` against `acc`ess).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keywords_exact_case: bool,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_entropy: Option<f64>,
    /// Named checksum algorithm (see `engine::checksum`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Confidence of a match.
    pub confidence: Confidence,
    /// Severity of a leak.
    pub severity: Severity,
    /// Free-form tags (SARIF tags, filtering).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Regexes; a secret matching any of them is not reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// Nearby matches of other rules to attach as parts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pair: Vec<PairSpec>,
    /// Texts (templates) that must yield a finding of this rule.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts (templates) that must not yield a finding of this rule.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Documentation links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// How to rotate a leaked secret of this kind.
    pub remediation: String,
    /// How to check whether a found secret is live (see `crate::validate::spec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<crate::validate::spec::ValidationSpec>,
    /// How the leaked secret can revoke itself (see `crate::revoke::spec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<crate::revoke::spec::RevocationSpec>,
    /// Where the rule was loaded from (file name); not part of the YAML.
    #[serde(skip_deserializing, default)]
    pub origin: String,
}

/// Prefix of [`Rule::origin`] for rules shipped in the binary (proven by the test suite, so
/// the engine may compile them lazily).
pub const BUILTIN_ORIGIN: &str = "builtin:";

impl Rule {
    /// Whether the rule ships in the binary (as opposed to a user rule file or config).
    pub fn is_builtin(&self) -> bool {
        self.origin.starts_with(BUILTIN_ORIGIN)
    }
}

/// Parses one YAML document of rules; `origin` names it in errors.
pub fn parse_rules(text: &str, origin: &str) -> Result<Vec<Rule>> {
    let file: RuleFile = serde_yaml_ng::from_str(text)
        .with_context(|| format!("rule file {origin}: invalid YAML"))?;
    let mut rules = file.rules;
    for r in &mut rules {
        r.origin = origin.to_string();
        check_shape(r).with_context(|| format!("rule file {origin}: rule {}", r.id))?;
    }
    Ok(rules)
}

fn check_shape(r: &Rule) -> Result<()> {
    if r.id.is_empty()
        || !r
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        bail!("id must be non-empty lowercase [a-z0-9._-]");
    }
    if r.keywords.is_empty() {
        bail!("at least one keyword is required");
    }
    if let Some(k) = r.keywords.iter().find(|k| k.len() < 3) {
        bail!("keyword {k:?} is shorter than 3 bytes");
    }
    if r.remediation.trim().is_empty() {
        bail!("remediation is required");
    }
    for p in &r.pair {
        if p.window == 0 {
            bail!("pair window must be > 0");
        }
    }
    if let Some(v) = &r.validation {
        v.check()?;
    }
    if let Some(rv) = &r.revocation {
        rv.check()?;
        // Revocation is judged by validating before and after: both need a live check.
        if !r.validation.as_ref().is_some_and(|v| v.is_active()) {
            bail!("revocation needs an active validation block (to check before and after)");
        }
    }
    Ok(())
}

/// The rules shipped inside the binary.
pub fn embedded() -> Result<Vec<Rule>> {
    let mut all = Vec::new();
    for (name, text) in EMBEDDED_RULES {
        all.extend(parse_rules(text, &format!("{BUILTIN_ORIGIN}{name}"))?);
    }
    Ok(all)
}

/// Loads user rules from a YAML file or every `*.yml`/`*.yaml` in a directory.
pub fn load_path(path: &Path) -> Result<Vec<Rule>> {
    let meta = fs::metadata(path).with_context(|| format!("rules {}", path.display()))?;
    let files: Vec<PathBuf> = if meta.is_dir() {
        let mut v: Vec<PathBuf> = fs::read_dir(path)
            .with_context(|| format!("rules {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut all = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).with_context(|| format!("rules {}", f.display()))?;
        all.extend(parse_rules(&text, &f.display().to_string())?);
    }
    Ok(all)
}

/// The embedded catalogue plus user rule paths; a user rule with an existing id replaces it.
pub fn load_all(extra: &[PathBuf]) -> Result<Vec<Rule>> {
    let mut rules = embedded()?;
    for p in extra {
        for r in load_path(p)? {
            if let Some(slot) = rules.iter_mut().find(|x| x.id == r.id) {
                *slot = r;
            } else {
                rules.push(r);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for r in &rules {
        if !seen.insert(r.id.as_str()) {
            bail!("duplicate rule id {} (in {})", r.id, r.origin);
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_fields_and_bad_ids() {
        let bad = "rules:\n  - id: X\n    name: n\n    provider: p\n    pattern: '(?P<secret>a)'\n    keywords: [abc]\n    confidence: high\n    severity: high\n    remediation: r\n";
        assert!(parse_rules(bad, "t").is_err());
        let unknown = "rules:\n  - id: x\n    name: n\n    provider: p\n    pattern: '(?P<secret>a)'\n    keywords: [abc]\n    confidence: high\n    severity: high\n    remediation: r\n    colour: red\n";
        let err = format!("{:#}", parse_rules(unknown, "t.yml").unwrap_err());
        assert!(err.contains("t.yml"), "{err}");
        assert!(parse_rules("rules: [", "t").is_err());
    }

    #[test]
    fn embedded_catalogue_parses() {
        let rules = embedded().expect("embedded rules parse");
        assert!(!rules.is_empty());
    }
}
