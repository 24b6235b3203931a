//! `leakhound validate --from REPORT`: reads the findings of an earlier JSON or JSONL report and
//! recovers each secret — reports hold redacted secrets — by re-scanning the file at the
//! finding's location and matching rule id and fingerprint.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::engine::Engine;
use crate::finding::{Finding, fingerprint};
use crate::progress::Progress;
use crate::report::Report;
use crate::scan::{ScanOptions, Scanner, Summary};
use crate::sources::fs::scan_file;

/// Reads a JSON report (`{findings, summary}`), a JSON array of findings, or JSONL findings
/// (`-` reads stdin).
pub fn load(path: &Path) -> Result<(Vec<Finding>, Summary)> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("--from -: cannot read stdin")?;
    } else {
        text = std::fs::read_to_string(path)
            .with_context(|| format!("--from {}: cannot read", path.display()))?;
    }
    let name = path.display();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(r) = serde_json::from_str::<Report>(&text) {
            return Ok((r.findings, r.summary));
        }
        if trimmed.contains("\"runs\"") && trimmed.contains("\"$schema\"") {
            bail!(
                "--from {name}: SARIF reports hold no locations precise enough to re-read secrets; use --format json"
            );
        }
        // JSONL: one finding per line.
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let f: Finding = serde_json::from_str(line)
                .with_context(|| format!("--from {name}: line {} is not a finding", i + 1))?;
            out.push(f);
        }
        return Ok((out, Summary::default()));
    }
    if trimmed.starts_with('[') {
        let f: Vec<Finding> = serde_json::from_str(&text)
            .with_context(|| format!("--from {name}: not a JSON array of findings"))?;
        return Ok((f, Summary::default()));
    }
    bail!("--from {name}: expected a leakhound JSON or JSONL report")
}

/// Puts the real secret (and parts) back into every finding it can; returns one warning per
/// finding whose secret could not be recovered (those keep their redacted secret and are
/// reported as `unknown`).
pub fn recover(findings: &mut [Finding], engine: &Engine, show_secrets: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut rescans: HashMap<String, Option<Vec<Finding>>> = HashMap::new();
    for f in findings.iter_mut() {
        // A report written with --show-secrets already holds the value.
        if fingerprint(&f.rule_id, f.secret.expose()) == f.fingerprint {
            f.secret = crate::finding::Secret::new(f.secret.expose().to_string(), show_secrets);
            continue;
        }
        let path = f.location.path.clone();
        let found = rescans
            .entry(path.clone())
            .or_insert_with(|| rescan(Path::new(&path), engine));
        let hit = found.as_ref().and_then(|all| {
            let same: Vec<&Finding> = all
                .iter()
                .filter(|g| g.rule_id == f.rule_id && g.fingerprint == f.fingerprint)
                .collect();
            same.iter()
                .find(|g| g.location.offset == f.location.offset)
                .or(same.first())
                .copied()
        });
        match hit {
            Some(g) => {
                f.secret = crate::finding::Secret::new(g.secret.expose().to_string(), show_secrets);
                f.parts = g
                    .parts
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            crate::finding::Secret::new(v.expose().to_string(), show_secrets),
                        )
                    })
                    .collect();
            }
            None => {
                let why = if found.is_none() {
                    "the file is not readable here"
                } else {
                    "the secret is no longer at that location"
                };
                warnings.push(format!(
                    "{}:{}: {} ({}): cannot re-read the secret: {why}; reported as unknown",
                    f.location.path,
                    f.location.line,
                    f.rule_id,
                    f.source.describe()
                ));
                f.validation = Some(crate::finding::Validation {
                    status: "unknown".into(),
                    reason: format!("secret could not be re-read: {why}"),
                    identity: Default::default(),
                });
            }
        }
    }
    warnings
}

/// Marker reason set by [`recover`] on findings it could not restore.
pub fn is_unrecovered(f: &Finding) -> bool {
    f.validation
        .as_ref()
        .is_some_and(|v| v.reason.starts_with("secret could not be re-read"))
}

fn rescan(path: &Path, engine: &Engine) -> Option<Vec<Finding>> {
    if !path.is_file() {
        return None;
    }
    let scanner = Scanner::new(engine, ScanOptions::default(), Progress::hidden());
    scan_file(path, &scanner);
    let (found, summary) = scanner.finish();
    (summary.errors == 0).then_some(found)
}
