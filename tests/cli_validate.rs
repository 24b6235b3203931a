//! `--validate`, `--access-map`, `--dry-run`, `--fail-on live`, the persisted cache,
//! `leakhound validate --from` and `leakhound rules list --validated`, end to end through the
//! binary against stand-in providers on 127.0.0.1.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::standin::{Recorded, Reply, StandIn};

fn lh(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leakhound"));
    c.args(args)
        .current_dir(cwd)
        .env_remove("LEAKHOUND_VALIDATE_ENDPOINTS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run leakhound")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A GitHub token and an AWS key pair in a tree.
fn tree() -> (tempfile::TempDir, Vec<String>) {
    let d = tempfile::tempdir().unwrap();
    let gh = support::fake("«token:github_crc32:ghp_»", "cli-gh");
    let akid = support::fake("AKIA«upper:16»", "cli-akid");
    let sak = support::fake("«b64:40»", "cli-sak");
    fs::write(
        d.path().join("config.py"),
        format!("GITHUB_TOKEN = \"{gh}\"\n"),
    )
    .unwrap();
    fs::write(
        d.path().join(".env"),
        format!("AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={sak}\n"),
    )
    .unwrap();
    (d, vec![gh, akid, sak])
}

/// A stand-in for both GitHub and STS: live for everything.
fn providers() -> StandIn {
    StandIn::start(|q: &Recorded| {
        if q.target == "/user" {
            Reply::json(200, r#"{"login":"octo-ci","type":"User"}"#)
                .header("x-oauth-scopes", "repo, workflow")
        } else if q.target.starts_with("/user/orgs") {
            Reply::json(200, r#"[{"login":"acme"},{"login":"acme-labs"}]"#)
        } else if q.method == "POST" && q.target == "/" {
            Reply::json(
                200,
                r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/ci","UserId":"AIDA"}}}"#,
            )
        } else {
            Reply::json(404, "{}")
        }
    })
}

fn endpoints(s: &StandIn) -> Vec<String> {
    vec![
        format!("api.github.com={}", s.url()),
        format!("sts.amazonaws.com={}", s.url()),
    ]
}

fn assert_no_secret(text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "a full secret leaked into output"
        );
    }
}

fn by_rule<'a>(v: &'a Value, rule: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
}

#[test]
fn scan_with_access_map_reports_outcome_and_identity_in_every_format() {
    let (d, secrets) = tree();
    let s = providers();
    let eps = endpoints(&s);
    let mut args = vec![
        "scan",
        ".",
        "--no-progress",
        "--access-map",
        "--format",
        "json",
    ];
    for e in &eps {
        args.push("--validate-endpoint");
        args.push(e);
    }
    let o = lh(&args, d.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let gh = by_rule(&v, "github.pat.classic");
    assert_eq!(gh["validation"]["status"], "live");
    assert_eq!(gh["validation"]["identity"]["login"], "octo-ci");
    assert_eq!(gh["validation"]["identity"]["scopes"], "repo, workflow");
    assert_eq!(gh["validation"]["identity"]["orgs"], "acme, acme-labs");
    let aws = by_rule(&v, "aws.secret_access_key");
    assert_eq!(aws["validation"]["status"], "live");
    assert_eq!(
        aws["validation"]["identity"]["arn"],
        "arn:aws:iam::123456789012:user/ci"
    );
    assert_eq!(
        by_rule(&v, "aws.access_key_id")["validation"]["status"],
        "live"
    );
    assert!(v["summary"]["validation"]["live"].as_u64().unwrap() >= 3);
    assert!(stderr(&o).contains("validation: "), "{}", stderr(&o));
    assert_no_secret(&stdout(&o), &secrets);
    assert_no_secret(&stderr(&o), &secrets);
    // One request per unique secret (+ the access-map follow-up for GitHub).
    let reqs = s.requests();
    assert_eq!(reqs.iter().filter(|q| q.target == "/user").count(), 1);
    assert_eq!(reqs.iter().filter(|q| q.target == "/").count(), 1);

    // Text and SARIF carry the same.
    let joined = eps.join(",");
    let env = [("LEAKHOUND_VALIDATE_ENDPOINTS", joined.as_str())];
    let o = lh(
        &["scan", ".", "--no-progress", "--access-map"],
        d.path(),
        &env,
    );
    let text = stdout(&o);
    assert!(text.contains("status   live"), "{text}");
    assert!(text.contains("login: octo-ci"), "{text}");
    assert!(text.contains("validation: "), "{text}");
    assert_no_secret(&text, &secrets);
    let o = lh(
        &[
            "scan",
            ".",
            "--no-progress",
            "--access-map",
            "--format",
            "sarif",
        ],
        d.path(),
        &env,
    );
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["properties"]["validation"]["status"] == "live"
                && r["properties"]["validation"]["identity"]["login"] == "octo-ci")
    );
    assert_no_secret(&stdout(&o), &secrets);
}

