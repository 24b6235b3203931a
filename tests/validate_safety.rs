//! SSRF and exfiltration safety with hostile inputs: customer hosts that try to escape their
//! allow-list, attacker webhook hosts, metadata and link-local targets, userinfo, IPv6
//! literals, trailing dots, percent-encoded dots. Every test routes the hosts an attacker would
//! want to reach to a trap server and asserts that nothing left the process (no request, no DNS
//! lookup) — and per-host concurrency stays within its limit.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use leakhound::engine::{Engine, EngineOptions};
use leakhound::finding::{Finding, Source};
use leakhound::progress::Progress;
use leakhound::scan::{ScanOptions, Scanner};
use leakhound::validate::http::SafeClient;
use leakhound::validate::safety::Overrides;
use leakhound::validate::spec::ValidationSpec;
use leakhound::validate::{Options, validate_with_client};
use support::standin::{Reply, StandIn};

const SHOP_RULE: &str = r#"
rules:
  - id: test.shop.token
    name: Test shop token
    provider: TestShop
    pattern: 'SHOP=(?P<shop>[^\s]{1,80}) TOKEN=(?P<secret>shpat_[a-f0-9]{32})'
    keywords: [shpat_]
    confidence: high
    severity: high
    remediation: rotate
    validation:
      url: https://{var.shop}/admin/oauth/access_scopes.json
      auth: {header: X-Shopify-Access-Token}
      vars: {shop: {from: part.shop, lowercase: true}}
      hosts: ['^[a-z0-9][a-z0-9-]*\.myshopify\.com$']
      identity: {scopes: 'json:/access_scopes/*/handle'}
"#;

fn shop_findings(shops: &[&str]) -> (Vec<Finding>, HashMap<String, ValidationSpec>) {
    let rules = leakhound::rules::parse_rules(SHOP_RULE, "test").expect("test rule");
    let specs = leakhound::validate::specs_by_rule(&rules.iter().collect::<Vec<_>>());
    let engine = Engine::new(rules, EngineOptions::default()).unwrap();
    let scanner = Scanner::new(&engine, ScanOptions::default(), Progress::hidden());
    let mut out = Vec::new();
    for (i, shop) in shops.iter().enumerate() {
        let tok = support::fake("shpat_«hex:32»", &format!("shop{i}"));
        let text = format!("SHOP={shop} TOKEN={tok}\n");
        let f = scanner
            .findings_in(
                text.as_bytes(),
                "x.env",
                &Source::File {
                    path: "x.env".into(),
                },
            )
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no finding for {shop}"));
        assert_eq!(f.parts["shop"].expose(), *shop);
        out.push(f);
    }
    (out, specs)
}

