//! Secret hygiene end to end: fake secrets planted in a directory, a git repository and agent
//! transcripts go through every command and output format without `--show-secrets`, with
//! validation answered by a 127.0.0.1 stand-in that echoes what it receives. No planted
//! secret (nor any 12-byte piece of one) may appear in stdout, stderr, any output file, the
//! audit log or the validation cache. A second test validates 10 000 distinct tokens of one
//! provider and checks the per-host concurrency limit and that nothing left for elsewhere.

mod support;

#[path = "support/agents_fixtures.rs"]
mod fixtures;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use leakhound::finding::{Finding, Source};
use leakhound::progress::Progress;
use leakhound::scan::{ScanOptions, Scanner};
use support::standin::{Reply, StandIn};

/// Every piece of a secret that must never be shown: the secret itself and each 12-byte window.
fn needles(secrets: &[String]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for s in secrets {
        let b = s.as_bytes();
        assert!(b.len() >= 12, "planted secrets are at least 12 bytes");
        for w in b.windows(12) {
            out.push(w.to_vec());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Fails (without printing the secret) if `hay` holds any needle.
fn assert_clean(what: &str, hay: &[u8], needles: &[Vec<u8>]) {
    for n in needles {
        if let Some(at) = hay.windows(n.len()).position(|w| w == n.as_slice()) {
            panic!(
                "{what}: a planted secret's bytes appear at offset {at} (context hidden; {} bytes total)",
                hay.len()
            );
        }
    }
}

/// Checks every file under `dir` (recursively).
fn assert_tree_clean(what: &str, dir: &Path, needles: &[Vec<u8>]) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                assert_clean(
                    &format!("{what} {}", p.display()),
                    &fs::read(&p).unwrap(),
                    needles,
                );
                n += 1;
            }
        }
    }
    n
}

/// The isolated environment every run shares.
struct Env {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    out: PathBuf,
    needles: Vec<Vec<u8>>,
    standin_url: String,
    runs: usize,
}

impl Env {
    /// Runs leakhound in `cwd` with HOME/XDG dirs in the temp dir, checks stdout and stderr,
    /// and returns the output.
    fn run(&mut self, args: &[&str], cwd: &Path, expect: &[i32]) -> Output {
        let o = Command::new(env!("CARGO_BIN_EXE_leakhound"))
            .args(args)
            .current_dir(cwd)
            .env("HOME", &self.home)
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "1")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("LEAKHOUND_VALIDATE_ENDPOINTS")
            .output()
            .expect("run leakhound");
        let code = o.status.code().unwrap_or(-1);
        assert!(
            expect.contains(&code),
            "{args:?}: exit {code}, stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean(&format!("{args:?} stdout"), &o.stdout, &self.needles);
        assert_clean(&format!("{args:?} stderr"), &o.stderr, &self.needles);
        self.runs += 1;
        o
    }

    fn out(&self, name: &str) -> String {
        self.out.join(name).display().to_string()
    }

    fn endpoint(&self, host: &str) -> String {
        format!("--validate-endpoint={host}={}", self.standin_url)
    }
}

