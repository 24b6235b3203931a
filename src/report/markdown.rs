//! A Markdown summary (for `$GITHUB_STEP_SUMMARY` and tickets): a table of findings with
//! redacted secrets.

use std::io::Write;

use anyhow::Result;

use super::Report;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Writes a heading, a findings table and the counters.
pub fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    let s = &report.summary;
    if report.findings.is_empty() {
        writeln!(out, "### leakhound: no secrets found")?;
    } else {
        writeln!(
            out,
            "### leakhound: {} secret{} found",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" }
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| Severity | Rule | Location | Secret | Status | Fingerprint |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for f in &report.findings {
            writeln!(
                out,
                "| {} | {} (`{}`) | `{}:{}` | `{}` | {} | `{}` |",
                f.severity.as_str(),
                cell(&f.rule_name),
                f.rule_id,
                cell(
                    f.location
                        .path
                        .strip_prefix("./")
                        .unwrap_or(&f.location.path)
                ),
                f.location.line,
                cell(&f.secret.redacted()),
                f.validation
                    .as_ref()
                    .map_or("not checked".to_string(), |v| v.status.clone()),
                &f.fingerprint[..f.fingerprint.len().min(12)]
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Scanned {} files ({} bytes) in {} ms with {} rules; {} warnings.",
        s.files_scanned, s.bytes_scanned, s.duration_ms, s.rules, s.warnings
    )?;
    if !s.limits.is_empty() {
        let l: Vec<String> = s
            .limits
            .iter()
            .map(|(k, n)| format!("`--{k}` {n}×"))
            .collect();
        writeln!(out)?;
        writeln!(out, "Limits hit: {}.", l.join(", "))?;
    }
    Ok(())
}
