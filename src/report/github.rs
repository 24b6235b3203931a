//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding,
//! pointing at the file and line, with the secret redacted.

use std::io::Write;

use anyhow::Result;

use super::Report;
use crate::finding::Severity;

/// Escapes a workflow-command message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one annotation per finding.
pub fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    for f in &report.findings {
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let mut msg = format!(
            "{} ({}) {} fingerprint {}. {}",
            f.rule_name,
            f.rule_id,
            f.secret.redacted(),
            f.fingerprint,
            f.source.describe()
        );
        if let Some(v) = &f.validation {
            msg.push_str(&format!(". Validation: {}", v.status));
        }
        writeln!(
            out,
            "::{level} file={},line={},endLine={},col={},title={}::{}",
            escape_property(
                f.location
                    .path
                    .strip_prefix("./")
                    .unwrap_or(&f.location.path)
            ),
            f.location.line,
            f.location.end_line,
            f.location.column,
            escape_property(&format!("Leaked secret: {}", f.rule_name)),
            escape_data(&msg)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