#[test]
fn no_command_or_format_reveals_a_planted_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let out = tmp.path().join("out");
    let tree = tmp.path().join("tree");
    let repo = tmp.path().join("repo");
    for d in [&home, &out, &tree, &repo] {
        fs::create_dir_all(d).unwrap();
    }

    // A directory: a GitHub token and an AWS key pair.
    let gh = support::fake("«token:github_crc32:ghp_»", "hyg-tree-gh");
    let akid = support::fake("AKIA«upper:16»", "hyg-tree-akid");
    let sak = support::fake("«b64:40»", "hyg-tree-sak");
    fs::write(tree.join("config.py"), format!("GITHUB_TOKEN = \"{gh}\"\n")).unwrap();
    fs::write(
        tree.join(".env"),
        format!("AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={sak}\n"),
    )
    .unwrap();

    // A git repository: a token added, then removed (only history holds it).
    let gh_git = support::fake("«token:github_crc32:ghp_»", "hyg-git-gh");
    support::git(&repo, &["init", "-q", "-b", "main"]);
    fs::write(repo.join("deploy.sh"), format!("export GH={gh_git}\n")).unwrap();
    support::git(&repo, &["add", "-A"]);
    support::git(&repo, &["commit", "-q", "-m", "add deploy"]);
    fs::write(repo.join("deploy.sh"), "export GH=$GH_TOKEN\n").unwrap();
    support::git(&repo, &["commit", "-q", "-am", "use env"]);

    // Agent transcripts of every supported agent, laid out in a home directory.
    let agents_root = home.join("agents");
    let planted = fixtures::build_home(&agents_root, "hyg-agents");

    let mut secrets = vec![gh.clone(), akid.clone(), sak.clone(), gh_git.clone()];
    secrets.extend(planted.iter().map(|p| p.secret.clone()));
    let needles = needles(&secrets);

    // The stand-in answers every provider call as live and echoes the credential it received
    // (headers and body) back in identity-looking fields: none of it may reach the output.
    let server = StandIn::start(|r| {
        let echo: Vec<String> = r
            .headers
            .iter()
            .map(|(_, v)| v.replace(['"', '\\'], ""))
            .chain([r.body_text().replace(['"', '\\'], "")])
            .collect();
        let echo = echo.join(" ");
        Reply::json(
            200,
            &format!(
                r#"{{"login":"octo","name":"{echo}","message":"{echo}","Arn":"arn:aws:iam::123456789012:user/ci"}}"#
            ),
        )
        .header("x-oauth-scopes", "repo")
        .header("x-echo", &echo)
    });
    let mut env = Env {
        _tmp: tmp,
        home,
        out,
        needles,
        standin_url: server.url(),
        runs: 0,
    };
    let gh_ep = env.endpoint("api.github.com");
    let sts_ep = env.endpoint("sts.amazonaws.com");
    let cache = env.out("validate-cache.json");

    // scan: every format on stdout and with -o.
    for format in ["text", "json", "jsonl", "sarif", "github", "markdown"] {
        env.run(
            &["scan", ".", "--no-progress", "--format", format],
            &tree,
            &[1],
        );
        let file = env.out(&format!("scan.{format}"));
        env.run(
            &[
                "scan",
                ".",
                "--no-progress",
                "--format",
                format,
                "-o",
                &file,
            ],
            &tree,
            &[1],
        );
    }
    let report = env.out("scan.json");
    let report_text = fs::read_to_string(&report).unwrap();
    assert!(report_text.contains("github.pat.classic"), "nothing found");
    assert!(report_text.contains("aws.access_key_id"), "nothing found");

    // scan --validate against the stand-in, with the persistent cache in the temp dir.
    for format in ["text", "json", "sarif"] {
        let file = env.out(&format!("validated.{format}"));
        env.run(
            &[
                "scan",
                ".",
                "--no-progress",
                "--validate",
                "--access-map",
                &gh_ep,
                &sts_ep,
                "--validate-cache",
                &cache,
                "--format",
                format,
                "-o",
                &file,
            ],
            &tree,
            &[0, 1],
        );
    }
    assert!(
        !server.requests().is_empty(),
        "validation never reached the stand-in"
    );
    assert!(Path::new(&cache).exists(), "no validation cache written");

    // validate --from, report, remediate, baseline create, revoke --dry-run.
    let revalidated = env.out("revalidated.json");
    env.run(
        &[
            "validate",
            "--from",
            &report,
            "--no-progress",
            &gh_ep,
            &sts_ep,
            "--validate-cache",
            &cache,
            "--format",
            "json",
            "-o",
            &revalidated,
        ],
        &tree,
        &[0, 1],
    );
    env.run(
        &[
            "validate",
            "--from",
            &report,
            "--no-progress",
            "--dry-run",
            &gh_ep,
            &sts_ep,
        ],
        &tree,
        &[0, 1],
    );
    for format in ["text", "json", "jsonl", "sarif", "github", "markdown"] {
        env.run(
            &["report", "--from", &report, "--format", format],
            &tree,
            &[0],
        );
        let file = env.out(&format!("report.{format}"));
        env.run(
            &[
                "report",
                "--from",
                &revalidated,
                "--format",
                format,
                "-o",
                &file,
            ],
            &tree,
            &[0],
        );
    }
    for format in ["text", "markdown"] {
        env.run(
            &["remediate", "--from", &report, "--format", format],
            &tree,
            &[0, 1],
        );
        let file = env.out(&format!("plan.{format}"));
        env.run(
            &[
                "remediate",
                "--from",
                &report,
                "--format",
                format,
                "-o",
                &file,
            ],
            &tree,
            &[0, 1],
        );
    }
    let baseline = env.out("baseline.json");
    env.run(&["baseline", "create", ".", "--no-progress"], &tree, &[0]);
    env.run(
        &["baseline", "create", ".", "--no-progress", "-o", &baseline],
        &tree,
        &[0],
    );
    let audit_log = env.out("audit.jsonl");
    for format in ["text", "json"] {
        env.run(
            &[
                "revoke",
                "--from",
                &report,
                "--dry-run",
                &gh_ep,
                &sts_ep,
                "--audit-log",
                &audit_log,
                "--format",
                format,
            ],
            &tree,
            &[0, 1],
        );
    }

    // git history.
    let git_report = env.out("git.sarif");
    for format in ["text", "json", "jsonl"] {
        env.run(
            &["git", ".", "--no-progress", "--format", format],
            &repo,
            &[1],
        );
    }
    env.run(
        &[
            "git",
            ".",
            "--no-progress",
            "--format",
            "sarif",
            "-o",
            &git_report,
        ],
        &repo,
        &[1],
    );

    // Agent transcripts, then redaction (dry run, then for real: the audit log gets records).
    let agents_path = agents_root.display().to_string();
    for format in ["text", "json", "jsonl", "sarif"] {
        let file = env.out(&format!("agents.{format}"));
        env.run(
            &[
                "agents",
                &agents_path,
                "--no-progress",
                "--format",
                format,
                "-o",
                &file,
            ],
            &env.home.clone(),
            &[1],
        );
    }
    env.run(
        &["agents", &agents_path, "--no-progress"],
        &env.home.clone(),
        &[1],
    );
    env.run(
        &["redact", &agents_path, "--no-progress", "--dry-run"],
        &env.home.clone(),
        &[1],
    );
    env.run(
        &[
            "redact",
            &agents_path,
            "--no-progress",
            "--yes",
            "--no-backup",
        ],
        &env.home.clone(),
        &[0, 1],
    );
    let default_audit = env.home.join("data/leakhound/audit.jsonl");
    assert!(default_audit.exists(), "redact wrote no audit log");
    let default_audit = default_audit.display().to_string();
    for format in ["text", "json"] {
        env.run(
            &["audit", "--audit-log", &default_audit, "--format", format],
            &env.home.clone(),
            &[0],
        );
    }
    env.run(&["audit"], &env.home.clone(), &[0]);

    // Every file leakhound wrote: reports, plans, baseline, cache, audit logs.
    let written = assert_tree_clean("output file", &env.out, &env.needles);
    assert!(written >= 20, "only {written} output files");
    assert_tree_clean("data dir", &env.home.join("data"), &env.needles);
    if env.home.join("cache").exists() {
        assert_tree_clean("cache dir", &env.home.join("cache"), &env.needles);
    }
    assert!(env.runs >= 50, "{} runs", env.runs);
}

