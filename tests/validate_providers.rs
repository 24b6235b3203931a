//! Every described (YAML) validator against a real stand-in provider on 127.0.0.1, driven by one
//! table: each row states the exact request the validator must send (host, method, path and
//! query, auth scheme, headers, body — and nothing more), and every row runs the whole response
//! mapping table: live (with the access map), dead, 401, a WAF-style HTML 403, HTML 404, 429
//! with Retry-After, 500, malformed JSON, a timeout and a redirect that must not be followed.
//! Adding a provider to the test is one row.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use leakhound::finding::Finding;
use leakhound::validate::spec::Outcome;
use serde_json::{Value, json};
use support::standin::{Recorded, Reply, StandIn};

use Outcome::{Dead, Live, LiveRestricted, Unknown};

/// One provider row.
#[derive(Clone)]
struct Row {
    rule: &'static str,
    host: &'static str,
    method: &'static str,
    target: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<&'static str>,
    sample: Option<&'static str>,
    live_status: u16,
    live: &'static str,
    live_outcome: Outcome,
    ids: Vec<(&'static str, &'static str)>,
    dead: (u16, &'static str),
    any_body: bool,
    cases: Vec<(u16, &'static str, Outcome)>,
}

/// A row: rule id, provider host, `"METHOD /path?query"`, exact headers. Header values may use
/// `{secret}`, `{part.NAME}` and `{b64:…}` (base64 of the expanded text).
fn r(
    rule: &'static str,
    host: &'static str,
    req: &'static str,
    headers: &[(&'static str, &'static str)],
) -> Row {
    let (method, target) = req.split_once(' ').expect("METHOD /path");
    Row {
        rule,
        host,
        method,
        target,
        headers: headers.to_vec(),
        body: None,
        sample: None,
        live_status: 200,
        live: "{}",
        live_outcome: Live,
        ids: Vec::new(),
        dead: (401, r#"{"message":"Unauthorized"}"#),
        any_body: false,
        cases: Vec::new(),
    }
}

impl Row {
    /// Exact request body (templates allowed).
    fn body(mut self, b: &'static str) -> Row {
        self.body = Some(b);
        self
    }
    /// Sample text (a template) instead of the rule's first example.
    fn sample(mut self, s: &'static str) -> Row {
        self.sample = Some(s);
        self
    }
    /// Base JSON of the live answer (identity values are merged in).
    fn live(mut self, body: &'static str) -> Row {
        self.live = body;
        self
    }
    /// Status and outcome of the live answer.
    fn live_as(mut self, status: u16, outcome: Outcome) -> Row {
        self.live_status = status;
        self.live_outcome = outcome;
        self
    }
    /// An identity field and where the provider puts it (`json:/ptr` or `header:name`).
    fn id(mut self, key: &'static str, src: &'static str) -> Row {
        self.ids.push((key, src));
        self
    }
    /// The provider's "dead" answer.
    fn dead(mut self, status: u16, body: &'static str) -> Row {
        self.dead = (status, body);
        self
    }
    /// The provider's answer is not JSON (malformed JSON is then not "unexpected").
    fn any_body(mut self) -> Row {
        self.any_body = true;
        self
    }
    /// An extra mapping case.
    fn case(mut self, status: u16, body: &'static str, o: Outcome) -> Row {
        self.cases.push((status, body, o));
        self
    }
}

fn expand_expected(t: &str, f: &Finding) -> String {
    // `{secret_path}`: the path of a secret that is itself a URL (webhooks).
    let secret_path = f
        .secret
        .expose()
        .splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default();
    let mut s = t
        .replace("{secret_path}", &secret_path)
        .replace("{secret}", f.secret.expose());
    for (k, v) in &f.parts {
        s = s.replace(&format!("{{part.{k}}}"), v.expose());
    }
    while let Some(i) = s.find("{b64:") {
        let j = s.rfind('}').expect("closing brace");
        let enc = base64::engine::general_purpose::STANDARD.encode(&s[i + 5..j]);
        s = format!("{}{enc}{}", &s[..i], &s[j + 1..]);
    }
    s
}

fn set_ptr(v: &mut Value, segs: &[&str], leaf: &str) {
    let Some((first, rest)) = segs.split_first() else {
        *v = json!(leaf);
        return;
    };
    if *first == "*" {
        if !v.is_array() {
            *v = json!([]);
        }
        let a = v.as_array_mut().unwrap();
        if a.is_empty() {
            a.push(json!({}));
        }
        set_ptr(&mut a[0], rest, leaf);
        return;
    }
    if !v.is_object() {
        *v = json!({});
    }
    let o = v.as_object_mut().unwrap();
    set_ptr(
        o.entry(first.to_string()).or_insert(Value::Null),
        rest,
        leaf,
    );
}

fn id_value(key: &str) -> String {
    format!("{key}-value")
}

fn live_reply(row: &Row) -> Reply {
    let Ok(mut body) = serde_json::from_str::<Value>(row.live) else {
        return Reply::json(row.live_status, row.live);
    };
    let mut headers = Vec::new();
    for (key, src) in &row.ids {
        if let Some(p) = src.strip_prefix("json:") {
            let segs: Vec<&str> = p.split('/').skip(1).collect();
            set_ptr(&mut body, &segs, &id_value(key));
        } else if let Some(h) = src.strip_prefix("header:") {
            headers.push((h.to_string(), id_value(key)));
        }
    }
    let mut reply = Reply::json(row.live_status, &body.to_string());
    for (k, v) in headers {
        reply = reply.header(&k, &v);
    }
    reply
}

fn html(status: u16) -> Reply {
    Reply {
        status,
        headers: vec![("content-type".into(), "text/html".into())],
        body: b"<html><body>Request blocked</body></html>".to_vec(),
        delay: Duration::ZERO,
    }
}

fn check_exact(row: &Row, f: &Finding, reqs: &[Recorded]) -> Result<(), String> {
    let main: Vec<&Recorded> = reqs.iter().collect();
    if main.len() != 1 {
        return Err(format!("expected exactly 1 request, got {}", main.len()));
    }
    let q = main[0];
    if q.method != row.method {
        return Err(format!("method {} != {}", q.method, row.method));
    }
    let want_target = expand_expected(row.target, f);
    if q.target != want_target {
        return Err(format!("target {:?} != {:?}", q.target, want_target));
    }
    let ua = q.header("user-agent").unwrap_or_default();
    if !ua.starts_with("leakhound/") {
        return Err(format!("user-agent {ua:?}"));
    }
    let expected: BTreeMap<String, String> = row
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), expand_expected(v, f)))
        .collect();
    for (k, v) in &expected {
        match q.header(k) {
            Some(got) if got == v => {}
            Some(_) => return Err(format!("header {k} has the wrong value")),
            None => return Err(format!("header {k} missing")),
        }
    }
    for (k, _) in &q.headers {
        let standard = matches!(k.as_str(), "host" | "user-agent" | "content-length")
            || (k == "accept" && !expected.contains_key("accept"));
        if !standard && !expected.contains_key(k) {
            return Err(format!("unexpected header {k}"));
        }
    }
    let want_body = row.body.map(|b| expand_expected(b, f)).unwrap_or_default();
    if q.body_text() != want_body {
        return Err(format!("body {:?} != {:?}", q.body_text(), want_body));
    }
    Ok(())
}

