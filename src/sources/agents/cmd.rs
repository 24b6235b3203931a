//! The `leakhound agents` and `leakhound redact` commands.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cli::{
    CommonArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, build_engine, finish_report, init_threads,
    load_config, scan_options,
};
use crate::finding::Finding;
use crate::progress::Progress;
use crate::scan::{Scanner, Summary};

use super::discover::{self, Roots};
use super::redact::{self, Plan, Stamp};
use super::{Options, collect_files, scan_paths};

/// `leakhound agents`
#[derive(Debug, Clone, Args)]
pub struct AgentsArgs {
    /// Transcript files or directories (default: every known agent location under $HOME and
    /// the current project's agent files).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Report every occurrence instead of one finding per secret.
    #[arg(long)]
    pub every_occurrence: bool,
    /// Levels of JSON-inside-a-string to expand.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub nest_depth: usize,
    /// Records (lines, documents, database values) larger than this many bytes are scanned as
    /// plain text, without JSON attribution [default: 32 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_record_size: Option<usize>,
}

/// `leakhound redact`
#[derive(Debug, Clone, Args)]
pub struct RedactArgs {
    /// Transcript files or directories (default: the same locations as `agents`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Keep no copy of the originals.
    #[arg(long, conflicts_with = "backup_dir")]
    pub no_backup: bool,
    /// Where to keep the originals (default: $XDG_STATE_HOME/leakhound/backups/<time>).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Audit log that gets one record per replaced secret (default:
    /// ~/.local/share/leakhound/audit.jsonl). Nothing is changed if it cannot be written.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Levels of JSON-inside-a-string to expand.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub nest_depth: usize,
    /// Records (lines, documents, database values) larger than this many bytes are scanned as
    /// plain text, without JSON attribution [default: 32 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_record_size: Option<usize>,
}

fn roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    if !paths.is_empty() {
        return paths.to_vec();
    }
    match Roots::from_env() {
        Some(r) => discover::default_paths(&r),
        None => Vec::new(),
    }
}

fn recount(summary: &mut Summary, findings: &[Finding]) {
    summary.findings = findings.len() as u64;
    summary.by_severity.clear();
    for f in findings {
        *summary
            .by_severity
            .entry(f.severity.as_str().to_string())
            .or_insert(0) += 1;
    }
}

/// Runs `leakhound agents`.
pub fn run_agents(args: AgentsArgs) -> Result<i32> {
    let common = &args.common;
    let config = load_config(common)?;
    init_threads(common.threads);
    let engine = build_engine(common, &config)?;
    let paths = roots(&args.paths);
    if args.paths.is_empty() && paths.is_empty() {
        eprintln!("no agent transcripts found in the default locations");
    }
    let opts = Options {
        nest_depth: args.nest_depth,
        max_record: args
            .max_record_size
            .or(config.scan.max_record_size)
            .unwrap_or(super::DEFAULT_MAX_RECORD)
            .max(1),
    };
    let scanner = Scanner::new(
        &engine,
        scan_options(common, &config)?,
        Progress::new(!common.no_progress, "agents"),
    );
    scan_paths(&paths, &scanner, &opts, None);
    let (findings, mut summary) = scanner.finish();
    let findings = if args.every_occurrence {
        findings
    } else {
        super::group::group(findings)
    };
    recount(&mut summary, &findings);
    finish_report("agents", findings, summary, &engine, &config, common)
}

fn default_backup_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| now.unix_timestamp().to_string());
    base.join("leakhound/backups").join(stamp)
}

fn confirm(n_files: usize, n: usize) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to rewrite {n_files} files without confirmation: pass --yes (or --dry-run)"
        );
    }
    eprint!("Replace {n} secrets in {n_files} files? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES"))
}

