//! SARIF 2.1.0 output that GitHub code scanning accepts: one reporting descriptor per rule that
//! fired, results with relative URIs against `%SRCROOT%`, stable partial fingerprints, and never
//! a full secret (SARIF files get uploaded; they always carry the redacted form).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path};

use anyhow::Result;
use serde_json::{Value, json};
use serde_sarif::sarif;
use sha2::{Digest, Sha256};

use super::Report;
use crate::engine::Engine;
use crate::finding::{Finding, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

/// Percent-encodes what a URI path may not hold verbatim.
fn encode_uri_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A relative URI (against `%SRCROOT%`, the current directory) or an absolute `file://` URI.
pub fn artifact_uri(path: &str) -> (String, Option<String>) {
    let p = Path::new(path);
    let rel = if p.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
    } else {
        Some(p.to_path_buf())
    };
    match rel {
        Some(r) => {
            let parts: Vec<String> = r
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    Component::ParentDir => Some("..".into()),
                    _ => None,
                })
                .collect();
            (
                encode_uri_path(&parts.join("/")),
                Some("%SRCROOT%".to_string()),
            )
        }
        None => (
            format!("file://{}", encode_uri_path(&p.to_string_lossy())),
            None,
        ),
    }
}

/// Stable across runs and line moves: the finding fingerprint plus the path.
fn partial_fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    h.update(f.fingerprint.as_bytes());
    h.update([0]);
    h.update(f.location.path.as_bytes());
    hex::encode(&h.finalize()[..16])
}

fn message_text(f: &Finding) -> String {
    let mut m = format!(
        "{} found: {} (fingerprint {}).",
        f.rule_name,
        f.secret.redacted(),
        f.fingerprint
    );
    if !f.decoding.is_empty() {
        m.push_str(&format!(" Decoded via {}.", f.decoding.join(" → ")));
    }
    if let Some(v) = &f.validation {
        m.push_str(&format!(" Validation: {}.", v.status));
    }
    m.push_str(&format!(" Source: {}.", f.source.describe()));
    m
}

/// Renders the report as SARIF 2.1.0. `automationDetails.id` is `leakhound/<command>/`.
pub fn render(report: &Report, engine: &Engine, out: &mut dyn Write) -> Result<()> {
    let category = report
        .sarif_category
        .clone()
        .unwrap_or_else(|| format!("leakhound/{}/", report.command));
    let doc = build(report, engine, &category)?;
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}

