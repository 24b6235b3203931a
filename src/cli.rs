//! Command-line interface: argument parsing, the shared scan pipeline (rules → engine → source →
//! findings → report) and exit codes.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::engine::{Engine, EngineOptions};
use crate::finding::{Finding, Severity};
use crate::progress::Progress;
use crate::report::{self, Format, Report};
use crate::rules;
use crate::scan::{ScanOptions, Scanner, Summary};
use crate::sources::fs::{self as fs_source, DEFAULT_SKIP_DIRS, WalkOptions};
use crate::sources::git::{self as git_source, GitOptions};

/// Exit code: no findings at or above `--fail-on`.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: nothing could be scanned, or a usage/configuration error.
pub const EXIT_ERROR: i32 = 2;

/// leakhound finds leaked secrets in files, git history, container images and AI-agent
/// transcripts.
#[derive(Debug, Parser)]
#[command(name = "leakhound", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory).
    Scan(ScanArgs),
    /// Scan container images: config Env, labels, build history and every layer.
    Image(ImageArgs),
    /// Scan git history: every unique blob once, attributed to the commits that introduced it.
    Git(GitArgs),
    /// Scan AI-agent transcripts, trace logs and MCP configs with exact attribution (default:
    /// every known agent location under $HOME).
    Agents(crate::sources::agents::cmd::AgentsArgs),
    /// Rewrite agent transcripts with their secrets replaced, keeping every file valid.
    Redact(crate::sources::agents::cmd::RedactArgs),
    /// Re-check the findings of an earlier JSON/JSONL report (secrets are re-read from their
    /// files).
    Validate(crate::validate::command::ValidateArgs),
    /// List or check the rule catalogue.
    Rules {
        /// What to do with the rules.
        #[command(subcommand)]
        action: RulesAction,
    },
    /// Accept today's findings so only new ones are reported (`--baseline FILE`).
    Baseline {
        /// What to do.
        #[command(subcommand)]
        action: BaselineAction,
    },
    /// Re-render a JSON report in another format (annotations, Markdown, SARIF, …).
    Report(ReportArgs),
    /// Revoke leaked secrets of a JSON report with the secrets themselves (validates before
    /// and after; asks first).
    Revoke(crate::revoke::command::RevokeArgs),
    /// Print a remediation plan for the findings of a JSON report.
    Remediate {
        /// A JSON report written by `--format json`.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Plan format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the audit log of revocations (with their validations and dry runs) and redactions.
    Audit {
        /// Audit log (default: ~/.local/share/leakhound/audit.jsonl).
        #[arg(long, value_name = "FILE")]
        audit_log: Option<PathBuf>,
        /// Only records of this fingerprint (prefix).
        #[arg(long, value_name = "FP")]
        fingerprint: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Install a git pre-commit hook that blocks commits adding secrets.
    InstallHook {
        /// Repository (default: the one containing the current directory).
        #[arg(long, value_name = "PATH", default_value = ".")]
        repo: PathBuf,
        /// Replace an existing pre-commit hook not written by leakhound.
        #[arg(long)]
        force: bool,
    },
}

/// `baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Scan like `leakhound scan` and write a baseline of every finding (stdout or -o FILE).
    Create(ScanArgs),
}

/// `leakhound report`
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// A JSON report written by `--format json`.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// SARIF `automationDetails.id` category.
    #[arg(long, value_name = "ID")]
    pub sarif_category: Option<String>,
    /// Exit 1 when the report holds findings at or above this level (default: never).
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// List every rule.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Extra rule files or directories.
        #[arg(long = "rules", value_name = "FILE|DIR")]
        rules: Vec<PathBuf>,
        /// Only rules with a live validator, with the host they call.
        #[arg(long)]
        validated: bool,
        /// Only rules whose leaked secrets `leakhound revoke` can revoke.
        #[arg(long, conflicts_with = "validated")]
        revocable: bool,
    },
    /// Compile every rule and run its examples and negative examples.
    Check {
        /// Extra rule files or directories.
        #[arg(long = "rules", value_name = "FILE|DIR")]
        rules: Vec<PathBuf>,
    },
}