fn print_plan(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    for (path, edits) in &plan.files {
        let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
        for e in edits.iter().filter(|e| !e.marker.is_empty()) {
            *rules.entry(e.rule_id.as_str()).or_default() += 1;
        }
        let mut lines: Vec<u64> = edits.iter().map(|e| e.line).collect();
        lines.dedup();
        let shown: Vec<String> = lines.iter().take(12).map(u64::to_string).collect();
        let more = if lines.len() > 12 { ", …" } else { "" };
        let unit = if edits
            .iter()
            .any(|e| matches!(e.target, super::emit::Target::Sqlite { .. }))
        {
            "rows"
        } else {
            "lines"
        };
        writeln!(
            out,
            "{}: {} replacement{} on {unit} {}{more} ({})",
            path.display(),
            edits.len(),
            if edits.len() == 1 { "" } else { "s" },
            shown.join(", "),
            rules
                .iter()
                .map(|(r, n)| format!("{r} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    Ok(())
}

/// Appends one audit record per secret replaced (or not) in `path`.
fn audit(
    log: &Path,
    path: &Path,
    secrets: &[(String, String, u64)],
    result: &Result<redact::Done>,
) {
    let (outcome, detail) = match result {
        Ok(d) => (
            "redacted",
            d.backup
                .as_ref()
                .map(|b| format!("backup {}", b.display()))
                .unwrap_or_default(),
        ),
        Err(e) => ("error", format!("{e:#}")),
    };
    for (rule, fp, line) in secrets {
        let mut rec =
            crate::audit::Record::now("redact", rule, fp, &format!("{}:{line}", path.display()));
        rec.outcome = outcome.to_string();
        rec.detail = detail.clone();
        if let Err(err) = crate::audit::append(log, &rec) {
            eprintln!("warning: {err:#}");
            return;
        }
    }
}

/// Runs `leakhound redact`.
pub fn run_redact(args: RedactArgs) -> Result<i32> {
    let common = &args.common;
    let config = load_config(common)?;
    init_threads(common.threads);
    let engine = build_engine(common, &config)?;
    let paths = roots(&args.paths);
    let opts = Options {
        nest_depth: args.nest_depth,
        max_record: args
            .max_record_size
            .or(config.scan.max_record_size)
            .unwrap_or(super::DEFAULT_MAX_RECORD)
            .max(1),
    };
    let mut sopts = scan_options(common, &config)?;
    sopts.show_secrets = false;
    let scanner = Scanner::new(&engine, sopts, Progress::new(!common.no_progress, "redact"));
    // Stamp every file before scanning it, so a file that changes afterwards is refused.
    let files = collect_files(&paths, &scanner);
    let stamps: BTreeMap<PathBuf, Stamp> = files
        .iter()
        .filter_map(|p| Stamp::of(p).ok().map(|s| (p.clone(), s)))
        .collect();
    let edits = Mutex::new(Vec::new());
    scan_paths(&files, &scanner, &opts, Some(&edits));
    let (findings, summary) = scanner.finish();
    let mut edits = edits.into_inner().unwrap_or_else(|e| e.into_inner());
    // The allowlist applies to redaction as well.
    if !config.allowlist.fingerprints.is_empty() {
        let allowed: Vec<String> = findings
            .iter()
            .filter(|f| config.allowlist.fingerprints.contains(&f.fingerprint))
            .map(|f| super::emit::marker(&f.rule_id, &f.fingerprint))
            .collect();
        edits.retain(|e| !allowed.contains(&e.marker));
    }
    let plan = Plan::new(edits);
    if summary.files_scanned == 0 && summary.warnings > 0 {
        eprintln!("error: nothing could be scanned");
        return Ok(EXIT_ERROR);
    }
    if plan.is_empty() {
        println!(
            "nothing to redact: no secrets in {} files ({} bytes)",
            summary.files_scanned, summary.bytes_scanned
        );
        return Ok(EXIT_CLEAN);
    }
    let stdout = std::io::stdout();
    print_plan(&plan, &mut stdout.lock())?;
    // `--dry-run` is the shared flag (it also keeps validation from sending anything).
    if args.common.validation.dry_run {
        println!(
            "dry run: {} replacements in {} files; nothing changed",
            plan.len(),
            plan.files.len()
        );
        return Ok(EXIT_FINDINGS);
    }
    let audit_path = args
        .audit_log
        .clone()
        .unwrap_or_else(crate::audit::default_path);
    crate::audit::check_writable(&audit_path)
        .context("redaction needs an audit trail (--audit-log FILE); nothing changed")?;
    if !args.yes && !confirm(plan.files.len(), plan.len())? {
        println!("nothing changed");
        return Ok(EXIT_FINDINGS);
    }
    let backup_dir = if args.no_backup {
        None
    } else {
        Some(args.backup_dir.clone().unwrap_or_else(default_backup_dir))
    };
    let mut failed = 0usize;
    let mut done_files = 0usize;
    let mut replaced = 0usize;
    for (path, edits) in &plan.files {
        let Some(stamp) = stamps.get(path).copied() else {
            eprintln!(
                "warning: {}: not stamped before the scan; skipped",
                path.display()
            );
            failed += 1;
            continue;
        };
        let result = redact::redact_file(path, edits, stamp, backup_dir.as_deref());
        let secrets = plan
            .secrets
            .get(path)
            .map(Vec::as_slice)
            .unwrap_or_default();
        audit(&audit_path, path, secrets, &result);
        match result {
            Ok(d) => {
                done_files += 1;
                replaced += d.replaced;
                match &d.backup {
                    Some(b) => println!(
                        "redacted {}: {} replacements (original saved to {})",
                        path.display(),
                        d.replaced,
                        b.display()
                    ),
                    None => println!("redacted {}: {} replacements", path.display(), d.replaced),
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("warning: {e:#}");
            }
        }
    }
    println!(
        "{replaced} replacements in {done_files} files{}",
        if failed > 0 {
            format!("; {failed} files not changed (see warnings)")
        } else {
            String::new()
        }
    );
    if let Some(b) = backup_dir.filter(|b| Path::new(b).exists()) {
        println!("backups: {}", b.display());
    }
    Ok(if failed > 0 { EXIT_ERROR } else { EXIT_CLEAN })
}
