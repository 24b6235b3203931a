//! The human-readable report: one block per finding, then a summary.

use std::io::Write;

use anyhow::Result;

use super::Report;

/// Writes every finding with its location, masked snippet and remediation, then the summary.
pub fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    for f in &report.findings {
        writeln!(
            out,
            "{:<8} {}  [{}]",
            f.severity.as_str().to_uppercase(),
            f.rule_name,
            f.rule_id
        )?;
        writeln!(
            out,
            "  at       {}:{}:{}",
            f.location.path, f.location.line, f.location.column
        )?;
        let described = f.source.describe();
        if described != format!("file {}", f.location.path) {
            writeln!(out, "  source   {described}")?;
        }
        writeln!(
            out,
            "  secret   {}   fingerprint {}   confidence {}",
            f.secret,
            &f.fingerprint,
            f.confidence.as_str()
        )?;
        for (name, part) in &f.parts {
            writeln!(out, "  {name:<8} {part}")?;
        }
        if !f.decoding.is_empty() {
            writeln!(out, "  decoded  {}", f.decoding.join(" → "))?;
        }
        if let Some(v) = &f.validation {
            let reason = if v.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.reason)
            };
            writeln!(out, "  status   {}{reason}", v.status)?;
            for (k, val) in &v.identity {
                writeln!(out, "           {k}: {val}")?;
            }
        }
        if !f.snippet.is_empty() {
            writeln!(out, "  {:>6} | {}", f.location.line, f.snippet.trim())?;
        }
        let mut lines = f.remediation.lines();
        if let Some(first) = lines.next() {
            writeln!(out, "  fix      {first}")?;
            for l in lines {
                writeln!(out, "           {l}")?;
            }
        }
        writeln!(out)?;
    }
    let s = &report.summary;
    let sev: Vec<String> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|k| s.by_severity.get(*k).map(|n| format!("{n} {k}")))
        .collect();
    writeln!(
        out,
        "{} finding{}{} in {} files ({} bytes) in {} ms; skipped {} binary, {} too large, {} other; {} warning{}",
        s.findings,
        if s.findings == 1 { "" } else { "s" },
        if sev.is_empty() {
            String::new()
        } else {
            format!(" ({})", sev.join(", "))
        },
        s.files_scanned,
        s.bytes_scanned,
        s.duration_ms,
        s.skipped_binary,
        s.skipped_too_large,
        s.skipped_other,
        s.warnings,
        if s.warnings == 1 { "" } else { "s" },
    )?;
    if !s.limits.is_empty() {
        let l: Vec<String> = s
            .limits
            .iter()
            .map(|(k, n)| format!("--{k} {n}×"))
            .collect();
        writeln!(out, "limits hit: {}", l.join(", "))?;
    }
    if !s.validation.is_empty() {
        let v: Vec<String> = ["live", "live_restricted", "dead", "unknown"]
            .iter()
            .filter_map(|k| s.validation.get(*k).map(|n| format!("{n} {k}")))
            .collect();
        writeln!(out, "validation: {}", v.join(", "))?;
    }
    Ok(())
}
