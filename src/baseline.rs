//! Baselines and imported ignore lists, so teams can adopt leakhound on old repositories:
//! findings already known are accepted, only new ones are reported.
//!
//! A baseline entry matches a finding by rule id, fingerprint and path, so moving a line does
//! not resurrect it, while the same secret leaking into a new file is reported.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// Current baseline format version.
pub const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Rule id.
    pub rule_id: String,
    /// Finding fingerprint (hash of rule id + secret).
    pub fingerprint: String,
    /// Path of the finding.
    pub path: String,
    /// Line when the baseline was made (informational).
    #[serde(default)]
    pub line: usize,
}

/// A baseline file (`leakhound baseline create`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// When it was made (RFC 3339).
    #[serde(default)]
    pub created: String,
    /// Accepted findings.
    pub entries: Vec<Entry>,
}

/// Either a baseline or a JSON report whose findings are accepted.
#[derive(Deserialize)]
#[serde(untagged)]
enum BaselineOrReport {
    Baseline(Baseline),
    Report { findings: Vec<ReportFinding> },
}

#[derive(Deserialize)]
struct ReportFinding {
    rule_id: String,
    fingerprint: String,
    location: ReportLocation,
}

#[derive(Deserialize)]
struct ReportLocation {
    path: String,
    #[serde(default)]
    line: usize,
}

fn normalize(p: &str) -> &str {
    p.strip_prefix("./").unwrap_or(p)
}

impl Baseline {
    /// A baseline accepting every finding given.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                rule_id: f.rule_id.clone(),
                fingerprint: f.fingerprint.clone(),
                path: normalize(&f.location.path).to_string(),
                line: f.location.line,
            })
            .collect();
        entries.sort_by(|a, b| (&a.path, a.line, &a.rule_id).cmp(&(&b.path, b.line, &b.rule_id)));
        entries.dedup_by(|a, b| {
            a.rule_id == b.rule_id && a.fingerprint == b.fingerprint && a.path == b.path
        });
        let created = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Baseline {
            version: VERSION,
            created,
            entries,
        }
    }

    /// Reads a baseline file, or a leakhound JSON report used as one.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("baseline {}: cannot read", path.display()))?;
        Baseline::parse(&text, &path.display().to_string())
    }

    /// Parses the text of a baseline (or of a JSON report used as one); `origin` names it in
    /// errors.
    pub fn parse(text: &str, origin: &str) -> Result<Baseline> {
        let parsed: BaselineOrReport = serde_json::from_str(text).with_context(|| {
            format!("baseline {origin}: not a leakhound baseline or JSON report")
        })?;
        match parsed {
            BaselineOrReport::Baseline(b) => {
                if b.version != VERSION {
                    bail!(
                        "baseline {origin}: unsupported version {} (expected {VERSION})",
                        b.version
                    );
                }
                Ok(b)
            }
            BaselineOrReport::Report { findings } => Ok(Baseline {
                version: VERSION,
                created: String::new(),
                entries: findings
                    .into_iter()
                    .map(|f| Entry {
                        rule_id: f.rule_id,
                        fingerprint: f.fingerprint,
                        path: normalize(&f.location.path).to_string(),
                        line: f.location.line,
                    })
                    .collect(),
            }),
        }
    }

    /// Whether `f` is already accepted.
    pub fn contains(&self, f: &Finding) -> bool {
        let path = normalize(&f.location.path);
        self.entries
            .iter()
            .any(|e| e.fingerprint == f.fingerprint && e.rule_id == f.rule_id && e.path == path)
    }
}

/// One line of a Gitleaks `.gitleaksignore`: `[commit:]path:rule:line`. Gitleaks rule ids differ
/// from leakhound's, so entries match on commit (when given), path and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitleaksIgnore {
    /// Commit the finding was in (git findings only).
    pub commit: Option<String>,
    /// File path.
    pub path: String,
    /// Line number.
    pub line: usize,
}

/// Parses a `.gitleaksignore`; comments and malformed lines are skipped (returned as warnings).
pub fn parse_gitleaksignore(text: &str) -> (Vec<GitleaksIgnore>, Vec<String>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = l.rsplitn(3, ':').collect();
        // parts = [line, rule, rest]
        let (Some(line), Some(_rule), Some(rest)) = (parts.first(), parts.get(1), parts.get(2))
        else {
            bad.push(format!("line {}: expected [commit:]path:rule:line", i + 1));
            continue;
        };
        let Ok(line) = line.parse::<usize>() else {
            bad.push(format!("line {}: bad line number", i + 1));
            continue;
        };
        let (commit, path) = match rest.split_once(':') {
            Some((c, p)) if c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                (Some(c.to_string()), p.to_string())
            }
            _ => (None, rest.to_string()),
        };
        out.push(GitleaksIgnore {
            commit,
            path: normalize(&path).to_string(),
            line,
        });
    }
    (out, bad)
}

impl GitleaksIgnore {
    /// Whether `f` is covered by this entry.
    pub fn matches(&self, f: &Finding) -> bool {
        if f.location.line != self.line || normalize(&f.location.path) != self.path {
            return false;
        }
        match &self.commit {
            None => true,
            Some(c) => serde_json::to_value(&f.source)
                .ok()
                .and_then(|v| v.get("commit").and_then(|x| x.as_str()).map(String::from))
                .is_some_and(|fc| fc.starts_with(c.as_str()) || c.starts_with(&fc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitleaksignore_lines_parse() {
        let (v, bad) = parse_gitleaksignore(
            "# comment\n\
             src/a.py:generic-api-key:12\n\
             0123456789abcdef0123456789abcdef01234567:cfg/b.env:aws-access-token:3\n\
             nonsense\n\
             x:y:notanumber\n",
        );
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].path, "src/a.py");
        assert_eq!(v[0].commit, None);
        assert_eq!(v[1].commit.as_deref().map(str::len), Some(40));
        assert_eq!(v[1].path, "cfg/b.env");
        assert_eq!(bad.len(), 2);
    }

    #[test]
    fn malformed_baselines_are_rejected_with_the_file_name() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("b.json");
        std::fs::write(&p, "{\"version\": 1}").unwrap();
        let e = format!("{:#}", Baseline::load(&p).unwrap_err());
        assert!(e.contains("b.json"), "{e}");
        std::fs::write(&p, "{\"version\": 9, \"entries\": []}").unwrap();
        assert!(Baseline::load(&p).is_err());
        std::fs::write(&p, "not json").unwrap();
        assert!(Baseline::load(&p).is_err());
        std::fs::write(&p, "{\"version\": 1, \"entries\": []}").unwrap();
        assert!(Baseline::load(&p).unwrap().entries.is_empty());
    }
}