/// Formats of `remediate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Plain text.
    Text,
    /// Markdown with checklists, for tickets.
    Markdown,
}

/// Formats of `rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One rule per line.
    Text,
    /// A JSON array.
    Json,
}

/// When to exit with code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Any,
    /// Findings of severity low or above.
    Low,
    /// Medium or above.
    Medium,
    /// High or above.
    High,
    /// Critical only.
    Critical,
    /// Never (always exit 0 unless nothing could be scanned).
    Never,
    /// Only secrets validation found live (needs --validate).
    Live,
}

impl FailOn {
    fn trips(self, findings: &[Finding]) -> bool {
        let min = match self {
            FailOn::Any => return !findings.is_empty(),
            FailOn::Never => return false,
            FailOn::Live => {
                return findings.iter().any(|f| {
                    f.validation.as_ref().is_some_and(|v| {
                        crate::validate::spec::Outcome::parse(&v.status)
                            .is_some_and(|o| o.is_live())
                    })
                });
            }
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        };
        findings.iter().any(|f| f.severity >= min)
    }
}

/// Flags every scanning command shares.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Output format (default: text).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show full secrets in the report (never in SARIF).
    #[arg(long)]
    pub show_secrets: bool,
    /// Exit 1 only for findings at or above this level.
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Never draw the progress display.
    #[arg(long)]
    pub no_progress: bool,
    /// Configuration file (default: .leakhound.toml at the scan root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report only findings not in this baseline (or earlier JSON report).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// SARIF `automationDetails.id` (default: leakhound/<command>/).
    #[arg(long, value_name = "ID")]
    pub sarif_category: Option<String>,
    /// Extra rule files or directories (YAML, same schema as rules/*.yml).
    #[arg(long = "rules", value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Also report tokens whose checksum is wrong (forensics).
    #[arg(long)]
    pub include_invalid_checksums: bool,
    /// How many nested encodings (JSON escapes, base64, percent) to undo [default: 2].
    #[arg(long, value_name = "N")]
    pub decode_depth: Option<usize>,
    /// Keep at most N findings per file [default: 1000].
    #[arg(long, value_name = "N")]
    pub max_findings_per_file: Option<usize>,
    /// Skip files and blobs larger than this many bytes; 0: no limit [default: 1 GiB; git:
    /// 100 MB, GitHub's limit].
    #[arg(long, value_name = "BYTES", alias = "max-blob-size")]
    pub max_file_size: Option<u64>,
    /// Stop scanning one file, blob or transcript after this many seconds, keeping what was
    /// found; 0: never [default: 300].
    #[arg(long, value_name = "SECS")]
    pub timeout_per_target: Option<f64>,
    /// Live validation and the access map.
    #[command(flatten)]
    pub validation: crate::validate::stage::ValidateFlags,
}

/// `leakhound scan`
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files and directories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Honour .gitignore/.ignore files (by default ignored files are scanned too).
    #[arg(long)]
    pub respect_gitignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Search printable strings of binary files instead of skipping them.
    #[arg(long)]
    pub scan_binary: bool,
    /// Skip directories with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub skip_dir: Vec<String>,
    /// Do not skip the built-in noise directories (node_modules, __pycache__, …).
    #[arg(long)]
    pub no_default_skips: bool,
    /// Exclude paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Bytes per chunk when streaming large files.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20, hide = true)]
    pub chunk_size: usize,
}