#[test]
fn hostile_customer_hosts_never_leave_the_process() {
    let hostile = [
        "acme.myshopify.com.evil.example",
        "evil.example",
        "evil.example/acme.myshopify.com",
        "acme.myshopify.com@evil.example",
        "user:pass@acme.myshopify.com",
        "acme.myshopify.com.",
        "acme.myshopify.com:8443",
        "acme%2emyshopify.com",
        "acme.myshopify%2ecom",
        "169.254.169.254",
        "[fd00:ec2::254]",
        "[::1]",
        "127.0.0.1",
        "0x7f.1",
        "localhost",
        "acme.myshopify.com#.evil.example",
        "acme.myshopify.com\\@evil.example",
        "-acme.myshopify.com",
    ];
    let (mut findings, specs) = shop_findings(&hostile);
    // Every host an attacker would want is routed to the trap: a request there is a failure.
    let trap = StandIn::start(|_| Reply::json(200, r#"{"access_scopes":[]}"#));
    let trapped: Vec<String> = [
        "evil.example",
        "acme.myshopify.com.evil.example",
        "acme.myshopify.com",
        "myshopify.com",
    ]
    .iter()
    .map(|h| format!("{h}={}", trap.url()))
    .collect();
    let opts = Options {
        overrides: Overrides::parse(&trapped).unwrap(),
        http: support::test_http(),
        ..Options::default()
    };
    let client = SafeClient::new(opts.overrides.clone(), opts.http.clone()).unwrap();
    let s = validate_with_client(&mut findings, &specs, &opts, &client, &|_| {}).unwrap();
    for (f, shop) in findings.iter().zip(hostile) {
        let v = f.validation.as_ref().unwrap();
        assert_eq!(v.status, "unknown", "{shop}: {}", v.reason);
        assert!(
            v.reason.contains("allow-list") || v.reason.contains("refused"),
            "{shop}: {}",
            v.reason
        );
    }
    assert_eq!(s.requests, 0);
    assert_eq!(client.requests_sent(), 0);
    assert_eq!(client.dns_lookups(), 0);
    assert!(trap.requests().is_empty(), "{:?}", trap.requests());
}

#[test]
fn an_allowed_customer_host_is_rebuilt_not_copied() {
    // Upper case and a path are normalised away: the request goes to the rebuilt host only.
    let (mut findings, specs) = shop_findings(&["Acme-Store.myshopify.com"]);
    let server = StandIn::start(|_| {
        Reply::json(
            200,
            r#"{"access_scopes":[{"handle":"read_orders"},{"handle":"write_customers"}]}"#,
        )
    });
    let opts = Options {
        access_map: true,
        overrides: Overrides::parse(&[format!("acme-store.myshopify.com={}", server.url())])
            .unwrap(),
        http: support::test_http(),
        ..Options::default()
    };
    let client = SafeClient::new(opts.overrides.clone(), opts.http.clone()).unwrap();
    validate_with_client(&mut findings, &specs, &opts, &client, &|_| {}).unwrap();
    let v = findings[0].validation.as_ref().unwrap();
    assert_eq!(v.status, "live", "{}", v.reason);
    assert_eq!(v.identity["scopes"], "read_orders, write_customers");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "/admin/oauth/access_scopes.json");
}

#[test]
fn webhook_secrets_go_only_to_the_fixed_provider_host() {
    // A Discord webhook on the legacy discordapp.com host is checked on discord.com: the host in
    // the scanned text is never used.
    let text = support::fake(
        "HOOK=https://discordapp.com/api/webhooks/«digit:19»/«b64url:68»\n",
        "hook",
    );
    let f = support::finding_in(&text, "discord.webhook").expect("finding");
    let legit = StandIn::start(|_| Reply::json(200, r#"{"name":"ci","guild_id":"1"}"#));
    let trap = StandIn::start(|_| Reply::json(200, "{}"));
    let opts = Options {
        overrides: Overrides::parse(&[
            format!("discord.com={}", legit.url()),
            format!("discordapp.com={}", trap.url()),
        ])
        .unwrap(),
        http: support::test_http(),
        ..Options::default()
    };
    let mut fs = vec![f];
    support::run(&mut fs, &opts);
    assert_eq!(fs[0].validation.as_ref().unwrap().status, "live");
    assert_eq!(legit.requests().len(), 1);
    assert!(trap.requests().is_empty());
}

#[test]
fn metadata_link_local_and_reserved_targets_are_refused_even_when_overridden() {
    let text = support::fake("export GITHUB_TOKEN=«token:github_crc32:ghp_»\n", "meta");
    let f = support::finding_in(&text, "github.pat.classic").expect("finding");
    for target in [
        "http://169.254.169.254",
        "http://[fe80::1]:8080",
        "http://[::ffff:169.254.169.254]",
        "http://0.0.0.0:8080",
        "http://[fd00:ec2::254]",
        "http://100.100.100.200",
        "http://224.0.0.1",
    ] {
        let opts = Options {
            overrides: Overrides::parse(&[format!("api.github.com={target}")]).unwrap(),
            http: support::test_http(),
            ..Options::default()
        };
        let client = SafeClient::new(opts.overrides.clone(), opts.http.clone()).unwrap();
        let mut fs = vec![f.clone()];
        validate_with_client(&mut fs, support::specs(), &opts, &client, &|_| {}).unwrap();
        let v = fs[0].validation.as_ref().unwrap();
        assert_eq!(v.status, "unknown", "{target}");
        assert!(v.reason.contains("refused"), "{target}: {}", v.reason);
        assert_eq!(client.requests_sent(), 0, "{target}");
    }
}

#[test]
fn a_host_named_in_an_override_may_be_loopback_by_name() {
    let text = support::fake("export GITHUB_TOKEN=«token:github_crc32:ghp_»\n", "byname");
    let f = support::finding_in(&text, "github.pat.classic").expect("finding");
    let server = StandIn::start(|_| Reply::json(200, r#"{"login":"octo"}"#));
    let port = server.url().rsplit(':').next().unwrap().to_string();
    let opts = Options {
        overrides: Overrides::parse(&[format!(
            "api.github.com=http://localhost:{port}/ghe/api/v3"
        )])
        .unwrap(),
        http: support::test_http(),
        ..Options::default()
    };
    let mut fs = vec![f];
    support::run(&mut fs, &opts);
    assert_eq!(fs[0].validation.as_ref().unwrap().status, "live");
    // The override keeps the original path under its own prefix (GitHub Enterprise layout).
    assert_eq!(server.requests()[0].target, "/ghe/api/v3/user");
}

#[test]
fn per_host_concurrency_and_the_global_deadline_hold() {
    // Twelve distinct tokens on one provider host, each answered slowly: at most two in flight.
    let server = StandIn::start(|_| {
        Reply::json(200, r#"{"login":"octo"}"#).delayed(Duration::from_millis(300))
    });
    let mut fs: Vec<Finding> = (0..12)
        .map(|i| {
            let text = support::fake("GITHUB_TOKEN=«token:github_crc32:ghp_»\n", &format!("c{i}"));
            support::finding_in(&text, "github.pat.classic").expect("finding")
        })
        .collect();
    let mut opts = support::options_for(&["api.github.com"], &server.url(), false);
    opts.http.per_host_concurrency = 2;
    support::run(&mut fs, &opts);
    assert!(
        fs.iter()
            .all(|f| f.validation.as_ref().unwrap().status == "live")
    );
    assert_eq!(server.requests().len(), 12);
    assert!(
        server.max_in_flight() <= 2,
        "{} in flight",
        server.max_in_flight()
    );
    assert!(server.max_in_flight() >= 1);

    // A deadline shorter than the work: the rest is unknown, never dead.
    server.reset();
    let mut fs2: Vec<Finding> = (0..6)
        .map(|i| {
            let text = support::fake("GITHUB_TOKEN=«token:github_crc32:ghp_»\n", &format!("d{i}"));
            support::finding_in(&text, "github.pat.classic").expect("finding")
        })
        .collect();
    server.set_handler(|_| Reply::json(200, "{}").delayed(Duration::from_secs(3)));
    let mut opts = support::options_for(&["api.github.com"], &server.url(), false);
    opts.http.deadline = std::time::Instant::now() + Duration::from_millis(1500);
    let started = std::time::Instant::now();
    support::run(&mut fs2, &opts);
    assert!(started.elapsed() < Duration::from_secs(10));
    for f in &fs2 {
        let v = f.validation.as_ref().unwrap();
        assert_eq!(v.status, "unknown", "{}", v.reason);
    }
}

#[test]
fn secrets_never_appear_in_reasons_even_when_the_provider_echoes_them() {
    let text = support::fake("export GITHUB_TOKEN=«token:github_crc32:ghp_»\n", "echo");
    let f = support::finding_in(&text, "github.pat.classic").expect("finding");
    let secret = f.secret.expose().to_string();
    let echoed = secret.clone();
    let server = StandIn::start(move |_| {
        Reply::json(429, &format!(r#"{{"message":"bad token {echoed}"}}"#))
            .header("retry-after", &echoed)
    });
    let mut fs = vec![f];
    let mut opts = support::options_for(&["api.github.com"], &server.url(), true);
    opts.http.max_attempts = 1;
    support::run(&mut fs, &opts);
    let v = fs[0].validation.as_ref().unwrap();
    assert!(v.reason.contains("Retry-After"), "{}", v.reason);
    assert!(!format!("{v:?}").contains(&secret), "{v:?}");
}

#[test]
fn one_request_per_secret_even_across_rules_that_share_a_validator() {
    let yaml = r#"
rules:
  - id: test.a
    name: A
    provider: Test
    pattern: 'TOK=(?P<secret>tok_[a-f0-9]{32})'
    keywords: [tok_]
    confidence: high
    severity: high
    remediation: rotate
    validation: {url: 'https://api.example.com/me', auth: bearer}
  - id: test.b
    name: B
    provider: Test
    pattern: '(?P<secret>tok_[a-f0-9]{32})'
    keywords: [tok_]
    confidence: high
    severity: high
    remediation: rotate
    validation: {url: 'https://api.example.com/me', auth: bearer}
"#;
    let rules = leakhound::rules::parse_rules(yaml, "test").unwrap();
    let specs = leakhound::validate::specs_by_rule(&rules.iter().collect::<Vec<_>>());
    let engine = Engine::new(rules, EngineOptions::default()).unwrap();
    let scanner = Scanner::new(&engine, ScanOptions::default(), Progress::hidden());
    let text = support::fake("TOK=tok_«hex:32»\nagain: TOK=tok_«hex:32»\n", "same");
    let line = text.lines().next().unwrap().to_string();
    let doubled = format!("{line}\n{line}\n");
    let mut findings = scanner.findings_in(
        doubled.as_bytes(),
        "x.env",
        &Source::File {
            path: "x.env".into(),
        },
    );
    assert!(findings.len() >= 3, "{}", findings.len());
    let server = StandIn::start(|_| Reply::json(200, "{}"));
    let opts = support::options_for(&["api.example.com"], &server.url(), false);
    let client = SafeClient::new(opts.overrides.clone(), opts.http.clone()).unwrap();
    validate_with_client(&mut findings, &specs, &opts, &client, &|_| {}).unwrap();
    assert!(
        findings
            .iter()
            .all(|f| f.validation.as_ref().unwrap().status == "live")
    );
    assert_eq!(server.requests().len(), 1);
}