#[test]
fn ten_thousand_tokens_stay_within_the_per_host_limit() {
    const N: usize = 10_000;
    const LIMIT: usize = 4;
    let server = StandIn::start(|_| Reply::json(200, r#"{"login":"octo"}"#));
    // Everything else a request could go to is a trap.
    let trap = StandIn::start(|_| Reply::json(200, "{}"));
    // One file per 500 tokens (a single blob's findings are capped).
    let mut rng = leakhound::rules::template::Rng::from_seed("hyg-burst");
    let scanner = Scanner::new(
        support::engine(),
        ScanOptions::default(),
        Progress::hidden(),
    );
    let mut findings: Vec<Finding> = Vec::with_capacity(N);
    for chunk in 0..N / 500 {
        let mut text = String::with_capacity(500 * 60);
        for _ in 0..500 {
            let t =
                leakhound::rules::template::expand("«token:github_crc32:ghp_»", &mut rng).unwrap();
            text.push_str(&format!("GITHUB_TOKEN={t}\n"));
        }
        let path = format!("tokens{chunk}.env");
        let source = Source::File { path: path.clone() };
        findings.extend(
            scanner
                .findings_in(text.as_bytes(), &path, &source)
                .into_iter()
                .filter(|f| f.rule_id == "github.pat.classic"),
        );
    }
    let distinct: std::collections::BTreeSet<&str> =
        findings.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(distinct.len(), N, "expected {N} distinct tokens");

    let mut opts = support::options_for(&["api.github.com"], &server.url(), false);
    opts.overrides = leakhound::validate::safety::Overrides::parse(&[
        format!("api.github.com={}", server.url()),
        format!("github.com={}", trap.url()),
        format!("uploads.github.com={}", trap.url()),
    ])
    .unwrap();
    opts.http.per_host_concurrency = LIMIT;
    opts.http.deadline = Instant::now() + std::time::Duration::from_secs(600);
    let client = support::client(&opts);
    let started = Instant::now();
    let s = support::run_with(&mut findings, &opts, &client);
    let took = started.elapsed();
    eprintln!("{N} validations in {took:?}");
    let live = findings
        .iter()
        .filter(|f| f.validation.as_ref().is_some_and(|v| v.status == "live"))
        .count();
    let odd: Vec<String> = findings
        .iter()
        .filter_map(|f| f.validation.as_ref())
        .filter(|v| v.status != "live")
        .map(|v| format!("{}: {}", v.status, v.reason))
        .take(5)
        .collect();
    // A rare transient connection error on a loaded machine may leave a token `unknown`
    // (retries exhausted); it must never turn into `dead`.
    assert!(live >= N - N / 1000, "{live} live; others: {odd:?}");
    assert!(
        findings
            .iter()
            .all(|f| f.validation.as_ref().is_some_and(|v| v.status != "dead")),
        "{odd:?}"
    );
    let reached = server.requests().len();
    assert!(reached >= live, "{reached} requests for {live} live tokens");
    assert_eq!(
        s.requests as usize, reached,
        "every request reached the stand-in"
    );
    assert_eq!(
        client.requests_sent() as usize,
        reached,
        "nothing sent elsewhere"
    );
    assert_eq!(client.dns_lookups(), 0, "no DNS lookups");
    assert!(trap.requests().is_empty());
    assert!(
        server.max_in_flight() <= LIMIT,
        "{} in flight, limit {LIMIT}",
        server.max_in_flight()
    );
    assert!(server.max_in_flight() >= 1);
}
