//! `leakhound revoke` against real stand-in providers on 127.0.0.1.
//!
//! The table drives every revocable rule: each row states, per provider family, the exact
//! requests (method, path and query, headers, body — and nothing more) of the whole sequence —
//! validation, optional lookup, revocation, re-validation — and the stand-in flips from live to
//! dead once it received the revocation. Scenario tests cover the rest of the safety model:
//! still live after revoking, no verdict after revoking, 403 naming the permission, 429, 5xx,
//! network errors, lookups that match nothing, AWS's Update-then-Delete, already-dead secrets,
//! and the binary end to end (refusal without confirmation, dry run, confirmation on a real
//! terminal, the audit log, reports with and without --show-secrets, filters, remediate).

mod support;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use leakhound::finding::Finding;
use leakhound::revoke::command::credentials;
use leakhound::revoke::spec::RevocationSpec;
use leakhound::revoke::{Revocation, Revoker, Settings, Status};
use leakhound::validate::aws::SigV4;
use leakhound::validate::http::SafeClient;
use leakhound::validate::safety::Overrides;
use serde_json::Value;
use sha2::Digest as _;
use support::standin::{Recorded, Reply, StandIn};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Validate,
    Lookup,
    Revoke,
}

/// One expected request. Targets, header values and bodies are templates (see [`expand`]);
/// a header value `*` means "present, any value".
#[derive(Clone)]
struct Step {
    kind: Kind,
    method: &'static str,
    target: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<&'static str>,
}

fn validate(req: &'static str) -> Step {
    let (method, target) = req.split_once(' ').expect("METHOD /path");
    Step {
        kind: Kind::Validate,
        method,
        target,
        headers: Vec::new(),
        body: None,
    }
}

fn step(kind: Kind, req: &'static str, headers: &[(&'static str, &'static str)]) -> Step {
    let (method, target) = req.split_once(' ').expect("METHOD /path");
    Step {
        kind,
        method,
        target,
        headers: headers.to_vec(),
        body: Some(""),
    }
}

impl Step {
    fn body(mut self, b: &'static str) -> Step {
        self.body = Some(b);
        self
    }
}

