//! Shared test support: the stand-in provider server and helpers to build real findings and
//! run validation against it.

#![allow(dead_code)]

pub mod standin;

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use leakhound::engine::{Engine, EngineOptions};
use leakhound::finding::{Finding, Source};
use leakhound::progress::Progress;
use leakhound::rules::template::{Rng, expand};
use leakhound::scan::{ScanOptions, Scanner};
use leakhound::validate::http::HttpOptions;
use leakhound::validate::http::SafeClient;
use leakhound::validate::safety::Overrides;
use leakhound::validate::spec::ValidationSpec;
use leakhound::validate::{
    Options, RunSummary, specs_by_rule, validate_findings, validate_with_client,
};

/// The embedded catalogue, compiled once per test binary.
pub fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let rules = leakhound::rules::load_all(&[]).expect("rules load");
        Engine::new(rules, EngineOptions::default()).expect("engine compiles")
    })
}

/// Validation specs of the embedded catalogue.
pub fn specs() -> &'static HashMap<String, ValidationSpec> {
    static S: OnceLock<HashMap<String, ValidationSpec>> = OnceLock::new();
    S.get_or_init(|| {
        let rules: Vec<&leakhound::rules::Rule> =
            engine().rules().iter().map(|r| &r.rule).collect();
        specs_by_rule(&rules)
    })
}

/// Expands a template into fake token-shaped text (deterministic per seed).
pub fn fake(tpl: &str, seed: &str) -> String {
    expand(tpl, &mut Rng::from_seed(seed)).expect("template expands")
}

/// The finding of `rule_id` in `text`, as a real scan produces it.
pub fn finding_in(text: &str, rule_id: &str) -> Option<Finding> {
    let scanner = Scanner::new(engine(), ScanOptions::default(), Progress::hidden());
    let source = Source::File {
        path: "sample.env".into(),
    };
    scanner
        .findings_in(text.as_bytes(), "sample.env", &source)
        .into_iter()
        .find(|f| f.rule_id == rule_id)
}

/// The first example of a rule, expanded.
pub fn example(rule_id: &str) -> String {
    let r = engine()
        .rules()
        .iter()
        .find(|r| r.rule.id == rule_id)
        .unwrap_or_else(|| panic!("no rule {rule_id}"));
    fake(&r.rule.examples[0], rule_id)
}

/// Client limits for tests: generous timeouts (CI machines are loaded), 3 attempts, fast
/// backoff. Tests of timeouts shorten `request_timeout` themselves.
pub fn test_http() -> HttpOptions {
    HttpOptions {
        request_timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(2),
        max_attempts: 3,
        per_host_concurrency: 2,
        min_interval: Duration::ZERO,
        max_retry_after: Duration::from_secs(5),
        backoff: Duration::from_millis(20),
        deadline: Instant::now() + Duration::from_secs(600),
        ..HttpOptions::default()
    }
}

/// Options that send `host`'s traffic to the stand-in at `url`.
pub fn options_for(hosts: &[&str], url: &str, access_map: bool) -> Options {
    let entries: Vec<String> = hosts.iter().map(|h| format!("{h}={url}")).collect();
    Options {
        access_map,
        overrides: Overrides::parse(&entries).expect("overrides"),
        http: test_http(),
        ..Options::default()
    }
}

/// Runs validation with the embedded specs.
pub fn run(findings: &mut [Finding], opts: &Options) -> RunSummary {
    validate_findings(findings, specs(), opts, &|_| {}).expect("validation runs")
}

/// A client for `opts` (building one parses the TLS roots: share it across runs in a test).
pub fn client(opts: &Options) -> SafeClient {
    SafeClient::new(opts.overrides.clone(), opts.http.clone()).expect("client")
}

/// Runs validation through an existing client.
pub fn run_with(findings: &mut [Finding], opts: &Options, client: &SafeClient) -> RunSummary {
    validate_with_client(findings, specs(), opts, client, &|_| {}).expect("validation runs")
}

/// Runs `git` in `dir` with a fixed identity and no user or system configuration; panics with
/// git's stderr if it fails.
pub fn git(dir: &std::path::Path, args: &[&str]) {
    let o = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Alice Example")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice Example")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}