/// `leakhound git`
#[derive(Debug, Clone, Args)]
pub struct GitArgs {
    /// Repositories (working trees, bare or mirror clones). Default: the repository
    /// containing the current directory.
    #[arg(value_name = "REPO", default_value = ".")]
    pub repos: Vec<PathBuf>,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Scan only history reachable from this ref or revision (repeatable; default: every
    /// ref, or HEAD with --since-commit).
    #[arg(long, value_name = "REF")]
    pub branch: Vec<String>,
    /// Scan only commits not reachable from this revision (CI: the base of a pull request).
    #[arg(long, value_name = "REV")]
    pub since_commit: Option<String>,
    /// Scan the index (what the next commit would contain) instead of history.
    #[arg(long, conflicts_with_all = ["branch", "since_commit", "all_objects"])]
    pub staged: bool,
    /// Also scan objects no ref reaches (dangling commits and blobs not yet garbage-collected).
    #[arg(long)]
    pub all_objects: bool,
    /// Search printable strings of binary blobs instead of skipping them.
    #[arg(long)]
    pub scan_binary: bool,
}

/// Default `--max-blob-size`: larger files cannot be pushed to GitHub at all.
pub const DEFAULT_MAX_BLOB_SIZE: u64 = 100 << 20;

/// `leakhound image`
#[derive(Debug, Clone, Args)]
#[command(after_help = "REF forms:
  docker-archive:FILE[:REPO:TAG]   `docker save` output (.tar, .tar.gz, .tar.zst)
  oci:DIR[:TAG]                    OCI image layout directory
  oci-archive:FILE[:TAG]           OCI image layout in a tar
  docker-daemon:NAME[:TAG]         the local Docker engine (DOCKER_HOST honoured)
  [registry:]HOST/REPO[:TAG|@DIGEST]  a registry (plain names mean Docker Hub)")]
pub struct ImageArgs {
    /// Images to scan (see REF forms below).
    #[arg(value_name = "REF", required = true)]
    pub images: Vec<String>,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Only this platform of multi-platform images (os/arch[/variant]; default: all).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Registry user name (with --registry-password-stdin).
    #[arg(long, value_name = "USER")]
    pub registry_user: Option<String>,
    /// Read the registry password or token from standard input.
    #[arg(long, requires = "registry_user")]
    pub registry_password_stdin: bool,
    /// Allow plain HTTP to this registry (repeatable; loopback registries always may).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub insecure_registry: Vec<String>,
    /// Directory of the Docker client's config.json (default: $DOCKER_CONFIG or ~/.docker).
    #[arg(long, value_name = "DIR")]
    pub docker_config: Option<PathBuf>,
    /// Search printable strings of binary files instead of skipping them.
    #[arg(long)]
    pub scan_binary: bool,
    /// Stop decompressing a layer after this many bytes; 0: no limit [default: 16 GiB].
    #[arg(long, value_name = "BYTES")]
    pub max_layer_bytes: Option<u64>,
    /// Stop decompressing an image after this many bytes in all; 0: no limit [default: 64
    /// GiB].
    #[arg(long, value_name = "BYTES")]
    pub max_image_bytes: Option<u64>,
}

/// Entry point: parses arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    EXIT_CLEAN
                }
                _ => EXIT_ERROR,
            };
        }
    };
    if let Err(e) = crate::interrupt::install() {
        eprintln!("warning: Ctrl-C will not clean up temporary files: {e}");
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_ERROR
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Image(args) => run_image(args),
        Command::Git(args) => run_git(args),
        Command::Agents(args) => crate::sources::agents::cmd::run_agents(args),
        Command::Redact(args) => crate::sources::agents::cmd::run_redact(args),
        Command::Validate(args) => crate::validate::command::run(args),
        Command::Rules { action } => run_rules(action),
        Command::Baseline {
            action: BaselineAction::Create(args),
        } => run_baseline_create(args),
        Command::Report(args) => run_report(args),
        Command::Revoke(args) => crate::revoke::command::run(args),
        Command::Remediate {
            from,
            format,
            output,
        } => {
            let report = read_report(&from)?;
            let items = crate::remediate::plan(&report.findings);
            let revoke = crate::remediate::RevokeHint {
                by_rule: crate::revoke::listing::by_rule(&rules::embedded()?),
                report: from.display().to_string(),
            };
            let text = match format {
                PlanFormat::Text => crate::remediate::render_text(&items, &revoke),
                PlanFormat::Markdown => crate::remediate::render_markdown(&items, &revoke),
            };
            write_output(output.as_ref(), |w| Ok(w.write_all(text.as_bytes())?))?;
            Ok(EXIT_CLEAN)
        }
        Command::Audit {
            audit_log,
            fingerprint,
            format,
        } => run_audit(audit_log, fingerprint, format),
        Command::InstallHook { repo, force } => {
            let path = crate::hook::install(&repo, force)?;
            println!("installed {}", path.display());
            Ok(EXIT_CLEAN)
        }
    }
}