#[test]
fn fail_on_live_and_dead_secrets() {
    let (d, _) = tree();
    let s = providers();
    let eps = endpoints(&s).join(",");
    let env = [("LEAKHOUND_VALIDATE_ENDPOINTS", eps.as_str())];
    let o = lh(
        &[
            "scan",
            ".",
            "--no-progress",
            "--validate",
            "--fail-on",
            "live",
        ],
        d.path(),
        &env,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Everything dead: --fail-on live passes.
    s.set_handler(|q| {
        if q.target == "/" {
            Reply::json(403, "<Error><Code>InvalidClientTokenId</Code></Error>")
        } else {
            Reply::json(401, r#"{"message":"Bad credentials"}"#)
        }
    });
    let o = lh(
        &[
            "scan",
            ".",
            "--no-progress",
            "--validate",
            "--fail-on",
            "live",
            "--format",
            "json",
        ],
        d.path(),
        &env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        by_rule(&v, "github.pat.classic")["validation"]["status"],
        "dead"
    );
    // Rate limited: unknown, never dead, and not live either.
    s.set_handler(|_| Reply::json(429, "{}").header("retry-after", "0"));
    let o = lh(
        &[
            "scan",
            ".",
            "--no-progress",
            "--validate",
            "--format",
            "json",
        ],
        d.path(),
        &env,
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        by_rule(&v, "github.pat.classic")["validation"]["status"],
        "unknown"
    );
    // --fail-on live without validation is a usage error.
    let o = lh(
        &["scan", ".", "--no-progress", "--fail-on", "live"],
        d.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--validate"), "{}", stderr(&o));
}

#[test]
fn dry_run_sends_nothing_and_says_where_each_secret_would_go() {
    let (d, secrets) = tree();
    let s = providers();
    let eps = endpoints(&s).join(",");
    let o = lh(
        &[
            "scan",
            ".",
            "--no-progress",
            "--validate",
            "--dry-run",
            "--format",
            "json",
        ],
        d.path(),
        &[("LEAKHOUND_VALIDATE_ENDPOINTS", eps.as_str())],
    );
    let err = stderr(&o);
    assert!(err.contains("dry run: github.pat.classic"), "{err}");
    assert!(err.contains("GET https://api.github.com/user"), "{err}");
    assert!(err.contains("secret in Authorization: Bearer"), "{err}");
    assert!(err.contains("POST https://sts.amazonaws.com/"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(s.requests().is_empty());
    assert_no_secret(&err, &secrets);
    assert_no_secret(&stdout(&o), &secrets);
}

#[test]
fn persisted_cache_answers_the_second_run() {
    let (d, secrets) = tree();
    let s = providers();
    let eps = endpoints(&s).join(",");
    let env = [("LEAKHOUND_VALIDATE_ENDPOINTS", eps.as_str())];
    let cache = d.path().join("state/validation-cache.json");
    let cache_s = cache.to_str().unwrap();
    let args = [
        "scan",
        "config.py",
        ".env",
        "--no-progress",
        "--validate",
        "--validate-cache",
        cache_s,
    ];
    let o = lh(&args, d.path(), &env);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let first = s.requests().len();
    assert!(first >= 2);
    let o = lh(&args, d.path(), &env);
    assert!(stdout(&o).contains("(cached)"), "{}", stdout(&o));
    assert_eq!(s.requests().len(), first, "the second run sent requests");
    let text = fs::read_to_string(&cache).unwrap();
    assert_no_secret(&text, &secrets);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A corrupt cache is one warning naming the file; validation goes on without it.
    fs::write(&cache, "{broken").unwrap();
    let o = lh(&args, d.path(), &env);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("validation-cache.json"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("status   live"), "{}", stdout(&o));
}

#[test]
fn validate_from_an_earlier_report_rereads_the_secrets() {
    let (d, secrets) = tree();
    let o = lh(
        &[
            "scan",
            ".",
            "--no-progress",
            "--format",
            "json",
            "-o",
            "report.json",
        ],
        d.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let report = fs::read_to_string(d.path().join("report.json")).unwrap();
    assert_no_secret(&report, &secrets);
    let s = providers();
    let eps = endpoints(&s).join(",");
    let env = [("LEAKHOUND_VALIDATE_ENDPOINTS", eps.as_str())];
    let o = lh(
        &[
            "validate",
            "--from",
            "report.json",
            "--no-progress",
            "--format",
            "json",
        ],
        d.path(),
        &env,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["command"], "validate");
    assert_eq!(
        by_rule(&v, "github.pat.classic")["validation"]["status"],
        "live"
    );
    assert_eq!(
        by_rule(&v, "aws.secret_access_key")["validation"]["status"],
        "live"
    );
    assert_no_secret(&stdout(&o), &secrets);
    assert!(s.requests().iter().any(|q| q.target == "/user"));

    // The token's file changed since: warned, unknown, and nothing is sent for it.
    s.reset();
    fs::write(d.path().join("config.py"), "GITHUB_TOKEN = None\n").unwrap();
    let o = lh(
        &[
            "validate",
            "--from",
            "report.json",
            "--no-progress",
            "--format",
            "json",
            "--fail-on",
            "live",
        ],
        d.path(),
        &env,
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let gh = by_rule(&v, "github.pat.classic");
    assert_eq!(gh["validation"]["status"], "unknown");
    assert!(
        stderr(&o).contains("cannot re-read the secret"),
        "{}",
        stderr(&o)
    );
    assert!(
        !s.requests().iter().any(|q| q.target == "/user"),
        "a redacted value was sent"
    );
    assert_eq!(o.status.code(), Some(1), "AWS is still live");

    // Bad inputs are clear errors.
    fs::write(d.path().join("bad.json"), "{not json").unwrap();
    let o = lh(
        &["validate", "--from", "bad.json", "--no-progress"],
        d.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.json"), "{}", stderr(&o));
}

#[test]
fn git_history_scans_validate_too() {
    let d = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| support::git(d.path(), args);
    git(&["init", "-q", "-b", "main"]);
    let gh = support::fake("«token:github_crc32:ghp_»", "git-gh");
    fs::write(
        d.path().join("ci.sh"),
        format!("export GITHUB_TOKEN={gh}\n"),
    )
    .unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "add ci"]);
    let s = providers();
    let ep = format!("api.github.com={}", s.url());
    let o = lh(
        &[
            "git",
            ".",
            "--no-progress",
            "--validate",
            "--validate-endpoint",
            &ep,
            "--format",
            "json",
        ],
        d.path(),
        &[],
    );
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    assert_eq!(
        by_rule(&v, "github.pat.classic")["validation"]["status"],
        "live"
    );
}

#[test]
fn rules_list_validated_meets_the_coverage_targets() {
    let d = tempfile::tempdir().unwrap();
    let o = lh(&["rules", "list", "--validated"], d.path(), &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let last = out.lines().last().unwrap();
    // "N validated rules; P providers validated, Q with an access map"
    let nums: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|t| t.parse().ok())
        .collect();
    assert!(nums[1] >= 80, "{last}");
    assert!(nums[2] >= 25, "{last}");
    assert!(out.contains("api.openai.com"), "{out}");
    let o = lh(
        &["rules", "list", "--validated", "--format", "json"],
        d.path(),
        &[],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert!(
        list.iter()
            .any(|r| r["id"] == "aws.secret_access_key" && r["method"] == "aws_sts")
    );
    assert!(
        list.iter()
            .all(|r| r["host"].as_str().is_some_and(|h| !h.is_empty()))
    );
}

#[test]
fn every_subcommand_parses_its_flags() {
    // Two flags with one name on a command make clap panic at runtime; catch that here.
    let d = tempfile::tempdir().unwrap();
    for cmd in [
        vec!["scan"],
        vec!["git"],
        vec!["image"],
        vec!["agents"],
        vec!["redact"],
        vec!["validate"],
        vec!["report"],
        vec!["baseline", "create"],
        vec!["rules", "list"],
        vec!["rules", "check"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let o = lh(&args, d.path(), &[]);
        assert_eq!(o.status.code(), Some(0), "{cmd:?}: {}", stderr(&o));
    }
}
