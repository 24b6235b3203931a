//! `leakhound validate --from REPORT`: re-checks the findings of an earlier JSON/JSONL report
//! (secrets are re-read from their files), then writes a report like any scanning command.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::{reread, stage};
use crate::cli::{CommonArgs, build_engine, init_threads, load_config, write_report};
use crate::finding::Finding;

/// `leakhound validate`
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Earlier report (`--format json` or `jsonl`; `-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Runs `leakhound validate --from REPORT`.
pub fn run(args: ValidateArgs) -> Result<i32> {
    let mut common = args.common;
    common.validation.validate = true;
    let config = load_config(&common)?;
    init_threads(common.threads);
    let engine = build_engine(&common, &config)?;
    let (mut findings, mut summary) = reread::load(&args.from)?;
    for w in reread::recover(&mut findings, &engine, common.show_secrets) {
        eprintln!("warning: {w}");
        summary.warnings += 1;
    }
    let (lost, mut found): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(reread::is_unrecovered);
    if let Some(v) = stage::run(&mut found, &engine, &common.validation)? {
        print_tally(&v);
    }
    found.extend(lost);
    found.sort_by(|a, b| a.report_order(b));
    summary.validation.clear();
    for f in &found {
        if let Some(v) = &f.validation {
            *summary.validation.entry(v.status.clone()).or_insert(0) += 1;
        }
    }
    summary.recount(&found);
    write_report("validate", found, summary, &engine, &common)
}

/// Prints the one-line validation tally to stderr.
pub fn print_tally(v: &crate::validate::RunSummary) {
    eprintln!(
        "validation: {} credential{} ({} cached, {} requests): {}",
        v.credentials,
        if v.credentials == 1 { "" } else { "s" },
        v.cached,
        v.requests,
        stage::tally(v)
    );
}