/// Loads the configuration, the rule catalogue and compiles the engine.
pub fn build_engine(common: &CommonArgs, config: &Config) -> Result<Engine> {
    let opts = EngineOptions {
        decode_depth: common
            .decode_depth
            .or(config.scan.decode_depth)
            .unwrap_or(EngineOptions::default().decode_depth),
        include_invalid_checksums: common.include_invalid_checksums,
        ..EngineOptions::default()
    };
    build_engine_with(&common.rules, config, opts)
}

/// Compiles the catalogue plus `rules` paths and the configuration's rules and toggles.
pub fn build_engine_with(
    rules: &[PathBuf],
    config: &Config,
    opts: EngineOptions,
) -> Result<Engine> {
    let mut extra = config.rules.paths.clone();
    extra.extend(rules.iter().cloned());
    let mut all = rules::load_all(&extra)?;
    for r in &config.rules.custom {
        if all.iter().any(|x| x.id == r.id) {
            bail!(
                "config: custom rule {} duplicates an existing rule id",
                r.id
            );
        }
        all.push(r.clone());
    }
    for id in config.rules.disable.iter().chain(&config.rules.enable) {
        if !all.iter().any(|r| &r.id == id) {
            bail!("config: unknown rule id {id:?}");
        }
    }
    all.retain(|r| !config.rules.disable.contains(&r.id));
    if !config.rules.enable.is_empty() {
        all.retain(|r| config.rules.enable.contains(&r.id));
    }
    Engine::new(all, opts)
}

/// The configuration for a scan of the current directory (see [`load_config_at`]).
pub fn load_config(common: &CommonArgs) -> Result<Config> {
    load_config_at(common, std::path::Path::new("."))
}

/// `--config` if given, else `.leakhound.toml` at `root`; plus `root/.gitleaksignore`.
pub fn load_config_at(common: &CommonArgs, root: &std::path::Path) -> Result<Config> {
    let (cfg, warnings) = Config::discover(common.config.as_deref(), root)?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(cfg)
}

/// The directory a set of scan paths is rooted at: the first directory given, or the parent
/// of the first file.
pub fn scan_root(paths: &[PathBuf]) -> PathBuf {
    match paths.first() {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => p
            .parent()
            .filter(|x| !x.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from),
        None => PathBuf::from("."),
    }
}

/// Sets the global thread pool size once.
pub fn init_threads(threads: Option<usize>) -> usize {
    let n = threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
    n
}

/// Scan options from the shared flags, then the configuration file, then the defaults.
pub fn scan_options(common: &CommonArgs, config: &Config) -> Result<ScanOptions> {
    let d = ScanOptions::default();
    let timeout = common
        .timeout_per_target
        .or(config.scan.timeout_per_target)
        .map(|s| {
            std::time::Duration::try_from_secs_f64(s)
                .map_err(|_| anyhow::anyhow!("--timeout-per-target {s}: not a number of seconds"))
        })
        .transpose()?;
    Ok(ScanOptions {
        show_secrets: common.show_secrets,
        max_findings_per_file: common
            .max_findings_per_file
            .or(config.scan.max_findings_per_file)
            .unwrap_or(d.max_findings_per_file)
            .max(1),
        max_file_size: common
            .max_file_size
            .or(config.scan.max_file_size)
            .unwrap_or(d.max_file_size),
        timeout_per_target: match timeout {
            Some(t) if t.is_zero() => None,
            Some(t) => Some(t),
            None => d.timeout_per_target,
        },
        ..d
    })
}

