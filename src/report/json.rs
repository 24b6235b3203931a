//! JSON and JSONL reports. The schema is documented in the README.

use std::io::Write;

use anyhow::Result;

use super::Report;

/// One pretty-printed document: `{version, command, findings, summary}`.
pub fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}

/// One finding per line.
pub fn render_lines(report: &Report, out: &mut dyn Write) -> Result<()> {
    for f in &report.findings {
        serde_json::to_writer(&mut *out, f)?;
        writeln!(out)?;
    }
    Ok(())
}
