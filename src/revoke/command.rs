//! `leakhound revoke --from REPORT`: picks the secrets of an earlier JSON/JSONL report (by
//! rule and fingerprint), re-reads them from their sources, asks for confirmation (or `--yes`;
//! never silently on a non-terminal), revokes each one and reports what the provider says
//! afterwards. `--dry-run` prints every request that would be sent and sends nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::spec::RevocationSpec;
use super::{Credential, Revocation, Revoker, Settings, Status};
use crate::cli::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, build_engine_with, write_output};
use crate::config::Config;
use crate::engine::EngineOptions;
use crate::finding::Finding;
use crate::validate::http::{HttpOptions, SafeClient};
use crate::validate::reread;
use crate::validate::safety::Overrides;
use crate::validate::specs_by_rule;

/// Output formats of `revoke`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RevokeFormat {
    /// One block per secret.
    Text,
    /// A JSON document (`results`, `summary`).
    Json,
}

/// `leakhound revoke`
#[derive(Debug, Clone, Args)]
pub struct RevokeArgs {
    /// Earlier report (`--format json` or `jsonl`; `-` for stdin). Secrets are re-read from
    /// their files unless the report was written with --show-secrets.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Only secrets found by this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rule: Vec<String>,
    /// Only the secret with this fingerprint or fingerprint prefix (repeatable).
    #[arg(long, value_name = "FP")]
    pub fingerprint: Vec<String>,
    /// Print every request that would be sent (method, URL, where the secret goes); send
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Revoke without asking. Required when standard input is not a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Audit log (default: ~/.local/share/leakhound/audit.jsonl).
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Send what would go to https://HOST/... to URL/... instead (repeatable; also
    /// LEAKHOUND_VALIDATE_ENDPOINTS). Applies to validation and revocation requests.
    #[arg(
        long = "validate-endpoint",
        value_name = "HOST=URL",
        env = "LEAKHOUND_VALIDATE_ENDPOINTS",
        value_delimiter = ','
    )]
    pub endpoints: Vec<String>,
    /// Per-request timeout.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub validate_timeout: f64,
    /// Keep re-validating a revoked secret for up to this long until the provider says dead.
    #[arg(long, value_name = "SECS", default_value_t = 20.0)]
    pub revoke_wait: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RevokeFormat::Text)]
    pub format: RevokeFormat,
    /// Write the results to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Extra rule files or directories (the ones the report was scanned with).
    #[arg(long = "rules", value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Configuration file (default: .leakhound.toml in the current directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Counts per status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Status name → secrets.
    pub by_status: BTreeMap<String, usize>,
    /// Requests sent (validation and revocation, retries included).
    pub requests: u64,
}

#[derive(Serialize)]
struct Document<'a> {
    results: &'a [Revocation],
    summary: &'a Tally,
}

fn secs(v: f64, name: &str, zero_ok: bool) -> Result<Duration> {
    if v.is_finite() && (v > 0.0 || (zero_ok && v == 0.0)) && v < 86_400.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        bail!("--{name} must be a positive number of seconds")
    }
}