fn run_scan(args: ScanArgs) -> Result<i32> {
    let (findings, summary, engine, config) = collect_scan(&args)?;
    finish_report("scan", findings, summary, &engine, &config, &args.common)
}

fn run_baseline_create(args: ScanArgs) -> Result<i32> {
    let (findings, summary, _engine, _config) = collect_scan(&args)?;
    let baseline = crate::baseline::Baseline::from_findings(&findings);
    write_output(args.common.output.as_ref(), |w| {
        serde_json::to_writer_pretty(&mut *w, &baseline)?;
        writeln!(w)?;
        Ok(())
    })?;
    eprintln!(
        "baseline: {} findings accepted from {} files",
        baseline.entries.len(),
        summary.files_scanned
    );
    Ok(if summary.files_scanned == 0 && summary.errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    })
}

/// Reads a JSON report written by `--format json`.
pub fn read_report(path: &std::path::Path) -> Result<Report> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("report {}: cannot read", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("report {}: not a leakhound JSON report", path.display()))
}

fn run_audit(log: Option<PathBuf>, fp: Option<String>, format: ListFormat) -> Result<i32> {
    let path = log.unwrap_or_else(crate::audit::default_path);
    let (mut recs, bad) = crate::audit::read(&path)?;
    for b in &bad {
        eprintln!("warning: {}: {b}", path.display());
    }
    if let Some(fp) = &fp {
        recs.retain(|r| r.fingerprint.starts_with(fp.as_str()));
    }
    write_output(None, |w| {
        match format {
            ListFormat::Json => {
                serde_json::to_writer_pretty(&mut *w, &recs)?;
                writeln!(w)?;
            }
            ListFormat::Text => {
                for r in &recs {
                    let host = if r.endpoint_host.is_empty() {
                        String::new()
                    } else {
                        format!(" -> {}", r.endpoint_host)
                    };
                    writeln!(
                        w,
                        "{}  {:<16} {:<14} {:<32} {:<28} {}{host}  {}",
                        r.time,
                        r.action,
                        r.outcome,
                        r.fingerprint,
                        r.rule_id,
                        r.location,
                        r.operator
                    )?;
                }
                writeln!(w, "{} records in {}", recs.len(), path.display())?;
            }
        }
        Ok(())
    })?;
    Ok(EXIT_CLEAN)
}

