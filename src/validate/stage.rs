//! The validation stage of the pipeline: the flags every scanning command shares, turning them
//! into [`Options`], and running validation over a finished scan's findings.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Args;

use super::http::HttpOptions;
use super::safety::Overrides;
use super::{Options, RunSummary, specs_by_rule, validate_findings};
use crate::engine::Engine;
use crate::finding::Finding;

/// Validation flags (flattened into every scanning command's `CommonArgs`).
#[derive(Debug, Clone, Default, Args)]
pub struct ValidateFlags {
    /// Check which found secrets are live, with each provider's read-only identity call.
    #[arg(long, help_heading = "Validation")]
    pub validate: bool,
    /// Also report what live secrets reach (identity, scopes, orgs); implies --validate.
    #[arg(long, help_heading = "Validation")]
    pub access_map: bool,
    /// Send what would go to https://HOST/... to URL/... instead (repeatable; also
    /// LEAKHOUND_VALIDATE_ENDPOINTS=HOST=URL,HOST=URL). For tests and self-hosted instances.
    #[arg(
        long = "validate-endpoint",
        help_heading = "Validation",
        value_name = "HOST=URL",
        env = "LEAKHOUND_VALIDATE_ENDPOINTS",
        value_delimiter = ','
    )]
    pub endpoints: Vec<String>,
    /// Dry run: send and change nothing. With validation, list which host would receive which
    /// secret; with `redact`, show what would change.
    #[arg(long, help_heading = "Validation")]
    pub dry_run: bool,
    /// Also try PostgreSQL connection strings (connect and authenticate only, never query).
    #[arg(long, help_heading = "Validation")]
    pub validate_databases: bool,
    /// Remember outcomes in FILE across runs (HMAC-keyed, mode 0600; live 1 h, dead 24 h).
    #[arg(long, help_heading = "Validation", value_name = "FILE")]
    pub validate_cache: Option<PathBuf>,
    /// Per-request timeout.
    #[arg(
        long,
        help_heading = "Validation",
        value_name = "SECS",
        default_value_t = 10.0
    )]
    pub validate_timeout: f64,
    /// Stop validating after this long; what is left is `unknown`.
    #[arg(
        long,
        help_heading = "Validation",
        value_name = "SECS",
        default_value_t = 120.0
    )]
    pub validate_deadline: f64,
    /// Requests in flight per provider host.
    #[arg(
        long,
        help_heading = "Validation",
        value_name = "N",
        default_value_t = 2
    )]
    pub validate_concurrency: usize,
    /// Attempts per request (retries only on connection errors, 429 and 5xx).
    #[arg(
        long,
        help_heading = "Validation",
        value_name = "N",
        default_value_t = 3,
        hide = true
    )]
    pub validate_attempts: u32,
    /// Most requests per second to one provider host (0: no limit).
    #[arg(
        long,
        help_heading = "Validation",
        value_name = "PER_SEC",
        default_value_t = 10.0
    )]
    pub validate_rate: f64,
}

impl ValidateFlags {
    /// Whether validation runs at all.
    pub fn enabled(&self) -> bool {
        self.validate || self.access_map || self.dry_run
    }

    /// Options for [`validate_findings`].
    pub fn options(&self) -> Result<Options> {
        let secs = |v: f64, name: &str| {
            if v.is_finite() && v > 0.0 && v < 86_400.0 {
                Ok(Duration::from_secs_f64(v))
            } else {
                bail!("--{name} must be a positive number of seconds")
            }
        };
        let timeout = secs(self.validate_timeout, "validate-timeout")?;
        let deadline = secs(self.validate_deadline, "validate-deadline")?;
        Ok(Options {
            access_map: self.access_map,
            dry_run: self.dry_run,
            databases: self.validate_databases,
            overrides: Overrides::parse(&self.endpoints)?,
            http: HttpOptions {
                request_timeout: timeout,
                connect_timeout: timeout.min(Duration::from_secs(5)),
                max_attempts: self.validate_attempts.clamp(1, 5),
                per_host_concurrency: self.validate_concurrency.clamp(1, 16),
                min_interval: if self.validate_rate > 0.0 && self.validate_rate.is_finite() {
                    Duration::from_secs_f64(1.0 / self.validate_rate.min(1000.0))
                } else {
                    Duration::ZERO
                },
                deadline: Instant::now() + deadline,
                ..HttpOptions::default()
            },
            cache: self.validate_cache.clone(),
            concurrency: 16,
        })
    }
}

/// Runs validation over `findings` when the flags ask for it, printing the dry-run plan and a
/// one-line tally to stderr. Returns `None` when validation is off.
pub fn run(
    findings: &mut [Finding],
    engine: &Engine,
    flags: &ValidateFlags,
) -> Result<Option<RunSummary>> {
    if !flags.enabled() {
        return Ok(None);
    }
    let opts = flags.options()?;
    let rules: Vec<&crate::rules::Rule> = engine.rules().iter().map(|r| &r.rule).collect();
    let specs = specs_by_rule(&rules);
    let warn = |m: &str| eprintln!("warning: {m}");
    let summary = validate_findings(findings, &specs, &opts, &warn)?;
    for line in &summary.plan {
        eprintln!("dry run: {line}");
    }
    if opts.dry_run {
        eprintln!(
            "dry run: {} credential{} would be checked; nothing was sent",
            summary.plan.len(),
            if summary.plan.len() == 1 { "" } else { "s" }
        );
    }
    Ok(Some(summary))
}

/// `live 2, dead 1, unknown 3` (findings per outcome).
pub fn tally(s: &RunSummary) -> String {
    ["live", "live_restricted", "dead", "unknown"]
        .iter()
        .filter_map(|k| s.by_outcome.get(*k).map(|n| format!("{n} {k}")))
        .collect::<Vec<_>>()
        .join(", ")
}