/// One provider family: its rules share the revocation request shape.
#[derive(Clone)]
struct Row {
    family: &'static str,
    rules: Vec<&'static str>,
    sample: Option<&'static str>,
    hosts: Vec<&'static str>,
    steps: Vec<Step>,
    live: (u16, &'static str),
    dead: (u16, &'static str),
    lookup: (u16, &'static str),
    revoke: (u16, &'static str),
}

fn row(family: &'static str, rules: &[&'static str], hosts: &[&'static str]) -> Row {
    Row {
        family,
        rules: rules.to_vec(),
        sample: None,
        hosts: hosts.to_vec(),
        steps: Vec::new(),
        live: (200, "{}"),
        dead: (401, r#"{"message":"Bad credentials"}"#),
        lookup: (200, "{}"),
        revoke: (204, ""),
    }
}

impl Row {
    fn sample(mut self, s: &'static str) -> Row {
        self.sample = Some(s);
        self
    }
    fn steps(mut self, s: Vec<Step>) -> Row {
        self.steps = s;
        self
    }
    fn live(mut self, status: u16, body: &'static str) -> Row {
        self.live = (status, body);
        self
    }
    fn dead(mut self, status: u16, body: &'static str) -> Row {
        self.dead = (status, body);
        self
    }
    fn lookup(mut self, status: u16, body: &'static str) -> Row {
        self.lookup = (status, body);
        self
    }
    fn revoke(mut self, status: u16, body: &'static str) -> Row {
        self.revoke = (status, body);
        self
    }
}

fn sha512_hex(s: &str) -> String {
    hex::encode(sha2::Sha512::digest(s.as_bytes()))
}

/// Expands `{secret}`, `{part.NAME}`, `{sha512}` (of the secret), `{url_path}` (the path of a
/// secret that is a URL), `{sg_id}` (middle part of a SendGrid key) and `{b64:…}`.
fn expand(t: &str, f: &Finding) -> String {
    let secret = f.secret.expose();
    let url_path = secret
        .splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default();
    let mut s = t
        .replace("{url_path}", &url_path)
        .replace("{sha512}", &sha512_hex(secret))
        .replace("{sha512_other}", &sha512_hex("someone-elses-token"))
        .replace("{sg_id}", secret.split('.').nth(1).unwrap_or_default())
        .replace("{secret}", secret);
    for (k, v) in &f.parts {
        s = s.replace(&format!("{{part.{k}}}"), v.expose());
    }
    while let Some(i) = s.find("{b64:") {
        let j = s[i..].find('}').map(|j| i + j).expect("closing brace");
        let enc = base64::engine::general_purpose::STANDARD.encode(&s[i + 5..j]);
        s = format!("{}{enc}{}", &s[..i], &s[j + 1..]);
    }
    s
}

fn table() -> Vec<Row> {
    use Kind::{Lookup, Revoke};
    let gh_headers: &[(&str, &str)] = &[
        ("accept", "application/vnd.github+json"),
        ("x-github-api-version", "2022-11-28"),
    ];
    vec![
        row(
            "GitHub (credentials API)",
            &["github.pat.classic", "github.pat.fine_grained", "github.oauth", "github.app.user_token"],
            &["api.github.com"],
        )
        .steps(vec![
            validate("GET /user"),
            step(
                Revoke,
                "POST /credentials/revoke",
                &[gh_headers, &[("content-type", "application/json")]].concat(),
            )
            .body(r#"{"credentials":["{secret}"]}"#),
            validate("GET /user"),
        ])
        .live(200, r#"{"login":"octo","type":"User"}"#)
        .revoke(202, ""),
        row("GitHub (installation token)", &["github.app.installation_token"], &["api.github.com"])
            .steps(vec![
                validate("GET /installation/repositories?per_page=100"),
                step(
                    Revoke,
                    "DELETE /installation/token",
                    &[gh_headers, &[("authorization", "Bearer {secret}")]].concat(),
                ),
                validate("GET /installation/repositories?per_page=100"),
            ])
            .live(200, r#"{"total_count":1,"repositories":[{"full_name":"acme/app"}]}"#),
        row("GitLab", &["gitlab.pat", "gitlab.pat.routable"], &["gitlab.com"])
            .steps(vec![
                validate("GET /api/v4/personal_access_tokens/self"),
                step(
                    Revoke,
                    "DELETE /api/v4/personal_access_tokens/self",
                    &[("private-token", "{secret}")],
                ),
                validate("GET /api/v4/personal_access_tokens/self"),
            ])
            .live(200, r#"{"name":"ci","scopes":["api"],"user_id":7}"#),
        row(
            "Slack",
            &["slack.bot_token", "slack.user_token", "slack.legacy_workspace_token"],
            &["slack.com"],
        )
        .steps(vec![
            validate("POST /api/auth.test"),
            step(Revoke, "POST /api/auth.revoke", &[("authorization", "Bearer {secret}")]),
            validate("POST /api/auth.test"),
        ])
        .live(200, r#"{"ok":true,"team":"acme","user":"bot"}"#)
        .dead(200, r#"{"ok":false,"error":"token_revoked"}"#)
        .revoke(200, r#"{"ok":true,"revoked":true}"#),
        row("Discord (webhooks)", &["discord.webhook"], &["discord.com"])
            .steps(vec![
                validate("GET {url_path}"),
                step(Revoke, "DELETE {url_path}", &[]),
                validate("GET {url_path}"),
            ])
            .live(200, r#"{"name":"deploys","guild_id":"1","channel_id":"2"}"#)
            .dead(404, r#"{"code":10015,"message":"Unknown Webhook"}"#),
        row(
            "Vercel",
            &["vercel.personal_access_token", "vercel.integration_token", "vercel.token.legacy"],
            &["api.vercel.com"],
        )
        .steps(vec![
            validate("GET /v2/user"),
            step(Revoke, "DELETE /v3/user/tokens/current", &[("authorization", "Bearer {secret}")]),
            validate("GET /v2/user"),
        ])
        .live(200, r#"{"user":{"username":"dev"}}"#)
        .dead(403, r#"{"error":{"code":"forbidden","invalidToken":true}}"#)
        .revoke(200, r#"{"tokenId":"5d9f2ebd38ddca62"}"#),
        row("Heroku", &["heroku.api_key", "heroku.api_key.legacy"], &["api.heroku.com"])
            .steps(vec![
                validate("GET /account"),
                step(
                    Lookup,
                    "GET /oauth/authorizations",
                    &[
                        ("authorization", "Bearer {secret}"),
                        ("accept", "application/vnd.heroku+json; version=3"),
                    ],
                ),
                step(
                    Revoke,
                    "DELETE /oauth/authorizations/01234567-89ab-4def-8123-456789abcdef",
                    &[
                        ("authorization", "Bearer {secret}"),
                        ("accept", "application/vnd.heroku+json; version=3"),
                    ],
                ),
                validate("GET /account"),
            ])
            .live(200, r#"{"email":"dev@example.com","id":"u1"}"#)
            // The matching authorization is not the first one listed.
            .lookup(
                200,
                r#"[{"id":"ffffffff-0000-4000-8000-000000000000","access_token":{"token":"HRKU-AAsomeone-elses-token"}},{"id":"01234567-89ab-4def-8123-456789abcdef","access_token":{"token":"{secret}"}}]"#,
            )
            .revoke(200, r#"{"id":"01234567-89ab-4def-8123-456789abcdef"}"#),
        row(
            "Doppler",
            &["doppler.personal_token", "doppler.service_token", "doppler.service_account_token", "doppler.cli_token"],
            &["api.doppler.com"],
        )
        .steps(vec![
            validate("GET /v3/me"),
            step(
                Revoke,
                "POST /v3/auth/revoke",
                &[("authorization", "Bearer {secret}"), ("content-type", "application/json")],
            )
            .body(r#"{"token":"{secret}"}"#),
            validate("GET /v3/me"),
        ])
        .live(200, r#"{"type":"personal","name":"ci"}"#)
        .revoke(200, r#"{"success":true}"#),
        row(
            "DigitalOcean",
            &["digitalocean.personal_access_token", "digitalocean.oauth_access_token"],
            &["api.digitalocean.com", "cloud.digitalocean.com"],
        )
        .steps(vec![
            validate("GET /v2/account"),
            step(
                Revoke,
                "POST /v1/oauth/revoke",
                &[
                    ("authorization", "Bearer {secret}"),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
            )
            .body("token={secret}"),
            validate("GET /v2/account"),
        ])
        .live(200, r#"{"account":{"email":"ops@example.com","status":"active"}}"#)
        .revoke(200, ""),
        row("Google (OAuth access tokens)", &["google.oauth.access_token"], &["oauth2.googleapis.com"])
            .steps(vec![
                validate("GET /tokeninfo?access_token={secret}"),
                step(
                    Revoke,
                    "POST /revoke",
                    &[("content-type", "application/x-www-form-urlencoded")],
                )
                .body("token={secret}"),
                validate("GET /tokeninfo?access_token={secret}"),
            ])
            .live(200, r#"{"email":"dev@example.com","scope":"openid","expires_in":"3000"}"#)
            .dead(400, r#"{"error":"invalid_token","error_description":"Invalid Value"}"#)
            .revoke(200, "{}"),
        row("npm", &["npm.access_token", "npm.npmrc.auth_token"], &["registry.npmjs.org"])
            .steps(vec![
                validate("GET /-/whoami"),
                step(Lookup, "GET /-/npm/v1/tokens", &[("authorization", "Bearer {secret}")]),
                step(
                    Revoke,
                    "DELETE /-/npm/v1/tokens/token/{sha512}",
                    &[("authorization", "Bearer {secret}")],
                ),
                validate("GET /-/whoami"),
            ])
            .live(200, r#"{"username":"dev"}"#)
            .lookup(
                200,
                r#"{"objects":[{"key":"{sha512_other}","token":"npm_ab…","readonly":false},{"key":"{sha512}","token":"npm_cd…","readonly":false}],"urls":{}}"#,
            ),
        row("AWS", &["aws.secret_access_key"], &["sts.amazonaws.com", "iam.amazonaws.com"])
            .sample("AWS_ACCESS_KEY_ID=AKIA«upper:16»\nAWS_SECRET_ACCESS_KEY=«b64:40»\n")
            .steps(vec![
                Step {
                    body: Some("Action=GetCallerIdentity&Version=2011-06-15"),
                    ..validate("POST /")
                },
                step(
                    Revoke,
                    "POST /",
                    &[
                        ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
                        ("x-amz-date", "*"),
                        ("authorization", "*"),
                    ],
                )
                .body("Action=UpdateAccessKey&AccessKeyId={part.key_id}&Status=Inactive&Version=2010-05-08"),
                Step {
                    body: Some("Action=GetCallerIdentity&Version=2011-06-15"),
                    ..validate("POST /")
                },
            ])
            .live(
                200,
                r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/ci","UserId":"AIDA1"}}}"#,
            )
            .dead(
                403,
                "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>",
            )
            .revoke(200, "<UpdateAccessKeyResponse><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></UpdateAccessKeyResponse>"),
        row(
            "Cloudflare",
            &["cloudflare.api_token.user", "cloudflare.api_token.legacy"],
            &["api.cloudflare.com"],
        )
        .steps(vec![
            validate("GET /client/v4/user/tokens/verify"),
            // The lookup is the same verify call; it yields the token's own id.
            step(Lookup, "GET /client/v4/user/tokens/verify", &[("authorization", "Bearer {secret}")]),
            step(
                Revoke,
                "DELETE /client/v4/user/tokens/f267e341f3dd4697bd3b9f71dd96247f",
                &[("authorization", "Bearer {secret}")],
            ),
            validate("GET /client/v4/user/tokens/verify"),
        ])
        .live(
            200,
            r#"{"success":true,"result":{"id":"f267e341f3dd4697bd3b9f71dd96247f","status":"active"}}"#,
        )
        .dead(401, r#"{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]}"#)
        .revoke(200, r#"{"success":true,"result":{"id":"f267e341f3dd4697bd3b9f71dd96247f"}}"#),
        row("Twilio", &["twilio.api_key_secret"], &["verify.twilio.com", "iam.twilio.com"])
            .sample("TWILIO_API_KEY=SK«hex:32»\nTWILIO_API_SECRET=«alnum:32»\n")
            .steps(vec![
                validate("GET /v2/Services?PageSize=1"),
                step(
                    Revoke,
                    "DELETE /v1/Keys/{part.key_sid}",
                    &[("authorization", "Basic {b64:{part.key_sid}:{secret}}")],
                ),
                validate("GET /v2/Services?PageSize=1"),
            ])
            .live(200, r#"{"services":[],"meta":{}}"#)
            .dead(401, r#"{"code":20003,"message":"Authenticate"}"#),
        row("SendGrid", &["sendgrid.api_key"], &["api.sendgrid.com"])
            .steps(vec![
                validate("GET /v3/scopes"),
                step(Revoke, "DELETE /v3/api_keys/{sg_id}", &[("authorization", "Bearer {secret}")]),
                validate("GET /v3/scopes"),
            ])
            .live(200, r#"{"scopes":["mail.send","api_keys.delete"]}"#)
            .dead(401, r#"{"errors":[{"field":null,"message":"authorization required"}]}"#),
        row(
            "Dropbox",
            &["dropbox.short_lived_token", "dropbox.long_lived_token"],
            &["api.dropboxapi.com"],
        )
        .steps(vec![
            validate("POST /2/users/get_current_account"),
            step(Revoke, "POST /2/auth/token/revoke", &[("authorization", "Bearer {secret}")]),
            validate("POST /2/users/get_current_account"),
        ])
        .live(200, r#"{"email":"dev@example.com","account_id":"dbid:1"}"#)
        .dead(401, r#"{"error_summary":"invalid_access_token/","error":{".tag":"invalid_access_token"}}"#)
        .revoke(200, "null"),
        row("LaunchDarkly", &["launchdarkly.api_access_token"], &["app.launchdarkly.com"])
            .steps(vec![
                validate("GET /api/v2/caller-identity"),
                step(Lookup, "GET /api/v2/caller-identity", &[("authorization", "{secret}")]),
                step(
                    Revoke,
                    "DELETE /api/v2/tokens/5f0c8a2b9d1e4f0012345678",
                    &[("authorization", "{secret}")],
                ),
                validate("GET /api/v2/caller-identity"),
            ])
            .live(
                200,
                r#"{"accountId":"acc1","tokenId":"5f0c8a2b9d1e4f0012345678","tokenName":"ci","memberId":"m1"}"#,
            ),
    ]
}

fn step_matches(s: &Step, q: &Recorded, f: &Finding) -> bool {
    q.method == s.method
        && q.target == expand(s.target, f)
        && s.body.is_none_or(|b| q.body_text() == expand(b, f))
}

/// The exact-request check: method, target, every expected header with its value, no other
/// header than the client's standard ones, and the exact body.
fn check_exact(s: &Step, q: &Recorded, f: &Finding) -> Result<(), String> {
    if q.method != s.method || q.target != expand(s.target, f) {
        return Err(format!(
            "{:?}: got {} {:?}, expected {} {:?}",
            s.kind,
            q.method,
            q.target,
            s.method,
            expand(s.target, f)
        ));
    }
    if s.kind == Kind::Validate {
        return Ok(());
    }
    let ua = q.header("user-agent").unwrap_or_default();
    if !ua.starts_with("leakhound/") {
        return Err(format!("user-agent {ua:?}"));
    }
    let expected: BTreeMap<String, String> = s
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), expand(v, f)))
        .collect();
    for (k, v) in &expected {
        match q.header(k) {
            Some(_) if v == "*" => {}
            Some(got) if got == v => {}
            Some(_) => return Err(format!("{:?}: header {k} has the wrong value", s.kind)),
            None => return Err(format!("{:?}: header {k} missing", s.kind)),
        }
    }
    for (k, _) in &q.headers {
        let standard = matches!(k.as_str(), "host" | "user-agent" | "content-length")
            || (k == "accept" && !expected.contains_key("accept"));
        if !standard && !expected.contains_key(k) {
            return Err(format!("{:?}: unexpected header {k}", s.kind));
        }
    }
    let want = s.body.map(|b| expand(b, f)).unwrap_or_default();
    if q.body_text() != want {
        return Err(format!(
            "{:?}: body {:?} != {:?}",
            s.kind,
            q.body_text(),
            want
        ));
    }
    Ok(())
}

/// A stand-in for one row: live until it receives the revocation, dead afterwards.
fn provider(row: &Row, f: &Finding, revoke: Reply) -> (StandIn, Arc<AtomicBool>) {
    let revoked = Arc::new(AtomicBool::new(false));
    let flag = revoked.clone();
    let f = f.clone();
    let row = row.clone();
    let server = StandIn::start(move |q: &Recorded| {
        for s in &row.steps {
            if !step_matches(s, q, &f) {
                continue;
            }
            return match s.kind {
                Kind::Validate if flag.load(Ordering::SeqCst) => {
                    Reply::json(row.dead.0, &expand(row.dead.1, &f))
                }
                Kind::Validate => Reply::json(row.live.0, &expand(row.live.1, &f)),
                Kind::Lookup => Reply::json(row.lookup.0, &expand(row.lookup.1, &f)),
                Kind::Revoke => {
                    if (200..300).contains(&revoke.status) {
                        flag.store(true, Ordering::SeqCst);
                    }
                    revoke.clone()
                }
            };
        }
        Reply::json(404, r#"{"message":"no such endpoint in the stand-in"}"#)
    });
    (server, revoked)
}

fn specs() -> &'static HashMap<String, RevocationSpec> {
    static S: std::sync::OnceLock<HashMap<String, RevocationSpec>> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        support::engine()
            .rules()
            .iter()
            .filter_map(|r| r.rule.revocation.clone().map(|v| (r.rule.id.clone(), v)))
            .collect()
    })
}

fn client_for(hosts: &[&str], url: &str) -> SafeClient {
    let entries: Vec<String> = hosts.iter().map(|h| format!("{h}={url}")).collect();
    SafeClient::new(
        Overrides::parse(&entries).expect("overrides"),
        support::test_http(),
    )
    .expect("client")
}

/// Runs one credential through a revoker (audit log in `dir`).
fn revoke_one(f: &Finding, client: &SafeClient, wait: Duration, dir: &Path) -> Revocation {
    let warn = |_: &str| {};
    let revoker = Revoker::new(
        client,
        support::specs(),
        specs(),
        Settings {
            wait,
            audit_log: dir.join("audit.jsonl"),
        },
        &warn,
    );
    let creds = credentials(&[f]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(revoker.revoke(&creds[0]))
}

fn sample_finding(row: &Row, rule: &str) -> Finding {
    let text = match row.sample {
        Some(s) => support::fake(s, rule),
        None => support::example(rule),
    };
    support::finding_in(&text, rule).unwrap_or_else(|| panic!("{rule}: sample yields no finding"))
}

fn run_row(row: &Row, rule: &str, dir: &Path) -> Result<(), String> {
    let f = sample_finding(row, rule);
    let reply = Reply {
        status: row.revoke.0,
        headers: vec![("content-type".into(), "application/json".into())],
        body: expand(row.revoke.1, &f).into_bytes(),
        delay: Duration::ZERO,
    };
    let (server, revoked) = provider(row, &f, reply);
    let client = client_for(&row.hosts, &server.url());
    let r = revoke_one(&f, &client, Duration::from_secs(5), dir);
    let reqs = server.requests();
    if reqs.len() != row.steps.len() {
        return Err(format!(
            "expected {} requests, got {}: {:?} ({:?}: {})",
            row.steps.len(),
            reqs.len(),
            reqs.iter()
                .map(|q| format!("{} {}", q.method, q.target))
                .collect::<Vec<_>>(),
            r.status,
            r.reason
        ));
    }
    for (s, q) in row.steps.iter().zip(&reqs) {
        check_exact(s, q, &f)?;
    }
    if !revoked.load(Ordering::SeqCst) {
        return Err("the stand-in never saw the revocation".into());
    }
    if r.status != Status::Revoked {
        return Err(format!("status {:?}: {}", r.status, r.reason));
    }
    if !r.before.as_deref().is_some_and(|b| b.starts_with("live"))
        || !r.after.as_deref().is_some_and(|a| a.starts_with("dead"))
    {
        return Err(format!("before {:?} after {:?}", r.before, r.after));
    }
    if rule == "aws.secret_access_key" {
        check_aws_signature(&reqs[1], &f)?;
    }
    for q in &reqs {
        if rule == "aws.secret_access_key" && q.body_text().contains(f.secret.expose()) {
            return Err("the AWS secret key was sent".into());
        }
    }
    Ok(())
}

/// The IAM call is signed with the leaked key (recomputed here) and never carries the secret.
fn check_aws_signature(q: &Recorded, f: &Finding) -> Result<(), String> {
    let key_id = f.parts["key_id"].expose();
    let date = q.header("x-amz-date").ok_or("no x-amz-date")?;
    let signer = SigV4 {
        key_id,
        secret: f.secret.expose(),
        region: "us-east-1",
        service: "iam",
    };
    let want = signer.authorization(
        "POST",
        "/",
        "",
        &[
            ("content-type", q.header("content-type").unwrap_or_default()),
            ("host", "iam.amazonaws.com"),
            ("x-amz-date", date),
        ],
        &q.body,
        date,
    );
    let got = q.header("authorization").unwrap_or_default();
    if got != want {
        return Err(format!("IAM signature mismatch: {got}"));
    }
    if got.contains(f.secret.expose()) {
        return Err("secret in the Authorization header".into());
    }
    Ok(())
}

#[test]
fn every_family_sends_exactly_the_documented_requests_and_ends_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut runs = 0;
    for row in table() {
        for rule in &row.rules {
            runs += 1;
            if let Err(e) = run_row(&row, rule, dir.path()) {
                failures.push(format!("{} / {rule}: {e}", row.family));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let families: std::collections::BTreeSet<&str> = table()
        .iter()
        .map(|r| r.family.split(' ').next().unwrap())
        .collect();
    assert!(families.len() >= 15, "{families:?}");
    assert!(runs >= 30);
}

#[test]
fn every_revocable_rule_has_a_table_row_and_a_validator() {
    let rows = table();
    let covered: Vec<&str> = rows.iter().flat_map(|r| r.rules.clone()).collect();
    for id in specs().keys() {
        assert!(
            covered.contains(&id.as_str()),
            "{id} has no row in the table"
        );
        let v = support::specs()
            .get(id)
            .unwrap_or_else(|| panic!("{id} has no validator"));
        assert!(v.is_active(), "{id}: validation is skipped");
    }
}

// ---- Scenarios through the library -------------------------------------------------------

fn gh_row() -> Row {
    table().into_iter().next().unwrap()
}

fn gh_finding() -> Finding {
    sample_finding(&gh_row(), "github.pat.classic")
}

/// GitHub stand-in whose answers the test chooses.
fn gh_server(validate_after: Reply, revoke: Reply) -> (StandIn, Arc<AtomicBool>) {
    let revoked = Arc::new(AtomicBool::new(false));
    let flag = revoked.clone();
    let server = StandIn::start(
        move |q: &Recorded| match (q.method.as_str(), q.target.as_str()) {
            ("GET", "/user") if flag.load(Ordering::SeqCst) => validate_after.clone(),
            ("GET", "/user") => Reply::json(200, r#"{"login":"octo"}"#),
            ("POST", "/credentials/revoke") => {
                flag.store(true, Ordering::SeqCst);
                revoke.clone()
            }
            _ => Reply::json(404, "{}"),
        },
    );
    (server, revoked)
}

#[test]
fn a_secret_that_still_works_after_revoking_is_never_called_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let f = gh_finding();
    let (server, _) = gh_server(
        Reply::json(200, r#"{"login":"octo"}"#),
        Reply::json(202, ""),
    );
    let client = client_for(&["api.github.com"], &server.url());
    let r = revoke_one(&f, &client, Duration::from_millis(1200), dir.path());
    assert_eq!(r.status, Status::RequestedStillLive, "{}", r.reason);
    assert!(r.reason.contains("still works"), "{}", r.reason);
    // Re-checked more than once within the wait before giving up.
    let checks = server
        .requests()
        .iter()
        .filter(|q| q.target == "/user")
        .count();
    assert!(checks >= 3, "{checks} validation requests");
    let (server, _) = gh_server(Reply::json(503, "{}"), Reply::json(202, ""));
    let client = client_for(&["api.github.com"], &server.url());
    let r = revoke_one(&f, &client, Duration::ZERO, dir.path());
    assert_eq!(r.status, Status::RequestedUnknown, "{}", r.reason);
    assert!(r.reason.contains("no verdict"), "{}", r.reason);
}

#[test]
fn provider_errors_are_reported_as_not_revoked_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let f = gh_finding();
    for (reply, want) in [
        (
            Reply::json(429, r#"{"message":"API rate limit exceeded"}"#).header("retry-after", "1"),
            "rate limited (HTTP 429, Retry-After 1) after 3 attempts",
        ),
        (
            Reply::json(502, r#"{"message":"Server Error"}"#),
            "provider error HTTP 502 after 3 attempts: Server Error",
        ),
        (
            Reply::json(422, r#"{"message":"Validation Failed"}"#),
            "HTTP 422: Validation Failed",
        ),
        (
            Reply::json(403, r#"{"message":"API rate limit exceeded"}"#)
                .header("x-ratelimit-remaining", "0"),
            "GitHub rate limit reached (60 revocation requests per hour); try again later: API rate limit exceeded",
        ),
    ] {
        let (server, revoked) = gh_server(Reply::json(401, "{}"), reply);
        let client = client_for(&["api.github.com"], &server.url());
        let r = revoke_one(&f, &client, Duration::from_secs(5), dir.path());
        assert_eq!(r.status, Status::NotRevoked, "{}", r.reason);
        assert!(r.reason.contains(want), "{} (wanted {want})", r.reason);
        assert!(revoked.load(Ordering::SeqCst));
        // No re-check after a failed revocation.
        assert_eq!(
            server
                .requests()
                .iter()
                .filter(|q| q.target == "/user")
                .count(),
            1
        );
    }
    // A provider that cannot be reached at all.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = client_for(&["api.github.com"], &url);
    let r = revoke_one(&f, &client, Duration::from_secs(5), dir.path());
    assert_eq!(r.status, Status::NotRevoked);
    assert!(r.reason.contains("network error"), "{}", r.reason);
}

#[test]
fn a_403_names_the_permission_the_provider_documents() {
    let dir = tempfile::tempdir().unwrap();
    let row = table()
        .into_iter()
        .find(|r| r.family == "Cloudflare")
        .unwrap();
    let f = sample_finding(&row, "cloudflare.api_token.user");
    let (server, revoked) = provider(
        &row,
        &f,
        Reply::json(
            403,
            r#"{"success":false,"errors":[{"code":9109,"message":"Unauthorized to access requested resource"}]}"#,
        ),
    );
    let client = client_for(&row.hosts, &server.url());
    let r = revoke_one(&f, &client, Duration::from_secs(5), dir.path());
    assert_eq!(r.status, Status::NotRevoked);
    assert_eq!(
        r.reason,
        "could not revoke: needs the API Tokens Write permission (HTTP 403: Unauthorized to access requested resource)"
    );
    assert!(!revoked.load(Ordering::SeqCst));
}

#[test]
fn a_lookup_that_matches_nothing_revokes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let row = table().into_iter().find(|r| r.family == "npm").unwrap();
    let f = sample_finding(&row, "npm.access_token");
    // Only someone else's token is listed: the first (only) item must not be deleted.
    let row = row.lookup(
        200,
        r#"{"objects":[{"key":"{sha512_other}","token":"npm_ab…"}],"urls":{}}"#,
    );
    let (server, revoked) = provider(&row, &f, Reply::json(204, ""));
    let client = client_for(&row.hosts, &server.url());
    let r = revoke_one(&f, &client, Duration::from_secs(5), dir.path());
    assert_eq!(r.status, Status::NotRevoked);
    assert!(
        r.reason
            .contains("none of the 1 listed credentials matches"),
        "{}",
        r.reason
    );
    assert!(!revoked.load(Ordering::SeqCst));
    assert!(server.requests().iter().all(|q| q.method != "DELETE"));
}

#[test]
fn aws_deletes_only_when_deactivating_is_denied_and_names_both_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let row = table().into_iter().find(|r| r.family == "AWS").unwrap();
    let f = sample_finding(&row, "aws.secret_access_key");
    let denied = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>User is not authorized to perform: iam:UpdateAccessKey</Message></Error></ErrorResponse>";
    let live = row.live.1;
    let dead = row.dead.1;
    for delete_allowed in [true, false] {
        let gone = Arc::new(AtomicBool::new(false));
        let flag = gone.clone();
        let server = StandIn::start(move |q: &Recorded| {
            let body = q.body_text();
            if body.starts_with("Action=GetCallerIdentity") {
                return if flag.load(Ordering::SeqCst) {
                    Reply::json(403, dead)
                } else {
                    Reply::json(200, live)
                };
            }
            if body.starts_with("Action=DeleteAccessKey") && delete_allowed {
                flag.store(true, Ordering::SeqCst);
                return Reply::json(200, "<DeleteAccessKeyResponse/>");
            }
            Reply::json(403, denied)
        });
        let client = client_for(&row.hosts, &server.url());
        let r = revoke_one(&f, &client, Duration::from_secs(5), dir.path());
        let actions: Vec<String> = server
            .requests()
            .iter()
            .map(|q| {
                q.body_text()
                    .split('&')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(
            actions,
            if delete_allowed {
                vec![
                    "Action=GetCallerIdentity",
                    "Action=UpdateAccessKey",
                    "Action=DeleteAccessKey",
                    "Action=GetCallerIdentity",
                ]
            } else {
                vec![
                    "Action=GetCallerIdentity",
                    "Action=UpdateAccessKey",
                    "Action=DeleteAccessKey",
                ]
            }
        );
        if delete_allowed {
            assert_eq!(r.status, Status::Revoked, "{}", r.reason);
            assert!(r.reason.contains("DeleteAccessKey"), "{}", r.reason);
        } else {
            assert_eq!(r.status, Status::NotRevoked);
            assert_eq!(
                r.reason,
                "could not revoke: needs iam:UpdateAccessKey or iam:DeleteAccessKey on the key's own IAM user (AccessDenied on UpdateAccessKey and DeleteAccessKey)"
            );
        }
    }
}

#[test]
fn an_already_dead_secret_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let f = gh_finding();
    let server = StandIn::start(|_| Reply::json(401, r#"{"message":"Bad credentials"}"#));
    let client = client_for(&["api.github.com"], &server.url());
    let r = revoke_one(&f, &client, Duration::from_secs(5), dir.path());
    assert_eq!(r.status, Status::AlreadyDead, "{}", r.reason);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "/user");
}

// ---- The binary end to end ----------------------------------------------------------------

fn lh(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LEAKHOUND_VALIDATE_ENDPOINTS")
        .env("HOME", cwd)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null())
        .output()
        .expect("run leakhound")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A GitHub token, an AWS key pair and an OpenAI-style key nothing can revoke, in a tree.
fn tree() -> (tempfile::TempDir, Vec<String>) {
    let d = tempfile::tempdir().unwrap();
    let gh = support::fake("«token:github_crc32:ghp_»", "revoke-cli-gh");
    let akid = support::fake("AKIA«upper:16»", "revoke-cli-akid");
    let sak = support::fake("«b64:40»", "revoke-cli-sak");
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

/// GitHub, STS and IAM in one stand-in: live until revoked, dead afterwards.
fn providers() -> StandIn {
    let gh = Arc::new(AtomicBool::new(false));
    let aws = Arc::new(AtomicBool::new(false));
    StandIn::start(move |q: &Recorded| {
        let body = q.body_text();
        match (q.method.as_str(), q.target.as_str()) {
            ("GET", "/user") if gh.load(Ordering::SeqCst) => Reply::json(401, "{}"),
            ("GET", "/user") => Reply::json(200, r#"{"login":"octo"}"#),
            ("POST", "/credentials/revoke") => {
                gh.store(true, Ordering::SeqCst);
                Reply::json(202, "")
            }
            ("POST", "/") if body.starts_with("Action=GetCallerIdentity") => {
                if aws.load(Ordering::SeqCst) {
                    Reply::json(
                        403,
                        "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
                    )
                } else {
                    Reply::json(
                        200,
                        r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/ci","UserId":"AIDA"}}}"#,
                    )
                }
            }
            ("POST", "/") if body.starts_with("Action=UpdateAccessKey") => {
                aws.store(true, Ordering::SeqCst);
                Reply::json(200, "<UpdateAccessKeyResponse/>")
            }
            _ => Reply::json(404, "{}"),
        }
    })
}

fn scan_report(d: &Path, extra: &[&str]) {
    let mut args = vec![
        "scan",
        ".",
        "--no-progress",
        "--format",
        "json",
        "-o",
        "report.json",
    ];
    args.extend_from_slice(extra);
    let o = lh(&args, d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
}

fn revoke_args<'a>(s: &'a str, more: &[&'a str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "revoke",
        "--from",
        "report.json",
        "--audit-log",
        "audit.jsonl",
        "--revoke-wait",
        "3",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    for h in ["api.github.com", "sts.amazonaws.com", "iam.amazonaws.com"] {
        v.push("--validate-endpoint".into());
        v.push(format!("{h}={s}"));
    }
    v.extend(more.iter().map(|x| x.to_string()));
    v
}

fn run(args: &[String], d: &Path) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    lh(&refs, d)
}

/// No secret, and no 8-character piece of one, anywhere in `hay`.
fn assert_no_secret_bytes(hay: &str, secrets: &[String], what: &str) {
    for s in secrets {
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(8) {
            let piece: String = w.iter().collect();
            assert!(!hay.contains(&piece), "a piece of a secret is in {what}");
        }
    }
}

#[test]
fn without_a_terminal_or_yes_it_refuses_and_sends_nothing() {
    let (d, _) = tree();
    scan_report(d.path(), &[]);
    let s = providers();
    let o = run(&revoke_args(&s.url(), &[]), d.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("refusing to revoke 2 secrets without confirmation"),
        "{err}"
    );
    assert!(err.contains("--dry-run") && err.contains("--yes"), "{err}");
    assert!(s.requests().is_empty(), "a request was sent");
    let log = fs::read_to_string(d.path().join("audit.jsonl")).unwrap_or_default();
    assert!(log.trim().is_empty(), "{log}");
}

#[test]
fn without_a_writable_audit_log_it_refuses_and_sends_nothing() {
    let (d, _) = tree();
    scan_report(d.path(), &[]);
    fs::write(d.path().join("not-a-dir"), "").unwrap();
    let s = providers();
    let mut args = revoke_args(&s.url(), &["--yes"]);
    let at = args.iter().position(|a| a == "audit.jsonl").unwrap();
    args[at] = "not-a-dir/audit.jsonl".into();
    let o = run(&args, d.path());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("revocation needs an audit trail"), "{err}");
    assert!(err.contains("not-a-dir/audit.jsonl"), "{err}");
    assert!(s.requests().is_empty(), "a request was sent");
}

#[test]
fn dry_run_shows_every_request_and_sends_nothing() {
    let (d, secrets) = tree();
    scan_report(d.path(), &[]);
    let s = providers();
    let o = run(&revoke_args(&s.url(), &["--dry-run"]), d.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(s.requests().is_empty(), "the dry run sent a request");
    let out = text(&o.stdout);
    let port = s.url().rsplit(':').next().unwrap().to_string();
    for want in [
        "[dry run] github.pat.classic",
        "validate  GET https://api.github.com/user (overridden to http://127.0.0.1:",
        "[secret in Authorization: Bearer]",
        "revoke    POST https://api.github.com/credentials/revoke (overridden to http://127.0.0.1:",
        "[secret in request body]",
        "re-check  GET https://api.github.com/user",
        "until it answers dead (up to 3 s)",
        "revoke    POST https://iam.amazonaws.com/ Action=UpdateAccessKey Status=Inactive (DeleteAccessKey if that is denied)",
        "[SigV4 signature; the secret itself is never sent]",
        "Dry run: nothing was sent.",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(out.contains(&port));
    assert_no_secret_bytes(&out, &secrets, "the dry-run output");
    assert_no_secret_bytes(&text(&o.stderr), &secrets, "stderr");
    let log = fs::read_to_string(d.path().join("audit.jsonl")).unwrap();
    let recs: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 2);
    assert!(
        recs.iter()
            .all(|r| r["action"] == "revoke-dry-run" && r["outcome"] == "dry_run")
    );
    assert_no_secret_bytes(&log, &secrets, "the audit log");
}

#[test]
fn yes_revokes_validates_again_and_writes_an_audit_log_without_secrets() {
    let (d, secrets) = tree();
    scan_report(d.path(), &[]);
    let s = providers();
    let o = run(
        &revoke_args(&s.url(), &["--yes", "--format", "json"]),
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = v["results"].as_array().unwrap();
    let by_rule = |id: &str| {
        results
            .iter()
            .find(|r| r["rule_id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    assert_eq!(by_rule("github.pat.classic")["status"], "revoked");
    assert_eq!(by_rule("aws.secret_access_key")["status"], "revoked");
    assert!(
        by_rule("aws.secret_access_key")["reason"]
            .as_str()
            .unwrap()
            .contains("UpdateAccessKey")
    );
    // The key id has no revocation of its own; it goes with its secret key.
    let kid = by_rule("aws.access_key_id");
    assert_eq!(kid["status"], "revoked");
    assert!(
        kid["reason"]
            .as_str()
            .unwrap()
            .contains("goes with aws.secret_access_key")
    );
    assert_eq!(by_rule("github.pat.classic")["before"], "live: HTTP 200");
    assert!(
        by_rule("github.pat.classic")["after"]
            .as_str()
            .unwrap()
            .starts_with("dead: ")
    );
    assert_eq!(v["summary"]["by_status"]["revoked"], 3);
    assert_no_secret_bytes(&text(&o.stdout), &secrets, "stdout");
    assert_no_secret_bytes(&text(&o.stderr), &secrets, "stderr");

    let raw = fs::read(d.path().join("audit.jsonl")).unwrap();
    let log = String::from_utf8(raw.clone()).unwrap();
    assert_no_secret_bytes(&log, &secrets, "the audit log");
    // And the same with grep, byte for byte.
    for secret in &secrets {
        let g = Command::new("grep")
            .args(["-c", "-F", secret.as_str(), "audit.jsonl"])
            .current_dir(d.path())
            .output()
            .unwrap();
        assert_eq!(
            text(&g.stdout).trim(),
            "0",
            "grep found a secret in the audit log"
        );
    }
    let recs: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let gh: Vec<&Value> = recs
        .iter()
        .filter(|r| r["rule_id"] == "github.pat.classic")
        .collect();
    let seq: Vec<(String, String)> = gh
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seq,
        [
            ("validate", "live"),
            ("revoke", "requested"),
            ("validate", "dead"),
            ("revoke-result", "revoked")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    for r in &gh {
        for field in [
            "time",
            "operator",
            "action",
            "rule_id",
            "fingerprint",
            "location",
            "endpoint_host",
            "outcome",
        ] {
            assert!(
                r[field].as_str().is_some_and(|x| !x.is_empty()),
                "{field} missing in {r}"
            );
        }
        assert_eq!(r["endpoint_host"], "api.github.com");
        assert!(r["location"].as_str().unwrap().contains("config.py:1"));
    }
    assert!(
        gh[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("before revocation")
    );
    // `leakhound audit` lists them.
    let o = lh(&["audit", "--audit-log", "audit.jsonl"], d.path());
    assert!(
        text(&o.stdout).contains("revoke-result"),
        "{}",
        text(&o.stdout)
    );
    // Exactly the documented requests reached the stand-in.
    let reqs: Vec<String> = s
        .requests()
        .iter()
        .map(|q| {
            format!(
                "{} {} {}",
                q.method,
                q.target,
                q.body_text().split('&').next().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        reqs.iter()
            .filter(|r| r.starts_with("POST /credentials/revoke"))
            .count(),
        1
    );
    assert_eq!(
        reqs.iter()
            .filter(|r| r.contains("Action=UpdateAccessKey"))
            .count(),
        1
    );
    assert!(!reqs.iter().any(|r| r.contains("DeleteAccessKey")));
}

#[test]
fn reports_with_shown_secrets_need_no_source_files() {
    let (d, _) = tree();
    scan_report(d.path(), &["--show-secrets"]);
    fs::remove_file(d.path().join("config.py")).unwrap();
    fs::remove_file(d.path().join(".env")).unwrap();
    let s = providers();
    let o = run(
        &revoke_args(&s.url(), &["--yes", "--rule", "github.pat.classic"]),
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("[revoked] github.pat.classic"), "{out}");
    assert!(
        !out.contains("aws"),
        "--rule must select only GitHub: {out}"
    );
    assert!(s.requests().iter().all(|q| q.target != "/"));
}

#[test]
fn filters_select_by_rule_and_fingerprint_and_moved_secrets_are_not_sent() {
    let (d, _) = tree();
    scan_report(d.path(), &[]);
    let report: Value =
        serde_json::from_str(&fs::read_to_string(d.path().join("report.json")).unwrap()).unwrap();
    let fp = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "aws.secret_access_key")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let s = providers();
    let o = run(
        &revoke_args(&s.url(), &["--dry-run", "--fingerprint", &fp[..10]]),
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(
        out.contains("aws.secret_access_key") && !out.contains("github"),
        "{out}"
    );
    let o = run(
        &revoke_args(&s.url(), &["--fingerprint", "ffffffffffff"]),
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("no finding"),
        "{}",
        text(&o.stderr)
    );
    // The token moved away: it cannot be re-read, so nothing is sent for it.
    fs::write(d.path().join("config.py"), "GITHUB_TOKEN = None\n").unwrap();
    let o = run(
        &revoke_args(&s.url(), &["--yes", "--rule", "github.pat.classic"]),
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("[not revoked] github.pat.classic"), "{out}");
    assert!(
        out.contains("…(40 chars)"),
        "the report's redacted form is shown as is: {out}"
    );
    assert!(text(&o.stderr).contains("cannot be revoked from here"));
    assert!(s.requests().is_empty());
}

#[test]
fn on_a_terminal_it_asks_naming_each_secret_and_only_yes_proceeds() {
    let (d, _) = tree();
    scan_report(d.path(), &[]);
    let report: Value =
        serde_json::from_str(&fs::read_to_string(d.path().join("report.json")).unwrap()).unwrap();
    let gh_fp = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "github.pat.classic")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    for (answer, code) in [("no", 2), ("yes", 0)] {
        let s = providers();
        let cmd = format!(
            "{} {}",
            env!("CARGO_BIN_EXE_leakhound"),
            revoke_args(&s.url(), &["--rule", "github.pat.classic"]).join(" ")
        );
        // `script` gives the child a real terminal; the answer is typed once it asks.
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(d.path())
            .env_remove("LEAKHOUND_VALIDATE_ENDPOINTS")
            .env("HOME", d.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script (util-linux) runs");
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        writeln!(stdin, "{answer}").unwrap();
        drop(stdin);
        let o = child.wait_with_output().unwrap();
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(all.contains("leakhound will revoke 1 secret"), "{all}");
        assert!(
            all.contains("1. github.pat.classic ghp_") && all.contains("config.py:1"),
            "{all}"
        );
        assert!(
            all.contains(&gh_fp),
            "the prompt must name the fingerprint: {all}"
        );
        assert_eq!(o.status.code(), Some(code), "{answer}: {all}");
        if answer == "no" {
            assert!(s.requests().is_empty());
            assert!(all.contains("aborted: nothing was revoked"), "{all}");
        } else {
            assert!(all.contains("[revoked] github.pat.classic"), "{all}");
        }
    }
}

#[test]
fn remediate_says_which_secrets_leakhound_can_revoke() {
    let (d, _) = tree();
    scan_report(d.path(), &[]);
    let o = lh(&["remediate", "--from", "report.json"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("Revoke: leakhound can revoke it (POST api.github.com): `leakhound revoke --from report.json --fingerprint "),
        "{out}"
    );
    assert!(
        out.contains("Revoke: leakhound can revoke it (aws_iam iam.amazonaws.com)"),
        "{out}"
    );
    assert!(
        out.contains("leakhound cannot revoke aws.access_key_id secrets"),
        "{out}"
    );
    let o = lh(
        &["remediate", "--from", "report.json", "--format", "markdown"],
        d.path(),
    );
    assert!(text(&o.stdout).contains("### Revoke"));
}

#[test]
fn rules_list_marks_revocable_rules() {
    let d = tempfile::tempdir().unwrap();
    let o = lh(&["rules", "list", "--revocable"], d.path());
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(out.contains("github.pat.classic"), "{out}");
    assert!(out.contains("cloudflare.api_token.user") && out.contains("[lookup]"));
    let last = out.lines().last().unwrap();
    let providers: usize = last
        .split(" across ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(providers >= 15, "{last}");
    let o = lh(&["rules", "list", "--validated"], d.path());
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l.starts_with("gitlab.pat ") && l.ends_with("[revocable]")),
        "{}",
        text(&o.stdout)
    );
    let o = lh(
        &["rules", "list", "--revocable", "--format", "json"],
        d.path(),
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 30);
}

#[test]
fn plans_name_lookups_and_where_the_secret_goes_never_the_secret() {
    let warn = |_: &str| {};
    let dir = tempfile::tempdir().unwrap();
    let plan = |family: &str, rule: &str| {
        let row = table().into_iter().find(|r| r.family == family).unwrap();
        let f = sample_finding(&row, rule);
        let client = client_for(&row.hosts, "http://127.0.0.1:9");
        let revoker = Revoker::new(
            &client,
            support::specs(),
            specs(),
            Settings {
                wait: Duration::from_secs(20),
                audit_log: dir.path().join("audit.jsonl"),
            },
            &warn,
        );
        let lines = revoker.plan(&credentials(&[&f])[0]);
        for l in &lines {
            assert!(!l.contains(f.secret.expose()), "{l}");
        }
        lines
    };
    let heroku = plan("Heroku", "heroku.api_key");
    assert_eq!(
        heroku[1],
        "lookup    GET https://api.heroku.com/oauth/authorizations (overridden to http://127.0.0.1:9) [secret in Authorization: Bearer]; picks the one listed item whose /access_token/token = the value of the secret; reads authorization_id"
    );
    assert!(
        heroku[2].starts_with(
            "revoke    DELETE https://api.heroku.com/oauth/authorizations/{var.authorization_id} (overridden to http://127.0.0.1:9) [secret in Authorization: Bearer]"
        ),
        "{}",
        heroku[2]
    );
    let npm = plan("npm", "npm.access_token");
    assert!(
        npm[1].contains("whose /key = SHA-512 of the secret; reads key"),
        "{}",
        npm[1]
    );
    let discord = plan("Discord (webhooks)", "discord.webhook");
    assert_eq!(discord.len(), 3);
    assert!(
        discord[1].starts_with(
            "revoke    DELETE https://discord.com/api/webhooks/{var.id}/{var.token} (overridden to http://127.0.0.1:9) [secret in URL path]"
        ),
        "{}",
        discord[1]
    );
    let google = plan("Google (OAuth access tokens)", "google.oauth.access_token");
    assert!(
        google[0].contains("[secret in query parameter access_token]"),
        "{}",
        google[0]
    );
    assert!(
        google[1].contains("[secret in request body]"),
        "{}",
        google[1]
    );
    let twilio = plan("Twilio", "twilio.api_key_secret");
    assert!(
        twilio[1].contains("/v1/Keys/{part.key_sid}")
            && twilio[1].contains("[secret in HTTP Basic, URL path]"),
        "{}",
        twilio[1]
    );
}