/// Groups findings by fingerprint (one credential each), keeping every place it leaked.
pub fn credentials(findings: &[&Finding]) -> Vec<Credential> {
    let mut by_fp: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_fp.entry(f.fingerprint.as_str()).or_default().push(f);
    }
    let mut out: Vec<Credential> = by_fp
        .into_values()
        .filter_map(|fs| {
            let usable: Vec<&&Finding> = fs
                .iter()
                .filter(|f| !reread::is_unrecovered(f) && f.secret.is_known())
                .collect();
            let best = usable
                .iter()
                .max_by_key(|f| f.parts.values().filter(|p| p.is_known()).count())
                .copied()
                .or(fs.first())?;
            let unusable = if usable.is_empty() {
                Some(
                    best.validation
                        .as_ref()
                        .map(|v| v.reason.clone())
                        .unwrap_or_else(|| "the secret could not be re-read".into()),
                )
            } else {
                None
            };
            let places = fs
                .iter()
                .map(|f| {
                    format!(
                        "{}:{} ({})",
                        f.location.path,
                        f.location.line,
                        f.source.describe()
                    )
                })
                .collect();
            Some(Credential {
                rule_id: best.rule_id.clone(),
                fingerprint: best.fingerprint.clone(),
                secret: best.secret.expose().to_string(),
                shown: best.secret.redacted(),
                parts: best
                    .parts
                    .iter()
                    .filter(|(_, v)| v.is_known())
                    .map(|(k, v)| (k.clone(), v.expose().to_string()))
                    .collect(),
                places,
                unusable,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.rule_id, &a.places).cmp(&(&b.rule_id, &b.places)));
    out
}

/// Asks on `out` and reads the answer from `input`; only `yes` proceeds.
pub fn confirm(lines: &[String], input: &mut dyn BufRead, out: &mut dyn Write) -> bool {
    let n = lines.len();
    let _ = writeln!(
        out,
        "leakhound will revoke {n} secret{}. This cannot be undone: whatever uses {} stops working.",
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" }
    );
    for (i, l) in lines.iter().enumerate() {
        let _ = writeln!(out, "  {}. {l}", i + 1);
    }
    let _ = write!(
        out,
        "Type \"yes\" to revoke {}: ",
        if n == 1 { "it" } else { "them" }
    );
    let _ = out.flush();
    let mut answer = String::new();
    if input.read_line(&mut answer).is_err() {
        return false;
    }
    answer.trim().eq_ignore_ascii_case("yes")
}

/// A finding of a rule without revocation whose secret is a part of a revoked credential
/// (an AWS key id next to its secret key) shares that credential's fate.
fn follow_pairs(creds: &[Credential], results: &mut [Revocation]) {
    for i in 0..creds.len() {
        if results[i].status != Status::NotRevocable {
            continue;
        }
        let owner = creds.iter().enumerate().find(|(j, c)| {
            *j != i
                && results[*j].status != Status::NotRevocable
                && c.parts.values().any(|p| p == &creds[i].secret)
        });
        if let Some((j, c)) = owner {
            results[i].status = results[j].status;
            results[i].reason = format!(
                "goes with {} {} (its paired secret): {}",
                c.rule_id,
                short(&c.fingerprint),
                results[j].reason
            );
        }
    }
}

fn short(fp: &str) -> &str {
    &fp[..fp.len().min(12)]
}

/// Runs `leakhound revoke`.
pub fn run(args: RevokeArgs) -> Result<i32> {
    let (config, warnings) = Config::discover(args.config.as_deref(), Path::new("."))?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let timeout = secs(args.validate_timeout, "validate-timeout", false)?;
    let wait = secs(args.revoke_wait, "revoke-wait", true)?;
    let overrides = Overrides::parse(&args.endpoints)?;
    let engine = build_engine_with(&args.rules, &config, EngineOptions::default())?;
    let (mut findings, _) = reread::load(&args.from)?;
    // Findings whose secret cannot be re-read are marked; they are reported, never sent.
    reread::recover(&mut findings, &engine, false);
    let filtered = !args.rule.is_empty() || !args.fingerprint.is_empty();
    let selected: Vec<&Finding> = findings
        .iter()
        .filter(|f| args.rule.is_empty() || args.rule.contains(&f.rule_id))
        .filter(|f| {
            args.fingerprint.is_empty()
                || args
                    .fingerprint
                    .iter()
                    .any(|p| !p.is_empty() && f.fingerprint.starts_with(p.as_str()))
        })
        .collect();
    if filtered && selected.is_empty() {
        eprintln!(
            "error: no finding in {} matches the --rule/--fingerprint filters",
            args.from.display()
        );
        return Ok(EXIT_ERROR);
    }
    for f in selected.iter().filter(|f| reread::is_unrecovered(f)) {
        eprintln!(
            "warning: {}:{}: {}: {}; it cannot be revoked from here",
            f.location.path,
            f.location.line,
            f.rule_id,
            f.validation
                .as_ref()
                .map(|v| v.reason.as_str())
                .unwrap_or("secret could not be re-read")
        );
    }
    let creds = credentials(&selected);
    let rules: Vec<&crate::rules::Rule> = engine.rules().iter().map(|r| &r.rule).collect();
    let validators = specs_by_rule(&rules);
    let revocations: HashMap<String, RevocationSpec> = rules
        .iter()
        .filter_map(|r| r.revocation.clone().map(|v| (r.id.clone(), v)))
        .collect();
    let http = HttpOptions {
        request_timeout: timeout,
        connect_timeout: timeout.min(Duration::from_secs(5)),
        deadline: Instant::now() + Duration::from_secs(6 * 3600),
        ..HttpOptions::default()
    };
    let client = SafeClient::new(overrides, http)?;
    let audit_log = args
        .audit_log
        .clone()
        .unwrap_or_else(crate::audit::default_path);
    let warn = |m: &str| eprintln!("warning: {m}");
    let revoker = Revoker::new(
        &client,
        &validators,
        &revocations,
        Settings {
            wait,
            audit_log: audit_log.clone(),
        },
        &warn,
    );
    let to_revoke: Vec<&Credential> = creds
        .iter()
        .filter(|c| c.unusable.is_none() && revoker.can_revoke(&c.rule_id))
        .collect();
    if !to_revoke.is_empty() {
        crate::audit::check_writable(&audit_log)
            .context("revocation needs an audit trail (--audit-log FILE)")?;
    }
    let mut results: Vec<Revocation> = Vec::with_capacity(creds.len());
    if args.dry_run {
        results.extend(creds.iter().map(|c| revoker.dry_run(c)));
    } else {
        if !to_revoke.is_empty() && !args.yes {
            let lines: Vec<String> = to_revoke
                .iter()
                .map(|c| {
                    let r = revocations.get(&c.rule_id);
                    format!(
                        "{} {} at {} (fingerprint {}) -> {} {}{}",
                        c.rule_id,
                        c.shown,
                        c.location(),
                        c.fingerprint,
                        r.map(RevocationSpec::method_name).unwrap_or_default(),
                        r.and_then(RevocationSpec::host).unwrap_or_default(),
                        r.and_then(|r| r.note.as_deref())
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            if !std::io::stdin().is_terminal() {
                eprintln!(
                    "error: refusing to revoke {} secret{} without confirmation: standard input is not a terminal.\n       Review the requests with --dry-run, then re-run with --yes.",
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" }
                );
                return Ok(EXIT_ERROR);
            }
            let stdin = std::io::stdin();
            if !confirm(&lines, &mut stdin.lock(), &mut std::io::stderr()) {
                eprintln!("aborted: nothing was revoked");
                return Ok(EXIT_ERROR);
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("revoke: cannot start the async runtime")?;
        let total = to_revoke.len();
        let mut done = 0;
        for c in &creds {
            if c.unusable.is_none() && revoker.can_revoke(&c.rule_id) {
                done += 1;
                eprintln!("revoking {done}/{total}: {} at {}", c.rule_id, c.location());
            }
            results.push(rt.block_on(revoker.revoke(c)));
        }
    }
    follow_pairs(&creds, &mut results);
    let mut tally = Tally {
        requests: client.requests_sent(),
        ..Tally::default()
    };
    for r in &results {
        *tally
            .by_status
            .entry(r.status.as_str().to_string())
            .or_insert(0) += 1;
    }
    write_output(args.output.as_ref(), |w| {
        match args.format {
            RevokeFormat::Json => {
                serde_json::to_writer_pretty(
                    &mut *w,
                    &Document {
                        results: &results,
                        summary: &tally,
                    },
                )?;
                writeln!(w)?;
            }
            RevokeFormat::Text => render_text(w, &results, &tally, args.dry_run)?,
        }
        Ok(())
    })?;
    Ok(
        if args.dry_run || results.iter().all(|r| r.status.is_dead()) {
            EXIT_CLEAN
        } else {
            EXIT_FINDINGS
        },
    )
}

/// The text report: one block per secret, then the tally.
pub fn render_text(
    w: &mut dyn Write,
    results: &[Revocation],
    tally: &Tally,
    dry_run: bool,
) -> Result<()> {
    if results.is_empty() {
        writeln!(w, "Nothing to revoke.")?;
        return Ok(());
    }
    for (i, r) in results.iter().enumerate() {
        writeln!(
            w,
            "{}. [{}] {} {} fingerprint {}",
            i + 1,
            r.status.label(),
            r.rule_id,
            r.secret,
            r.fingerprint
        )?;
        for p in &r.places {
            writeln!(w, "   at {p}")?;
        }
        if !r.reason.is_empty() && (r.status != Status::DryRun || r.plan.is_empty()) {
            writeln!(w, "   {}", r.reason)?;
        }
        if let Some(b) = &r.before {
            writeln!(w, "   before: {b}")?;
        }
        if let Some(a) = &r.after {
            writeln!(w, "   after:  {a}")?;
        }
        for (n, step) in r.plan.iter().enumerate() {
            writeln!(w, "   {}. {step}", n + 1)?;
        }
    }
    let parts: Vec<String> = [
        Status::Revoked,
        Status::AlreadyDead,
        Status::RequestedStillLive,
        Status::RequestedUnknown,
        Status::NotRevoked,
        Status::NotRevocable,
        Status::DryRun,
    ]
    .iter()
    .filter_map(|s| {
        tally
            .by_status
            .get(s.as_str())
            .map(|n| format!("{n} {}", s.label()))
    })
    .collect();
    writeln!(
        w,
        "{} secret{}: {} ({} requests sent)",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        parts.join(", "),
        tally.requests
    )?;
    if dry_run {
        writeln!(
            w,
            "Dry run: nothing was sent. Re-run without --dry-run to revoke (with --yes when standard input is not a terminal)."
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_confirms() {
        let lines = vec!["github.pat.classic ghp_ab…(40 chars) at a.py:1".to_string()];
        for (answer, ok) in [
            ("yes\n", true),
            ("YES\n", true),
            ("y\n", false),
            ("\n", false),
            ("", false),
        ] {
            let mut out = Vec::new();
            let got = confirm(&lines, &mut answer.as_bytes(), &mut out);
            assert_eq!(got, ok, "{answer:?}");
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("1. github.pat.classic") && text.contains("cannot be undone"));
        }
    }
}