struct Scenario {
    name: &'static str,
    reply: Reply,
    expect: Outcome,
    access_map: bool,
}

fn scenarios(row: &Row, server_url: &str) -> Vec<Scenario> {
    let mut v = vec![
        Scenario {
            name: "live",
            reply: live_reply(row),
            expect: row.live_outcome,
            access_map: true,
        },
        Scenario {
            name: "dead",
            reply: Reply::json(row.dead.0, row.dead.1),
            expect: Dead,
            access_map: false,
        },
        Scenario {
            name: "401",
            reply: Reply::json(401, r#"{"message":"Unauthorized"}"#),
            expect: Dead,
            access_map: false,
        },
        Scenario {
            name: "403 html (WAF)",
            reply: html(403),
            expect: Unknown,
            access_map: false,
        },
        Scenario {
            name: "404 html",
            reply: html(404),
            expect: Unknown,
            access_map: false,
        },
        Scenario {
            name: "429 retry-after",
            reply: Reply::json(429, r#"{"error":"rate limited"}"#).header("retry-after", "1"),
            expect: Unknown,
            access_map: false,
        },
        Scenario {
            name: "500",
            reply: Reply::json(500, r#"{"error":"boom"}"#),
            expect: Unknown,
            access_map: false,
        },
        Scenario {
            name: "malformed json",
            reply: Reply::json(200, r#"{"data": ["#),
            expect: if row.any_body { Live } else { Unknown },
            access_map: false,
        },
        Scenario {
            name: "timeout",
            reply: live_reply(row).delayed(Duration::from_secs(30)),
            expect: Unknown,
            access_map: false,
        },
        Scenario {
            name: "302 not followed",
            reply: Reply::json(302, "{}").header("location", &format!("{server_url}/followed")),
            expect: Unknown,
            access_map: false,
        },
    ];
    for (status, body, o) in &row.cases {
        v.push(Scenario {
            name: "extra case",
            reply: Reply::json(*status, body),
            expect: *o,
            access_map: false,
        });
    }
    v
}

fn run_row(row: &Row) -> Result<(), String> {
    let text = match row.sample {
        Some(s) => support::fake(s, row.rule),
        None => support::example(row.rule),
    };
    let f = support::finding_in(&text, row.rule)
        .ok_or_else(|| "sample yields no finding of this rule".to_string())?;
    let server = StandIn::start(|_| Reply::json(500, "{}"));
    let url = server.url();
    let client = support::client(&support::options_for(&[row.host], &url, false));
    let mut quick = support::options_for(&[row.host], &url, false);
    quick.http.request_timeout = Duration::from_secs(1);
    let quick_client = support::client(&quick);
    for sc in scenarios(row, &url) {
        server.reset();
        let reply = sc.reply.clone();
        server.set_handler(move |_| reply.clone());
        // Two findings of the same secret: still one request.
        let mut twin = f.clone();
        twin.location.line += 10;
        let mut findings = vec![f.clone(), twin];
        let opts = support::options_for(&[row.host], &url, sc.access_map);
        let c = if sc.name == "timeout" {
            &quick_client
        } else {
            &client
        };
        support::run_with(&mut findings, &opts, c);
        let ctx = |m: String| format!("[{}] {m}", sc.name);
        let v = findings[0]
            .validation
            .clone()
            .ok_or_else(|| ctx("no validation".into()))?;
        let got = Outcome::parse(&v.status).ok_or_else(|| ctx("bad status".into()))?;
        if got != sc.expect {
            return Err(ctx(format!(
                "outcome {got} ({}) != {}",
                v.reason, sc.expect
            )));
        }
        if findings[1].validation.as_ref().map(|x| &x.status) != Some(&v.status) {
            return Err(ctx("the twin finding got another verdict".into()));
        }
        if v.reason.contains(f.secret.expose()) {
            return Err(ctx("the reason holds the secret".into()));
        }
        let reqs = server.requests();
        let main_target = expand_expected(row.target, &f);
        let main = reqs.iter().filter(|q| q.target == main_target).count();
        match sc.name {
            "dead" => check_exact(row, &f, &reqs).map_err(ctx)?,
            "live" => {
                if main != 1 {
                    return Err(ctx(format!("{main} requests for one secret")));
                }
                for (key, _) in &row.ids {
                    if v.identity.get(*key) != Some(&id_value(key)) {
                        return Err(ctx(format!("identity {key} = {:?}", v.identity.get(*key))));
                    }
                }
            }
            "429 retry-after" => {
                if reqs.len() != 3 {
                    return Err(ctx(format!("{} attempts, expected 3", reqs.len())));
                }
                for w in reqs.windows(2) {
                    if w[1].at.duration_since(w[0].at) < Duration::from_millis(900) {
                        return Err(ctx("Retry-After not honoured".into()));
                    }
                }
            }
            "500" if reqs.len() != 3 => {
                return Err(ctx(format!("{} attempts, expected 3", reqs.len())));
            }
            "timeout" if !v.reason.contains("timed out") => {
                return Err(ctx(format!("reason {:?}", v.reason)));
            }
            "302 not followed" => {
                if reqs.iter().any(|q| q.target.starts_with("/followed")) {
                    return Err(ctx("redirect followed".into()));
                }
                if reqs.len() != 1 {
                    return Err(ctx(format!("{} requests", reqs.len())));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[test]
fn every_described_validator_maps_the_whole_response_table() {
    let rows = rows();
    // A bounded pool of workers: rows wait mostly on timers, but a loaded CI machine should
    // not see hundreds of runtimes start at once.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..24 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(row) = rows.get(i) else { break };
                    if let Err(e) = run_row(row) {
                        failures.lock().unwrap().push(format!("{}: {e}", row.rule));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_active_described_validator_has_a_row() {
    let rows = rows();
    let covered: std::collections::HashSet<&str> = rows.iter().map(|r| r.rule).collect();
    let mut missing: Vec<&String> = support::specs()
        .iter()
        .filter(|(_, s)| s.url.is_some())
        .map(|(id, _)| id)
        .filter(|id| !covered.contains(id.as_str()))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "validators without a test row: {missing:?}"
    );
}

fn rows() -> Vec<Row> {
    vec![
        // ------------------------------------------------------------ AI / LLM
        r("openai.api_key.project", "api.openai.com", "GET /v1/models", &[("authorization", "Bearer {secret}")])
            .live(r#"{"data":[]}"#)
            .id("organization", "header:openai-organization")
            .id("project", "header:openai-project")
            .case(429, r#"{"error":{"code":"insufficient_quota"}}"#, LiveRestricted),
        r("openai.api_key.service_account", "api.openai.com", "GET /v1/models", &[("authorization", "Bearer {secret}")])
            .id("organization", "header:openai-organization"),
        r("openai.api_key.legacy", "api.openai.com", "GET /v1/models", &[("authorization", "Bearer {secret}")])
            .id("organization", "header:openai-organization"),
        r("openai.api_key.user", "api.openai.com", "GET /v1/models", &[("authorization", "Bearer {secret}")])
            .id("project", "header:openai-project"),
        r("openai.api_key.admin", "api.openai.com", "GET /v1/organization/admin_api_keys?limit=1", &[("authorization", "Bearer {secret}")])
            .id("organization", "header:openai-organization"),
        r("anthropic.api_key", "api.anthropic.com", "GET /v1/models", &[("x-api-key", "{secret}"), ("anthropic-version", "2023-06-01")])
            .case(404, r#"{"type":"error","error":{"type":"not_found_error"}}"#, Dead),
        r("anthropic.admin_key", "api.anthropic.com", "GET /v1/organizations/me", &[("x-api-key", "{secret}"), ("anthropic-version", "2023-06-01")])
            .id("organization", "json:/name")
            .id("organization_id", "json:/id"),
        r("anthropic.oauth.access_token", "api.anthropic.com", "GET /v1/models", &[("authorization", "Bearer {secret}"), ("anthropic-version", "2023-06-01"), ("anthropic-beta", "oauth-2025-04-20")]),
        r("google.api_key", "generativelanguage.googleapis.com", "GET /v1beta/models", &[("x-goog-api-key", "{secret}")])
            .dead(400, r#"{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#)
            .case(403, r#"{"error":{"code":403,"status":"PERMISSION_DENIED"}}"#, LiveRestricted)
            .case(400, r#"{"error":{"code":400,"status":"INVALID_ARGUMENT"}}"#, Unknown),
        r("huggingface.access_token", "huggingface.co", "GET /api/whoami-v2", &[("authorization", "Bearer {secret}")])
            .id("user", "json:/name")
            .id("email", "json:/email")
            .id("orgs", "json:/orgs/*/name")
            .id("token_name", "json:/auth/accessToken/displayName")
            .id("token_role", "json:/auth/accessToken/role"),
        r("huggingface.org_token", "huggingface.co", "GET /api/whoami-v2", &[("authorization", "Bearer {secret}")])
            .id("user", "json:/name"),
        r("groq.api_key", "api.groq.com", "GET /openai/v1/models", &[("authorization", "Bearer {secret}")]),
        r("mistral.api_key", "api.mistral.ai", "GET /v1/models", &[("authorization", "Bearer {secret}")]),
        r("cohere.api_key", "api.cohere.com", "POST /v1/check-api-key", &[("authorization", "Bearer {secret}")])
            .live(r#"{"valid":true}"#)
            .dead(200, r#"{"valid":false}"#)
            .id("organization_id", "json:/organization_id")
            .id("owner_id", "json:/owner_id"),
        r("xai.api_key", "api.x.ai", "GET /v1/api-key", &[("authorization", "Bearer {secret}")])
            .id("key_name", "json:/name")
            .id("team_id", "json:/team_id")
            .id("user_id", "json:/user_id")
            .id("acls", "json:/acls")
            .case(200, r#"{"api_key_blocked":true}"#, Dead)
            .case(400, r#"{"error":"Incorrect API key provided"}"#, Dead),
        r("deepseek.api_key", "api.deepseek.com", "GET /user/balance", &[("authorization", "Bearer {secret}")])
            .id("available", "json:/is_available")
            .id("balance", "json:/balance_infos/*/total_balance")
            .id("currency", "json:/balance_infos/*/currency"),
        r("openrouter.api_key", "openrouter.ai", "GET /api/v1/key", &[("authorization", "Bearer {secret}")])
            .id("label", "json:/data/label")
            .id("usage", "json:/data/usage")
            .id("limit", "json:/data/limit")
            .id("free_tier", "json:/data/is_free_tier"),
        r("together.api_key", "api.together.xyz", "GET /v1/models", &[("authorization", "Bearer {secret}")]),
        r("together.api_key.legacy", "api.together.xyz", "GET /v1/models", &[("authorization", "Bearer {secret}")]),
        r("fireworks.api_key", "api.fireworks.ai", "GET /inference/v1/models", &[("authorization", "Bearer {secret}")]),
        r("replicate.api_token", "api.replicate.com", "GET /v1/account", &[("authorization", "Bearer {secret}")])
            .id("type", "json:/type")
            .id("username", "json:/username")
            .id("name", "json:/name"),
        r("perplexity.api_key", "api.perplexity.ai", "POST /chat/completions", &[("authorization", "Bearer {secret}"), ("content-type", "application/json")])
            .body("{}")
            .live_as(400, Live)
            .live(r#"{"error":{"message":"model is required"}}"#)
            .case(422, r#"{"detail":"invalid"}"#, Live)
            .any_body(),
        r("pinecone.api_key", "api.pinecone.io", "GET /indexes", &[("api-key", "{secret}"), ("x-pinecone-api-version", "2025-04")])
            .id("indexes", "json:/indexes/*/name")
            .case(403, r#"{"error":{"code":"FORBIDDEN"}}"#, LiveRestricted),
        r("pinecone.api_key.legacy", "api.pinecone.io", "GET /indexes", &[("api-key", "{secret}"), ("x-pinecone-api-version", "2025-04")]),
        r("langsmith.personal_access_token", "api.smith.langchain.com", "GET /api/v1/api-key", &[("x-api-key", "{secret}")]),
        r("langsmith.service_key", "api.smith.langchain.com", "GET /api/v1/api-key", &[("x-api-key", "{secret}")]),
        r("langsmith.api_key.legacy", "api.smith.langchain.com", "GET /api/v1/api-key", &[("x-api-key", "{secret}")]),
        r("wandb.api_key", "api.wandb.ai", "POST /graphql", &[("authorization", "Basic {b64:api:{secret}}"), ("content-type", "application/json")])
            .body(r#"{"query":"query { viewer { id username email admin } }"}"#)
            .live(r#"{"data":{"viewer":{"id":"VXNlcjox"}}}"#)
            .id("username", "json:/data/viewer/username")
            .id("email", "json:/data/viewer/email")
            .id("admin", "json:/data/viewer/admin")
            .case(200, r#"{"data":{"viewer":null}}"#, Unknown),
        r("assemblyai.api_key", "api.assemblyai.com", "GET /v2/transcript?limit=1", &[("authorization", "{secret}")]),
        r("cerebras.api_key", "api.cerebras.ai", "GET /v1/models", &[("authorization", "Bearer {secret}")]),
        r("deepgram.api_key", "api.deepgram.com", "GET /v1/projects", &[("authorization", "Token {secret}")])
            .id("projects", "json:/projects/*/name"),
        r("elevenlabs.api_key", "api.elevenlabs.io", "GET /v1/user", &[("xi-api-key", "{secret}")])
            .id("user_id", "json:/user_id")
            .id("tier", "json:/subscription/tier")
            .case(401, r#"{"detail":{"status":"missing_permissions"}}"#, LiveRestricted),
        r("firecrawl.api_key", "api.firecrawl.dev", "GET /v1/team/credit-usage", &[("authorization", "Bearer {secret}")])
            .id("remaining_credits", "json:/data/remaining_credits"),
        r("llamaindex.llamacloud.api_key", "api.cloud.llamaindex.ai", "GET /api/v1/projects", &[("authorization", "Bearer {secret}")])
            .live("[]")
            .id("projects", "json:/*/name"),
        r("stability.api_key", "api.stability.ai", "GET /v1/user/account", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email")
            .id("id", "json:/id")
            .id("organizations", "json:/organizations/*/name"),
        r("tavily.api_key", "api.tavily.com", "GET /usage", &[("authorization", "Bearer {secret}")])
            .id("plan", "json:/account/current_plan")
            .id("usage", "json:/key/usage"),
        r("serpapi.api_key", "serpapi.com", "GET /account.json?api_key={secret}", &[])
            .id("email", "json:/account_email")
            .id("plan", "json:/plan_name")
            .id("searches_left", "json:/total_searches_left"),
        // ------------------------------------------------------------ code hosting, CI, registries
        r("github.pat.classic", "api.github.com", "GET /user", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28")])
            .id("login", "json:/login")
            .id("type", "json:/type")
            .id("name", "json:/name")
            .id("scopes", "header:x-oauth-scopes")
            .id("expires", "header:github-authentication-token-expiration"),
        r("github.pat.fine_grained", "api.github.com", "GET /user", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28")])
            .id("login", "json:/login"),
        r("github.oauth", "api.github.com", "GET /user", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28")])
            .id("scopes", "header:x-oauth-scopes"),
        r("github.app.user_token", "api.github.com", "GET /user", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28")])
            .id("login", "json:/login"),
        r("github.pat.legacy_hex", "api.github.com", "GET /user", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28")])
            .id("login", "json:/login"),
        r("github.app.installation_token", "api.github.com", "GET /installation/repositories?per_page=100", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28")])
            .id("repositories", "json:/repositories/*/full_name")
            .id("repository_count", "json:/total_count"),
        r("gitlab.pat", "gitlab.com", "GET /api/v4/personal_access_tokens/self", &[("private-token", "{secret}")])
            .id("token_name", "json:/name")
            .id("scopes", "json:/scopes")
            .id("expires_at", "json:/expires_at")
            .id("user_id", "json:/user_id")
            .case(403, r#"{"message":"403 Forbidden"}"#, LiveRestricted),
        r("gitlab.pat.routable", "gitlab.com", "GET /api/v4/personal_access_tokens/self", &[("private-token", "{secret}")])
            .id("scopes", "json:/scopes"),
        r("gitlab.runner.auth_token", "gitlab.com", "POST /api/v4/runners/verify", &[("content-type", "application/x-www-form-urlencoded")])
            .body("token={secret}")
            .dead(403, r#"{"message":"403 Forbidden"}"#)
            .any_body(),
        r("gitlab.ci_job_token", "gitlab.com", "GET /api/v4/job", &[("job-token", "{secret}")])
            .id("job_id", "json:/id")
            .id("project", "json:/pipeline/project_id")
            .id("user", "json:/user/username"),
        r("npm.access_token", "registry.npmjs.org", "GET /-/whoami", &[("authorization", "Bearer {secret}")])
            .id("username", "json:/username"),
        r("npm.npmrc.auth_token", "registry.npmjs.org", "GET /-/whoami", &[("authorization", "Bearer {secret}")])
            .id("username", "json:/username"),
        r("npm.yarnrc.auth_token", "registry.npmjs.org", "GET /-/whoami", &[("authorization", "Bearer {secret}")])
            .id("username", "json:/username"),
        r("npm.npmrc.auth", "registry.npmjs.org", "GET /-/whoami", &[("authorization", "Basic {secret}")])
            .id("username", "json:/username"),
        r("cratesio.api_token", "crates.io", "GET /api/v1/me", &[("authorization", "{secret}")])
            .id("login", "json:/user/login")
            .id("email", "json:/user/email"),
        r("rubygems.api_key", "rubygems.org", "GET /api/v1/gems.json", &[("authorization", "{secret}")])
            .live("[]")
            .id("gems", "json:/*/name"),
        r("circleci.personal_token", "circleci.com", "GET /api/v2/me", &[("circle-token", "{secret}")])
            .id("login", "json:/login")
            .id("name", "json:/name"),
        r("circleci.token.legacy", "circleci.com", "GET /api/v2/me", &[("circle-token", "{secret}")])
            .id("login", "json:/login"),
        r("buildkite.api_token", "api.buildkite.com", "GET /v2/access-token", &[("authorization", "Bearer {secret}")])
            .id("scopes", "json:/scopes")
            .id("token_uuid", "json:/uuid"),
        r("sourcegraph.access_token", "sourcegraph.com", "POST /.api/graphql", &[("authorization", "token {secret}"), ("content-type", "application/json")])
            .body(r#"{"query":"query { currentUser { username email } }"}"#)
            .live(r#"{"data":{"currentUser":{}}}"#)
            .id("username", "json:/data/currentUser/username")
            .id("email", "json:/data/currentUser/email")
            .case(200, r#"{"data":{"currentUser":null}}"#, Unknown),
        r("snyk.api_token", "api.snyk.io", "GET /rest/self?version=2024-10-15", &[("authorization", "token {secret}")])
            .id("username", "json:/data/attributes/username")
            .id("email", "json:/data/attributes/email"),
        r("harness.access_token", "app.harness.io", "GET /ng/api/user/currentUser", &[("x-api-key", "{secret}")])
            .id("email", "json:/data/email")
            .id("name", "json:/data/name"),
        r("pulumi.access_token", "api.pulumi.com", "GET /api/user", &[("authorization", "token {secret}")])
            .id("login", "json:/githubLogin")
            .id("name", "json:/name")
            .id("organizations", "json:/organizations/*/githubLogin"),
        r("prefect.api_key", "api.prefect.cloud", "GET /api/me/", &[("authorization", "Bearer {secret}")])
            .id("handle", "json:/handle")
            .id("email", "json:/email"),
        r("hashicorp.terraform.api_token", "app.terraform.io", "GET /api/v2/account/details", &[("authorization", "Bearer {secret}")])
            .id("username", "json:/data/attributes/username")
            .id("email", "json:/data/attributes/email"),
        r("doppler.personal_token", "api.doppler.com", "GET /v3/me", &[("authorization", "Bearer {secret}")])
            .id("type", "json:/type")
            .id("name", "json:/name")
            .id("workplace", "json:/workplace/name"),
        r("doppler.service_token", "api.doppler.com", "GET /v3/me", &[("authorization", "Bearer {secret}")])
            .id("workplace", "json:/workplace/name"),
        r("doppler.service_account_token", "api.doppler.com", "GET /v3/me", &[("authorization", "Bearer {secret}")])
            .id("type", "json:/type"),
        r("doppler.cli_token", "api.doppler.com", "GET /v3/me", &[("authorization", "Bearer {secret}")])
            .id("name", "json:/name"),
        // ------------------------------------------------------------ observability
        r("datadog.api_key", "api.datadoghq.com", "GET /api/v1/validate", &[("dd-api-key", "{secret}")])
            .live(r#"{"valid":true}"#)
            .case(403, r#"{"errors":["Forbidden"]}"#, Unknown)
            .case(200, r#"{"valid":false}"#, Unknown),
        r("newrelic.user_api_key", "api.newrelic.com", "POST /graphql", &[("api-key", "{secret}"), ("content-type", "application/json")])
            .body(r#"{"query":"{ actor { user { id name email } } }"}"#)
            .live(r#"{"data":{"actor":{"user":{"id":1}}}}"#)
            .id("user", "json:/data/actor/user/name")
            .id("email", "json:/data/actor/user/email")
            .case(200, r#"{"errors":[{"message":"Invalid API key"}]}"#, Unknown),
        r("sentry.user_token", "sentry.io", "GET /api/0/organizations/", &[("authorization", "Bearer {secret}")])
            .live("[]")
            .id("organizations", "json:/*/slug")
            .case(403, r#"{"detail":"You do not have permission to perform this action."}"#, LiveRestricted),
        r("sentry.token.legacy", "sentry.io", "GET /api/0/organizations/", &[("authorization", "Bearer {secret}")])
            .live("[]"),
        r("sentry.org_token", "sentry.io", "GET /api/0/organizations/", &[("authorization", "Bearer {secret}")])
            .live("[]"),
        r("pagerduty.api_key", "api.pagerduty.com", "GET /abilities", &[("authorization", "Token token={secret}"), ("accept", "application/vnd.pagerduty+json;version=2")])
            .id("abilities", "json:/abilities"),
        r("opsgenie.api_key", "api.opsgenie.com", "GET /v2/account", &[("authorization", "GenieKey {secret}")])
            .id("account", "json:/data/name")
            .id("plan", "json:/data/plan/name"),
        r("honeycomb.api_key", "api.honeycomb.io", "GET /1/auth", &[("x-honeycomb-team", "{secret}")])
            .id("team", "json:/team/slug")
            .id("environment", "json:/environment/slug")
            .id("key_type", "json:/type"),
        r("honeycomb.api_key.legacy", "api.honeycomb.io", "GET /1/auth", &[("x-honeycomb-team", "{secret}")])
            .id("team", "json:/team/slug"),
        r("axiom.api_token", "api.axiom.co", "GET /v2/datasets", &[("authorization", "Bearer {secret}")])
            .live("[]")
            .id("datasets", "json:/*/name")
            .case(403, r#"{"message":"forbidden"}"#, LiveRestricted),
        r("launchdarkly.api_access_token", "app.launchdarkly.com", "GET /api/v2/caller-identity", &[("authorization", "{secret}")])
            .id("account_id", "json:/accountId")
            .id("token_name", "json:/tokenName")
            .id("member_id", "json:/memberId"),
        // ------------------------------------------------------------ cloud and hosting
        r("heroku.api_key", "api.heroku.com", "GET /account", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.heroku+json; version=3")])
            .id("email", "json:/email")
            .id("id", "json:/id"),
        r("heroku.api_key.legacy", "api.heroku.com", "GET /account", &[("authorization", "Bearer {secret}"), ("accept", "application/vnd.heroku+json; version=3")])
            .id("email", "json:/email"),
        r("digitalocean.personal_access_token", "api.digitalocean.com", "GET /v2/account", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/account/email")
            .id("status", "json:/account/status")
            .id("team", "json:/account/team/name"),
        r("digitalocean.oauth_access_token", "api.digitalocean.com", "GET /v2/account", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/account/email"),
        r("cloudflare.api_token.user", "api.cloudflare.com", "GET /client/v4/user/tokens/verify", &[("authorization", "Bearer {secret}")])
            .live(r#"{"success":true,"result":{"status":"active"}}"#)
            .id("token_id", "json:/result/id")
            .id("expires_on", "json:/result/expires_on")
            .dead(401, r#"{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]}"#)
            .case(200, r#"{"success":true,"result":{"status":"disabled"}}"#, Dead),
        r("cloudflare.api_token.legacy", "api.cloudflare.com", "GET /client/v4/user/tokens/verify", &[("authorization", "Bearer {secret}")])
            .live(r#"{"success":true,"result":{"status":"active"}}"#)
            .dead(400, r#"{"success":false,"errors":[{"code":6003}]}"#),
        r("cloudflare.turnstile.secret_key", "challenges.cloudflare.com", "POST /turnstile/v0/siteverify", &[("content-type", "application/x-www-form-urlencoded")])
            .body("secret={secret}&response=leakhound-validation-probe")
            .live(r#"{"success":false,"error-codes":["invalid-input-response"]}"#)
            .dead(200, r#"{"success":false,"error-codes":["invalid-input-secret"]}"#),
        r("google.recaptcha.secret_key", "www.google.com", "POST /recaptcha/api/siteverify", &[("content-type", "application/x-www-form-urlencoded")])
            .body("secret={secret}&response=leakhound-validation-probe")
            .live(r#"{"success":false,"error-codes":["invalid-input-response"]}"#)
            .dead(200, r#"{"success":false,"error-codes":["invalid-input-secret"]}"#),
        r("vercel.personal_access_token", "api.vercel.com", "GET /v2/user", &[("authorization", "Bearer {secret}")])
            .id("username", "json:/user/username")
            .id("email", "json:/user/email")
            .case(403, r#"{"error":{"code":"forbidden","invalidToken":true}}"#, Dead),
        r("vercel.integration_token", "api.vercel.com", "GET /v2/user", &[("authorization", "Bearer {secret}")])
            .id("username", "json:/user/username"),
        r("vercel.token.legacy", "api.vercel.com", "GET /v2/user", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/user/email"),
        r("netlify.personal_access_token", "api.netlify.com", "GET /api/v1/user", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email")
            .id("name", "json:/full_name"),
        r("netlify.access_token.legacy", "api.netlify.com", "GET /api/v1/user", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email"),
        r("fly.access_token", "api.machines.dev", "GET /v1/apps?org_slug=personal", &[("authorization", "Bearer {secret}")])
            .id("apps", "json:/apps/*/name"),
        r("railway.api_token", "backboard.railway.app", "POST /graphql/v2", &[("authorization", "Bearer {secret}"), ("content-type", "application/json")])
            .body(r#"{"query":"query { me { name email } }"}"#)
            .live(r#"{"data":{"me":{}}}"#)
            .id("name", "json:/data/me/name")
            .id("email", "json:/data/me/email")
            .dead(200, r#"{"errors":[{"message":"Not Authorized"}]}"#),
        r("render.api_key", "api.render.com", "GET /v1/owners?limit=20", &[("authorization", "Bearer {secret}")])
            .live("[]")
            .id("owners", "json:/*/owner/name")
            .id("emails", "json:/*/owner/email"),
        r("hetzner.cloud.api_token", "api.hetzner.cloud", "GET /v1/servers?per_page=1", &[("authorization", "Bearer {secret}")])
            .id("servers", "json:/meta/pagination/total_entries"),
        r("linode.api_token", "api.linode.com", "GET /v4/profile", &[("authorization", "Bearer {secret}")])
            .id("username", "json:/username")
            .id("email", "json:/email")
            .id("restricted", "json:/restricted")
            .case(403, r#"{"errors":[{"reason":"Unauthorized"}]}"#, LiveRestricted),
        r("vultr.api_key", "api.vultr.com", "GET /v2/account", &[("authorization", "Bearer {secret}")])
            .id("name", "json:/account/name")
            .id("email", "json:/account/email"),
        r("supabase.access_token", "api.supabase.com", "GET /v1/projects", &[("authorization", "Bearer {secret}")])
            .live("[]")
            .id("projects", "json:/*/name"),
        r("tailscale.api_access_token", "api.tailscale.com", "GET /api/v2/tailnet/-/devices", &[("authorization", "Bearer {secret}")])
            .id("devices", "json:/devices/*/name"),
        r("neon.api_key", "console.neon.tech", "GET /api/v2/users/me", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email")
            .id("name", "json:/name"),
        r("ibm.cloud.api_key", "iam.cloud.ibm.com", "POST /identity/token", &[("accept", "application/json"), ("content-type", "application/x-www-form-urlencoded")])
            .body("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={secret}")
            .live(r#"{"access_token":"minted-and-discarded","expires_in":3600}"#)
            .dead(400, r#"{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}"#)
            .case(200, r#"{"expires_in":3600}"#, Unknown),
        r("cloudinary.api_secret", "api.cloudinary.com", "GET /v1_1/{part.cloud}/usage", &[("authorization", "Basic {b64:{part.api_key}:{secret}}")])
            .id("plan", "json:/plan")
            .id("last_updated", "json:/last_updated"),
        r("algolia.admin_api_key", "abcd123456-dsn.algolia.net", "GET /1/keys/{secret}", &[("x-algolia-api-key", "{secret}"), ("x-algolia-application-id", "{part.app_id}")])
            .sample("ALGOLIA_APP_ID=ABCD123456\nALGOLIA_ADMIN_KEY=«hex:32»")
            .id("acl", "json:/acl")
            .id("description", "json:/description")
            .dead(403, r#"{"message":"Invalid Application-ID or API key","status":403}"#),
        r("azure.devops.pat", "app.vssps.visualstudio.com", "GET /_apis/profile/profiles/me?api-version=7.1", &[("authorization", "Basic {b64::{secret}}")])
            .id("name", "json:/displayName")
            .id("email", "json:/emailAddress")
            .id("id", "json:/id"),
        r("google.oauth.access_token", "oauth2.googleapis.com", "GET /tokeninfo?access_token={secret}", &[])
            .id("email", "json:/email")
            .id("scope", "json:/scope")
            .id("expires_in", "json:/expires_in")
            .id("audience", "json:/aud")
            .dead(400, r#"{"error":"invalid_token","error_description":"Invalid Value"}"#),
        // ------------------------------------------------------------ SaaS
        r("airtable.personal_access_token", "api.airtable.com", "GET /v0/meta/whoami", &[("authorization", "Bearer {secret}")])
            .id("id", "json:/id")
            .id("email", "json:/email")
            .id("scopes", "json:/scopes"),
        r("airtable.api_key.legacy", "api.airtable.com", "GET /v0/meta/whoami", &[("authorization", "Bearer {secret}")])
            .id("id", "json:/id"),
        r("asana.personal_access_token", "app.asana.com", "GET /api/1.0/users/me", &[("authorization", "Bearer {secret}")])
            .id("name", "json:/data/name")
            .id("email", "json:/data/email")
            .id("workspaces", "json:/data/workspaces/*/name"),
        r("clickup.api_token", "api.clickup.com", "GET /api/v2/user", &[("authorization", "{secret}")])
            .id("username", "json:/user/username")
            .id("email", "json:/user/email"),
        r("figma.personal_access_token", "api.figma.com", "GET /v1/me", &[("x-figma-token", "{secret}")])
            .id("handle", "json:/handle")
            .id("email", "json:/email")
            .dead(403, r#"{"status":403,"err":"Invalid token"}"#),
        r("intercom.access_token", "api.intercom.io", "GET /me", &[("authorization", "Bearer {secret}"), ("accept", "application/json")])
            .id("email", "json:/email")
            .id("app", "json:/app/name"),
        r("hubspot.private_app_token", "api.hubapi.com", "GET /account-info/v3/details", &[("authorization", "Bearer {secret}")])
            .id("portal_id", "json:/portalId")
            .id("account_type", "json:/accountType"),
        r("linear.api_key", "api.linear.app", "POST /graphql", &[("authorization", "{secret}"), ("content-type", "application/json")])
            .body(r#"{"query":"{ viewer { id name email } organization { name urlKey } }"}"#)
            .live(r#"{"data":{"viewer":{"id":"u1"}}}"#)
            .id("name", "json:/data/viewer/name")
            .id("email", "json:/data/viewer/email")
            .id("organization", "json:/data/organization/name")
            .dead(400, r#"{"errors":[{"message":"Authentication required","extensions":{"code":"AUTHENTICATION_ERROR"}}]}"#),
        r("linear.oauth_token", "api.linear.app", "POST /graphql", &[("authorization", "Bearer {secret}"), ("content-type", "application/json")])
            .body(r#"{"query":"{ viewer { id name email } organization { name urlKey } }"}"#)
            .live(r#"{"data":{"viewer":{"id":"u1"}}}"#)
            .id("email", "json:/data/viewer/email"),
        r("notion.integration_token", "api.notion.com", "GET /v1/users/me", &[("authorization", "Bearer {secret}"), ("notion-version", "2022-06-28")])
            .id("bot", "json:/name")
            .id("workspace", "json:/bot/workspace_name")
            .id("owner_email", "json:/bot/owner/user/person/email"),
        r("notion.integration_token.legacy", "api.notion.com", "GET /v1/users/me", &[("authorization", "Bearer {secret}"), ("notion-version", "2022-06-28")])
            .id("workspace", "json:/bot/workspace_name"),
        r("postman.api_key", "api.getpostman.com", "GET /me", &[("x-api-key", "{secret}")])
            .id("username", "json:/user/username")
            .id("email", "json:/user/email")
            .id("team", "json:/user/teamName"),
        r("postmark.server_token", "api.postmarkapp.com", "GET /server", &[("x-postmark-server-token", "{secret}"), ("accept", "application/json")])
            .id("server", "json:/Name"),
        r("resend.api_key", "api.resend.com", "GET /domains", &[("authorization", "Bearer {secret}")])
            .id("domains", "json:/data/*/name")
            .case(401, r#"{"statusCode":401,"name":"restricted_api_key","message":"This API key is restricted to only send emails"}"#, LiveRestricted)
            .case(400, r#"{"statusCode":400,"name":"validation_error","message":"API key is invalid"}"#, Dead),
        r("sendgrid.api_key", "api.sendgrid.com", "GET /v3/scopes", &[("authorization", "Bearer {secret}")])
            .id("scopes", "json:/scopes")
            .case(403, r#"{"errors":[{"message":"access forbidden"}]}"#, LiveRestricted),
        r("mailgun.api_key", "api.mailgun.net", "GET /v3/domains", &[("authorization", "Basic {b64:api:{secret}}")])
            .id("domains", "json:/items/*/name"),
        r("mailgun.api_key.v2", "api.mailgun.net", "GET /v3/domains", &[("authorization", "Basic {b64:api:{secret}}")])
            .id("domains", "json:/items/*/name"),
        r("mailchimp.api_key", "us21.api.mailchimp.com", "GET /3.0/", &[("authorization", "Basic {b64:anystring:{secret}}")])
            .id("account", "json:/account_name")
            .id("email", "json:/email")
            .id("role", "json:/role"),
        r("brevo.api_key", "api.brevo.com", "GET /v3/account", &[("api-key", "{secret}"), ("accept", "application/json")])
            .id("email", "json:/email")
            .id("company", "json:/companyName"),
        r("sparkpost.api_key", "api.sparkpost.com", "GET /api/v1/account", &[("authorization", "{secret}")])
            .id("customer_id", "json:/results/customer_id")
            .id("company", "json:/results/company_name")
            .case(403, r#"{"errors":[{"message":"Forbidden."}]}"#, LiveRestricted),
        r("stripe.secret_key.live", "api.stripe.com", "GET /v1/account", &[("authorization", "Bearer {secret}")])
            .id("account", "json:/id")
            .id("business", "json:/business_profile/name")
            .id("email", "json:/email")
            .id("country", "json:/country")
            .case(403, r#"{"error":{"type":"invalid_request_error","code":"secret_key_required"}}"#, LiveRestricted),
        r("stripe.restricted_key.live", "api.stripe.com", "GET /v1/account", &[("authorization", "Bearer {secret}")])
            .id("account", "json:/id")
            .case(403, r#"{"error":{"type":"invalid_request_error"}}"#, LiveRestricted),
        r("stripe.secret_key.test", "api.stripe.com", "GET /v1/account", &[("authorization", "Bearer {secret}")])
            .id("account", "json:/id"),
        r("stripe.restricted_key.test", "api.stripe.com", "GET /v1/account", &[("authorization", "Bearer {secret}")])
            .id("account", "json:/id"),
        r("square.access_token", "connect.squareup.com", "GET /v2/merchants/me", &[("authorization", "Bearer {secret}")])
            .id("merchant", "json:/merchant/business_name")
            .id("country", "json:/merchant/country")
            .id("status", "json:/merchant/status")
            .case(403, r#"{"errors":[{"category":"AUTHENTICATION_ERROR","code":"FORBIDDEN"}]}"#, LiveRestricted),
        r("square.access_token.legacy", "connect.squareup.com", "GET /v2/merchants/me", &[("authorization", "Bearer {secret}")])
            .id("merchant", "json:/merchant/business_name"),
        r("slack.bot_token", "slack.com", "POST /api/auth.test", &[("authorization", "Bearer {secret}")])
            .live(r#"{"ok":true}"#)
            .id("team", "json:/team")
            .id("user", "json:/user")
            .id("url", "json:/url")
            .id("scopes", "header:x-oauth-scopes")
            .id("enterprise", "json:/enterprise_id")
            .dead(200, r#"{"ok":false,"error":"invalid_auth"}"#)
            .case(200, r#"{"ok":false,"error":"token_revoked"}"#, Dead)
            .case(200, r#"{"ok":false,"error":"ratelimited"}"#, Unknown),
        r("slack.user_token", "slack.com", "POST /api/auth.test", &[("authorization", "Bearer {secret}")])
            .live(r#"{"ok":true}"#)
            .id("user", "json:/user")
            .dead(200, r#"{"ok":false,"error":"account_inactive"}"#),
        r("slack.legacy_workspace_token", "slack.com", "POST /api/auth.test", &[("authorization", "Bearer {secret}")])
            .live(r#"{"ok":true}"#)
            .dead(200, r#"{"ok":false,"error":"not_authed"}"#),
        r("slack.webhook", "hooks.slack.com", "POST {secret_path}", &[("content-type", "application/json")])
            .body("leakhound validation probe: deliberately not JSON, so nothing is posted")
            .live_as(400, Live)
            .live(r#""invalid_payload""#)
            .dead(404, "no_service")
            .case(403, "invalid_token", Dead)
            .any_body(),
        r("discord.bot_token", "discord.com", "GET /api/v10/users/@me", &[("authorization", "Bot {secret}")])
            .id("bot_id", "json:/id")
            .id("username", "json:/username"),
        r("discord.webhook", "discord.com", "GET {secret_path}", &[])
            .id("name", "json:/name")
            .id("guild_id", "json:/guild_id")
            .id("channel_id", "json:/channel_id")
            .dead(404, r#"{"message":"Unknown Webhook","code":10015}"#),
        r("telegram.bot_token", "api.telegram.org", "GET /bot{secret}/getMe", &[])
            .live(r#"{"ok":true,"result":{}}"#)
            .id("bot_id", "json:/result/id")
            .id("username", "json:/result/username")
            .case(200, r#"{"ok":false}"#, Unknown),
        r("twilio.auth_token", "api.twilio.com", "GET /2010-04-01/Accounts/{part.account_sid}.json", &[("authorization", "Basic {b64:{part.account_sid}:{secret}}")])
            .sample("TWILIO_ACCOUNT_SID=AC«hex:32»\nTWILIO_AUTH_TOKEN=«hex:32»")
            .id("account", "json:/friendly_name")
            .id("status", "json:/status")
            .id("type", "json:/type"),
        r("twilio.api_key_secret", "verify.twilio.com", "GET /v2/Services?PageSize=1", &[("authorization", "Basic {b64:{part.key_sid}:{secret}}")])
            .sample("TWILIO_API_KEY=SK«hex:32»\nTWILIO_API_SECRET=«alnum:32»")
            .case(403, r#"{"code":20003,"message":"Authenticate"}"#, LiveRestricted),
        r("telnyx.api_key", "api.telnyx.com", "GET /v2/balance", &[("authorization", "Bearer {secret}")])
            .id("balance", "json:/data/balance")
            .id("currency", "json:/data/currency"),
        r("contentful.management_token", "api.contentful.com", "GET /users/me", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email")
            .id("first_name", "json:/firstName"),
        r("posthog.personal_api_key", "us.posthog.com", "GET /api/users/@me/", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email")
            .id("organization", "json:/organization/name"),
        r("dropbox.short_lived_token", "api.dropboxapi.com", "POST /2/users/get_current_account", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email")
            .id("name", "json:/name/display_name")
            .id("account_id", "json:/account_id"),
        r("dropbox.long_lived_token", "api.dropboxapi.com", "POST /2/users/get_current_account", &[("authorization", "Bearer {secret}")])
            .id("email", "json:/email"),
        r("mapbox.secret_token", "api.mapbox.com", "GET /tokens/v2?access_token={secret}", &[])
            .live(r#"{"code":"TokenValid","token":{}}"#)
            .id("user", "json:/token/user")
            .id("scopes", "json:/token/scopes")
            .dead(401, r#"{"code":"TokenInvalid"}"#)
            .case(200, r#"{"code":"TokenRevoked"}"#, Dead),
        r("meta.access_token", "graph.facebook.com", "GET /me", &[("authorization", "Bearer {secret}")])
            .id("id", "json:/id")
            .id("name", "json:/name")
            .dead(400, r#"{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}"#),
        r("twitter.bearer_token", "api.twitter.com", "GET /1.1/application/rate_limit_status.json?resources=application", &[("authorization", "Bearer {secret}")]),
        r("easypost.api_key", "api.easypost.com", "GET /v2/users", &[("authorization", "Basic {b64:{secret}:}")])
            .id("name", "json:/name")
            .id("email", "json:/email"),
        r("easypost.test_api_key", "api.easypost.com", "GET /v2/users", &[("authorization", "Basic {b64:{secret}:}")])
            .id("email", "json:/email"),
    ]
}