/// Builds the SARIF document as JSON with the given automation category.
pub fn build(report: &Report, engine: &Engine, category: &str) -> Result<Value> {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut descriptors = Vec::new();
    for f in &report.findings {
        if rule_index.contains_key(f.rule_id.as_str()) {
            continue;
        }
        let cr = engine.rules().iter().find(|r| r.rule.id == f.rule_id);
        let (references, tags, severity) = match cr {
            Some(r) => (
                r.rule.references.clone(),
                r.rule.tags.clone(),
                r.rule.severity,
            ),
            None => (Vec::new(), Vec::new(), f.severity),
        };
        let mut md = format!(
            "**{}** ({})\n\n{}\n",
            f.rule_name,
            f.provider,
            f.remediation.trim()
        );
        if !references.is_empty() {
            md.push_str("\nReferences:\n");
            for r in &references {
                md.push_str(&format!("- <{r}>\n"));
            }
        }
        let mut all_tags = vec!["security".to_string(), "secret".to_string()];
        all_tags.extend(tags);
        let mut props = BTreeMap::new();
        props.insert(
            "security-severity".to_string(),
            json!(severity.security_score()),
        );
        props.insert("precision".to_string(), json!(precision(f)));
        props.insert("provider".to_string(), json!(f.provider));
        let mut d = sarif::ReportingDescriptor::builder()
            .id(f.rule_id.clone())
            .name(rule_name_token(&f.rule_id))
            .short_description(
                sarif::MultiformatMessageString::builder()
                    .text(f.rule_name.clone())
                    .build(),
            )
            .full_description(
                sarif::MultiformatMessageString::builder()
                    .text(format!(
                        "{} ({}) leaked in plain text.",
                        f.rule_name, f.provider
                    ))
                    .build(),
            )
            .help(
                sarif::MultiformatMessageString::builder()
                    .text(f.remediation.trim().to_string())
                    .markdown(md)
                    .build(),
            )
            .properties(
                sarif::PropertyBag::builder()
                    .tags(all_tags)
                    .additional_properties(props)
                    .build(),
            )
            .build();
        if let Some(u) = references.first() {
            d.help_uri = Some(u.clone());
        }
        rule_index.insert(f.rule_id.as_str(), descriptors.len());
        descriptors.push(d);
    }

    let results: Vec<sarif::Result> = report
        .findings
        .iter()
        .map(|f| {
            let (uri, base) = artifact_uri(&f.location.path);
            let mut art = sarif::ArtifactLocation::builder().uri(uri).build();
            art.uri_base_id = base;
            let region = sarif::Region::builder()
                .start_line(f.location.line as i64)
                .start_column(f.location.column as i64)
                .end_line(f.location.end_line as i64)
                .end_column(f.location.end_column.max(1) as i64)
                .build();
            let loc = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(art)
                        .region(region)
                        .build(),
                )
                .build();
            let mut props = BTreeMap::new();
            props.insert("fingerprint".to_string(), json!(f.fingerprint));
            props.insert("confidence".to_string(), json!(f.confidence.as_str()));
            props.insert("severity".to_string(), json!(f.severity.as_str()));
            props.insert("secret".to_string(), json!(f.secret.redacted()));
            props.insert(
                "source".to_string(),
                serde_json::to_value(&f.source).unwrap_or(Value::Null),
            );
            if !f.decoding.is_empty() {
                props.insert("decoding".to_string(), json!(f.decoding));
            }
            if let Some(v) = &f.validation {
                props.insert(
                    "validation".to_string(),
                    serde_json::to_value(v).unwrap_or(Value::Null),
                );
            }
            let mut pf = BTreeMap::new();
            pf.insert(
                "leakhoundFingerprint/v1".to_string(),
                partial_fingerprint(f),
            );
            sarif::Result::builder()
                .rule_id(f.rule_id.clone())
                .rule_index(rule_index.get(f.rule_id.as_str()).copied().unwrap_or(0) as i64)
                .level(level(f.severity))
                .message(sarif::Message::builder().text(message_text(f)).build())
                .locations(vec![loc])
                .partial_fingerprints(pf)
                .properties(
                    sarif::PropertyBag::builder()
                        .additional_properties(props)
                        .build(),
                )
                .build()
        })
        .collect();

    let driver = sarif::ToolComponent::builder()
        .name("leakhound")
        .semantic_version(report.version.clone())
        .version(report.version.clone())
        .information_uri("https://github.com/leakhound/leakhound")
        .rules(descriptors)
        .build();
    let mut base_ids = BTreeMap::new();
    if let Ok(cwd) = std::env::current_dir() {
        let mut uri = format!("file://{}", encode_uri_path(&cwd.to_string_lossy()));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        base_ids.insert(
            "%SRCROOT%".to_string(),
            sarif::ArtifactLocation::builder().uri(uri).build(),
        );
    }
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .automation_details(
            sarif::RunAutomationDetails::builder()
                .id(category.to_string())
                .build(),
        )
        .original_uri_base_ids(base_ids)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    let doc = sarif::Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut doc = serde_json::to_value(doc)?;
    if let Some(run) = doc.pointer_mut("/runs/0").and_then(Value::as_object_mut) {
        let (invocation, summary) = summary_parts(report);
        run.insert("invocations".into(), json!([invocation]));
        run.insert("properties".into(), json!({ "summary": summary }));
    }
    Ok(doc)
}

/// The run's invocation (one notification per resource limit that cut the scan short) and the
/// scan summary for the run's property bag.
fn summary_parts(report: &Report) -> (Value, Value) {
    let s = &report.summary;
    let notes: Vec<Value> = s
        .limits
        .iter()
        .map(|(flag, n)| {
            json!({
                "level": "warning",
                "descriptor": { "id": format!("limit/{flag}") },
                "message": { "text": format!(
                    "--{flag} cut the scan short {n} time{} (see the warnings for which inputs).",
                    if *n == 1 { "" } else { "s" }
                ) },
            })
        })
        .collect();
    let nothing_scanned = s.files_scanned == 0 && s.errors > 0;
    let mut invocation = json!({ "executionSuccessful": !nothing_scanned });
    if !notes.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notes);
    }
    (invocation, serde_json::to_value(s).unwrap_or(Value::Null))
}

fn precision(f: &Finding) -> &'static str {
    match f.confidence {
        crate::finding::Confidence::High => "very-high",
        crate::finding::Confidence::Medium => "high",
        crate::finding::Confidence::Low => "medium",
    }
}

/// A SARIF `name` token: the rule id in CamelCase (`github.pat.classic` → `GithubPatClassic`).
fn rule_name_token(id: &str) -> String {
    id.split(['.', '_', '-'])
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            artifact_uri("./a b/c.env"),
            ("a%20b/c.env".to_string(), Some("%SRCROOT%".to_string()))
        );
        let (abs, base) = artifact_uri("/definitely/not/under/cwd");
        assert!(abs.starts_with("file:///definitely"));
        assert_eq!(base, None);
        assert_eq!(rule_name_token("github.pat.classic"), "GithubPatClassic");
    }
}