fn run_report(args: ReportArgs) -> Result<i32> {
    let mut report = read_report(&args.from)?;
    report.sarif_category = args.sarif_category.clone();
    // Only SARIF needs rule metadata; other formats skip compiling the catalogue.
    let rules = if args.format == Format::Sarif {
        rules::embedded()?
    } else {
        Vec::new()
    };
    let engine = Engine::new(rules, EngineOptions::default())?;
    write_output(args.output.as_ref(), |w| {
        report::render(args.format, &report, &engine, w)
    })?;
    Ok(if args.fail_on.trips(&report.findings) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Runs the filesystem scan of `args` and returns its findings with the engine and config.
fn collect_scan(args: &ScanArgs) -> Result<(Vec<Finding>, Summary, Engine, Config)> {
    let common = &args.common;
    let config = load_config_at(common, &scan_root(&args.paths))?;
    let threads = init_threads(common.threads);
    let engine = build_engine(common, &config)?;
    let mut opts = scan_options(common, &config)?;
    opts.scan_binary = args.scan_binary;
    opts.chunk_size = args.chunk_size.max(64 << 10);
    let mut skip_dirs: Vec<String> = if args.no_default_skips {
        Vec::new()
    } else {
        DEFAULT_SKIP_DIRS.iter().map(|s| s.to_string()).collect()
    };
    skip_dirs.extend(args.skip_dir.iter().cloned());
    skip_dirs.extend(config.scan.skip_dirs.iter().cloned());
    let mut exclude = args.exclude.clone();
    exclude.extend(config.scan.exclude.iter().cloned());
    let walk = WalkOptions {
        respect_gitignore: args.respect_gitignore || config.scan.respect_gitignore == Some(true),
        follow_symlinks: args.follow_symlinks,
        skip_dirs,
        exclude,
        threads,
    };
    let scanner = Scanner::new(&engine, opts, Progress::new(!common.no_progress, "scan"));
    fs_source::scan_paths(&args.paths, &walk, &scanner)?;
    let (findings, summary) = scanner.finish();
    Ok((findings, summary, engine, config))
}

fn run_git(args: GitArgs) -> Result<i32> {
    let common = &args.common;
    let config = load_config_at(common, &scan_root(&args.repos))?;
    init_threads(common.threads);
    let engine = build_engine(common, &config)?;
    let mut opts = scan_options(common, &config)?;
    opts.scan_binary = args.scan_binary;
    opts.max_file_size = common
        .max_file_size
        .or(config.scan.max_file_size)
        .unwrap_or(DEFAULT_MAX_BLOB_SIZE);
    let git = GitOptions {
        branches: args.branch.clone(),
        since_commit: args.since_commit.clone(),
        staged: args.staged,
        all_objects: args.all_objects,
        ..GitOptions::default()
    };
    let progress = Progress::new(!common.no_progress, "git");
    let scanner = Scanner::new(&engine, opts, progress.clone());
    git_source::scan_repos(&args.repos, &git, &scanner, &progress)?;
    let (findings, summary) = scanner.finish();
    finish_report("git", findings, summary, &engine, &config, common)
}

fn run_image(args: ImageArgs) -> Result<i32> {
    use crate::sources::image::{self, ImageOptions, RegistryOptions};
    let common = &args.common;
    let config = load_config(common)?;
    init_threads(common.threads);
    let engine = build_engine(common, &config)?;
    let mut opts = scan_options(common, &config)?;
    opts.scan_binary = args.scan_binary;
    let password = if args.registry_password_stdin {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .context("--registry-password-stdin: cannot read standard input")?;
        Some(s.trim_end_matches(['\r', '\n']).to_string())
    } else {
        None
    };
    let iopts = ImageOptions {
        platform: args.platform.clone(),
        max_layer_bytes: args
            .max_layer_bytes
            .or(config.scan.max_layer_bytes)
            .unwrap_or(image::DEFAULT_MAX_LAYER_BYTES),
        max_image_bytes: args
            .max_image_bytes
            .or(config.scan.max_image_bytes)
            .unwrap_or(image::DEFAULT_MAX_IMAGE_BYTES),
        registry: RegistryOptions {
            user: args.registry_user.clone(),
            password,
            insecure: args.insecure_registry.clone(),
            docker_config: args.docker_config.clone(),
        },
    };
    let scanner = Scanner::new(&engine, opts, Progress::new(!common.no_progress, "image"));
    let cache = image::layer::LayerCache::default();
    for r in &args.images {
        if let Err(e) = image::scan_image(r, &iopts, &cache, &scanner) {
            scanner.error(format!("{e:#}"));
        }
    }
    let (findings, summary) = scanner.finish();
    finish_report("image", findings, summary, &engine, &config, common)
}

/// Applies the allowlist, writes the report and computes the exit code. Every scanning
/// command ends here.
pub fn finish_report(
    command: &str,
    mut findings: Vec<Finding>,
    mut summary: Summary,
    engine: &Engine,
    config: &Config,
    common: &CommonArgs,
) -> Result<i32> {
    if common.fail_on == FailOn::Live && !common.validation.enabled() {
        bail!("--fail-on live needs --validate (or --access-map)");
    }
    let baseline = match &common.baseline {
        Some(p) => Some(crate::baseline::Baseline::load(p)?),
        None => None,
    };
    let before = findings.len();
    findings.retain(|f| {
        !config.allowlist.fingerprints.contains(&f.fingerprint)
            && !config.gitleaks_ignore.iter().any(|g| g.matches(f))
            && !baseline.as_ref().is_some_and(|b| b.contains(f))
    });
    summary.suppressed += (before - findings.len()) as u64;
    summary.recount(&findings);
    if let Some(v) = crate::validate::stage::run(&mut findings, engine, &common.validation)? {
        summary.validation = v.by_outcome.clone();
        crate::validate::command::print_tally(&v);
    }
    write_report(command, findings, summary, engine, common)
}

/// Writes the report and computes the exit code.
pub(crate) fn write_report(
    command: &str,
    findings: Vec<Finding>,
    summary: Summary,
    engine: &Engine,
    common: &CommonArgs,
) -> Result<i32> {
    let nothing_scanned = summary.files_scanned == 0 && summary.errors > 0;
    let mut report = Report::new(command, findings, summary);
    report.sarif_category = common.sarif_category.clone();
    let format = common.format.unwrap_or(Format::Text);
    write_output(common.output.as_ref(), |w| {
        report::render(format, &report, engine, w)
    })?;
    if nothing_scanned {
        eprintln!("error: nothing could be scanned");
        return Ok(EXIT_ERROR);
    }
    if format != Format::Text && !std::io::stderr().is_terminal() {
        // Keep stderr quiet for machine formats in pipelines; the summary is in the document.
    } else if format != Format::Text {
        let s = &report.summary;
        eprintln!(
            "{} findings in {} files ({} warnings)",
            s.findings, s.files_scanned, s.warnings
        );
    }
    Ok(if common.fail_on.trips(&report.findings) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Writes to `--output` (atomically, via a temporary file) or stdout.
pub fn write_output(
    output: Option<&PathBuf>,
    f: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match output {
        // A device or FIFO (`-o /dev/null`, `-o /dev/stdout`, a pipe) is written in place:
        // the temporary-file-and-rename below would replace the node with a regular file.
        Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("output {}: cannot open", path.display()))?;
            let mut w = BufWriter::new(file);
            f(&mut w)?;
            w.flush()
                .with_context(|| format!("output {}: cannot write", path.display()))?;
            Ok(())
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = crate::interrupt::temp_file_in(dir, ".leakhound-out-")
                .with_context(|| format!("output {}: cannot create", path.display()))?;
            {
                let mut w = BufWriter::new(tmp.as_file());
                f(&mut w)?;
                w.flush()?;
            }
            tmp.persist(path)
                .with_context(|| format!("output {}: cannot write", path.display()))?;
            Ok(())
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            f(&mut w)?;
            match w.flush() {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => Ok(r?),
            }
        }
    }
}

fn run_rules(action: RulesAction) -> Result<i32> {
    match action {
        RulesAction::List {
            format,
            rules,
            validated: true,
            ..
        } => crate::validate::listing::run(&rules::load_all(&rules)?, format),
        RulesAction::List {
            format,
            rules,
            revocable: true,
            ..
        } => crate::revoke::listing::run(&rules::load_all(&rules)?, format),
        RulesAction::List { format, rules, .. } => {
            let all = rules::load_all(&rules)?;
            write_output(None, |w| {
                match format {
                    ListFormat::Json => {
                        serde_json::to_writer_pretty(&mut *w, &all)?;
                        writeln!(w)?;
                    }
                    ListFormat::Text => {
                        for r in &all {
                            writeln!(
                                w,
                                "{:<44} {:<9} {:<7} {}",
                                r.id,
                                r.severity.as_str(),
                                r.confidence.as_str(),
                                r.name
                            )?;
                        }
                        writeln!(w, "{} rules", all.len())?;
                    }
                }
                Ok(())
            })?;
            Ok(EXIT_CLEAN)
        }
        RulesAction::Check { rules } => {
            let all = rules::load_all(&rules)?;
            let engine = Engine::new(all, EngineOptions::default())?;
            let rep = rules::check::check(&engine);
            for n in &rep.notes {
                eprintln!("note: {n}");
            }
            for f in &rep.failures {
                println!("FAIL {}: {}", f.rule, f.problem);
            }
            println!(
                "{} rules, {} examples, {} failures",
                rep.rules,
                rep.examples,
                rep.failures.len()
            );
            Ok(if rep.failures.is_empty() {
                EXIT_CLEAN
            } else {
                EXIT_FINDINGS
            })
        }
    }
}
