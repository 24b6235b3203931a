//! Reports: render findings and the summary as text, JSON, JSONL or SARIF 2.1.0.

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::io::Write;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::finding::Finding;
use crate::scan::Summary;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, grouped by finding.
    Text,
    /// One JSON document with `findings` and `summary`.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// GitHub Actions annotations (`::error file=…,line=…::…`).
    Github,
    /// A Markdown summary table.
    Markdown,
}

/// Everything a report shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// leakhound version.
    pub version: String,
    /// The command that produced it (`scan`, `git`, `image`, `agents`).
    pub command: String,
    /// Sorted, deduplicated findings.
    pub findings: Vec<Finding>,
    /// Counters.
    pub summary: Summary,
    /// SARIF `automationDetails.id` (default `leakhound/<command>/`).
    #[serde(skip)]
    pub sarif_category: Option<String>,
}

impl Report {
    /// A report for `command`.
    pub fn new(command: &str, findings: Vec<Finding>, summary: Summary) -> Self {
        Report {
            version: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            findings,
            summary,
            sarif_category: None,
        }
    }
}

/// Writes `report` in `format` to `out`. The engine supplies rule metadata for SARIF.
pub fn render(format: Format, report: &Report, engine: &Engine, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Text => text::render(report, out),
        Format::Json => json::render(report, out),
        Format::Jsonl => json::render_lines(report, out),
        Format::Sarif => sarif::render(report, engine, out),
        Format::Github => github::render(report, out),
        Format::Markdown => markdown::render(report, out),
    }
}
