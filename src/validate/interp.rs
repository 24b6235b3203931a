//! Interprets a rule's `validation:` block: renders the request from the secret and its parts
//! (with the right escaping for path, query, header and body), maps the provider's answer to an
//! outcome, and extracts identity fields for the access map.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use serde_json::Value;

use super::http::{HttpRequest, HttpResponse};
use super::safety::is_dns_name;
use super::spec::{Auth, BodyFormat, Matcher, Method, Outcome, SimpleAuth, ValidationSpec};
use super::{Check, Inputs};

/// Characters left as is inside a query value (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Characters left as is inside a path segment (`pchar` minus `/`, `&`, `=` and `+`).
const PATH: &AsciiSet = &COMPONENT.remove(b':').remove(b'@');

/// Longest identity value kept.
const MAX_IDENTITY_LEN: usize = 300;
/// Most array items joined into one identity value.
const MAX_IDENTITY_ITEMS: usize = 25;

#[derive(Clone, Copy)]
enum Esc {
    Raw,
    Path,
    Component,
    Json,
}

fn escape(v: &str, esc: Esc) -> String {
    match esc {
        Esc::Raw => v.to_string(),
        // A whole `.` or `..` segment would walk the path; encode its dots.
        Esc::Path if v == "." || v == ".." => v.replace('.', "%2E"),
        Esc::Path => utf8_percent_encode(v, PATH).to_string(),
        Esc::Component => utf8_percent_encode(v, COMPONENT).to_string(),
        Esc::Json => {
            let s = serde_json::to_string(v).unwrap_or_default();
            s[1..s.len().saturating_sub(1)].to_string()
        }
    }
}

/// Values placeholders expand to.
struct Values<'a> {
    inputs: &'a Inputs<'a>,
    vars: BTreeMap<String, String>,
}

impl Values<'_> {
    fn get(&self, name: &str) -> Result<&str, String> {
        if name == "secret" {
            return Ok(self.inputs.secret);
        }
        if let Some(p) = name.strip_prefix("part.") {
            return self
                .inputs
                .parts
                .get(p)
                .map(String::as_str)
                .ok_or_else(|| format!("no {p} found next to the secret"));
        }
        if let Some(v) = name.strip_prefix("var.") {
            return self
                .vars
                .get(v)
                .map(String::as_str)
                .ok_or_else(|| format!("cannot derive {v}"));
        }
        Err(format!("unknown placeholder {{{name}}}"))
    }

    /// Expands `{…}` placeholders; braces that do not name a placeholder stay literal.
    fn render(&self, t: &str, esc: Esc) -> Result<String, String> {
        let mut out = String::with_capacity(t.len() + 64);
        let mut rest = t;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let name = after.find('}').map(|j| &after[..j]);
            match name {
                Some(n) if n == "secret" || n.starts_with("part.") || n.starts_with("var.") => {
                    out.push_str(&escape(self.get(n)?, esc));
                    rest = &after[n.len() + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn derive_vars(spec: &ValidationSpec, inputs: &Inputs<'_>) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for (name, v) in &spec.vars {
        let src = if v.from == "secret" {
            Some(inputs.secret)
        } else {
            v.from
                .strip_prefix("part.")
                .and_then(|p| inputs.parts.get(p).map(String::as_str))
        };
        let Some(src) = src else { continue };
        let value = match &v.regex {
            Some(re) => regex::Regex::new(re).ok().and_then(|re| {
                re.captures(src).and_then(|c| {
                    c.get(1)
                        .or_else(|| c.get(0))
                        .map(|m| m.as_str().to_string())
                })
            }),
            None => Some(src.to_string()),
        };
        if let Some(mut value) = value {
            if v.lowercase {
                value = value.to_ascii_lowercase();
            }
            vars.insert(name.clone(), value);
        }
    }
    vars
}

/// Renders a URL template: the host with raw values (then checked against the allow-list),
/// the path and query with percent-encoded values.
fn render_url(spec: &ValidationSpec, template: &str, values: &Values<'_>) -> Result<Url, String> {
    let rest = template
        .strip_prefix("https://")
        .ok_or_else(|| "validator url is not https".to_string())?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host_t, tail_t) = rest.split_at(end);
    let host = values.render(host_t, Esc::Raw)?;
    if host_t.contains('{') {
        let host_ok = is_dns_name(&host)
            && spec
                .hosts
                .iter()
                .any(|h| regex::Regex::new(h).is_ok_and(|re| re.is_match(&host)));
        if !host_ok {
            return Err(format!(
                "host {:?} is not on this provider's allow-list; not sent",
                sanitize(&host, 80)
            ));
        }
    }
    let (path_t, query_t) = match tail_t.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail_t, None),
    };
    let mut url = format!("https://{host}{}", values.render(path_t, Esc::Path)?);
    if let Some(q) = query_t {
        url.push('?');
        url.push_str(&values.render(q, Esc::Component)?);
    }
    let parsed = Url::parse(&url).map_err(|e| format!("bad validator URL: {e}"))?;
    if parsed.host_str() != Some(host.as_str()) {
        return Err("validator URL host changed while rendering; not sent".into());
    }
    Ok(parsed)
}

fn header_value(v: String) -> Result<String, String> {
    if v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err("secret holds a line break; not sent".into());
    }
    Ok(v)
}

/// Builds the main request, or says why it cannot be built (the outcome is then `unknown`).
pub fn build_request(spec: &ValidationSpec, inputs: &Inputs<'_>) -> Result<HttpRequest, String> {
    build_request_with(spec, inputs, &BTreeMap::new())
}

/// Like [`build_request`], with extra `{var.NAME}` values (ids a revocation looked up first).
pub fn build_request_with(
    spec: &ValidationSpec,
    inputs: &Inputs<'_>,
    extra_vars: &BTreeMap<String, String>,
) -> Result<HttpRequest, String> {
    for r in &spec.requires {
        if !inputs.parts.contains_key(r) {
            return Err(format!("needs the {r} found next to the secret; none was"));
        }
    }
    let url_t = spec.url.as_deref().ok_or("no url")?;
    build(
        spec,
        inputs,
        spec.method,
        url_t,
        &spec.headers,
        spec.body.as_deref(),
        extra_vars,
    )
}

fn build(
    spec: &ValidationSpec,
    inputs: &Inputs<'_>,
    method: Method,
    url_t: &str,
    extra_headers: &BTreeMap<String, String>,
    body_t: Option<&str>,
    extra_vars: &BTreeMap<String, String>,
) -> Result<HttpRequest, String> {
    let mut vars = derive_vars(spec, inputs);
    vars.extend(extra_vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    let values = Values { inputs, vars };
    let mut url = render_url(spec, url_t, &values)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    match spec.auth.as_ref() {
        Some(Auth::Simple(SimpleAuth::Bearer)) => headers.push((
            "Authorization".into(),
            header_value(format!("Bearer {}", inputs.secret))?,
        )),
        Some(Auth::Header { header, format }) => {
            let v = values.render(format.as_deref().unwrap_or("{secret}"), Esc::Raw)?;
            headers.push((header.clone(), header_value(v)?));
        }
        Some(Auth::Basic { basic }) => {
            use base64::Engine as _;
            let pair = values.render(basic, Esc::Raw)?;
            let enc = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
            headers.push(("Authorization".into(), format!("Basic {enc}")));
        }
        Some(Auth::Query { query }) => {
            url.query_pairs_mut().append_pair(query, inputs.secret);
        }
        Some(Auth::Simple(SimpleAuth::Path | SimpleAuth::None)) | None => {}
    }
    let json_body = spec
        .content_type
        .as_deref()
        .is_some_and(|c| c.contains("json"));
    let form_body = spec
        .content_type
        .as_deref()
        .is_some_and(|c| c.contains("x-www-form-urlencoded"));
    for (k, v) in spec.headers.iter().chain(extra_headers.iter()) {
        if headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k)) {
            continue;
        }
        headers.push((k.clone(), header_value(values.render(v, Esc::Raw)?)?));
    }
    let body = match body_t {
        Some(b) => {
            let esc = if json_body {
                Esc::Json
            } else if form_body {
                Esc::Component
            } else {
                Esc::Raw
            };
            Some(values.render(b, esc)?.into_bytes())
        }
        None => None,
    };
    if let Some(ct) = &spec.content_type
        && body.is_some()
    {
        headers.push(("Content-Type".into(), ct.clone()));
    }
    Ok(HttpRequest {
        method,
        url,
        headers,
        body,
    })
}

/// Builds the `--access-map` follow-up requests (same auth and headers as the main one).
pub fn build_extra(
    spec: &ValidationSpec,
    inputs: &Inputs<'_>,
) -> Vec<(HttpRequest, BTreeMap<String, String>)> {
    spec.access_map
        .iter()
        .filter_map(|x| {
            build(
                spec,
                inputs,
                x.method,
                &x.url,
                &x.headers,
                x.body.as_deref(),
                &BTreeMap::new(),
            )
            .ok()
            .map(|r| (r, x.identity.clone()))
        })
        .collect()
}

/// The values at a JSON pointer, where a `*` segment walks every array element.
pub(crate) fn json_at<'v>(v: &'v Value, pointer: &str) -> Vec<&'v Value> {
    // `*` walks every element of an array (or value of an object).
    let mut cur: Vec<&Value> = vec![v];
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        for c in cur {
            if seg == "*" {
                match c {
                    Value::Array(a) => next.extend(a.iter()),
                    Value::Object(o) => next.extend(o.values()),
                    _ => {}
                }
            } else {
                let child = match c {
                    Value::Object(o) => o.get(&seg),
                    Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                };
                next.extend(child);
            }
        }
        cur = next;
    }
    cur
}

/// A scalar (or an array of scalars, joined) as text.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().filter_map(scalar).collect();
            (!items.is_empty()).then(|| items.join(", "))
        }
        _ => None,
    }
}

/// Whether a response matcher applies to `resp` (`json`: the parsed body, if JSON).
pub(crate) fn matches(m: &Matcher, resp: &HttpResponse, json: Option<&Value>) -> bool {
    if !m.status.contains(resp.status) {
        return false;
    }
    for (ptr, want) in &m.json {
        let Some(j) = json else { return false };
        let found = json_at(j, ptr);
        // `null` means "present"; a list means "any of these".
        let wanted: Vec<&Value> = match want {
            Value::Array(a) => a.iter().collect(),
            w => vec![w],
        };
        let ok = match want {
            Value::Null => !found.is_empty(),
            // A found array matches when one of its elements does.
            _ => found
                .iter()
                .flat_map(|f| match f {
                    Value::Array(a) => a.iter().collect::<Vec<_>>(),
                    other => vec![*other],
                })
                .any(|f| {
                    wanted.iter().any(|w| {
                        f == *w
                            || (!f.is_array()
                                && !f.is_object()
                                && scalar(f).is_some_and(|s| scalar(w).is_some_and(|t| s == t)))
                    })
                }),
        };
        if !ok {
            return false;
        }
    }
    for (name, re) in &m.header {
        let Some(v) = resp.header(name) else {
            return false;
        };
        if !regex::Regex::new(re).is_ok_and(|re| re.is_match(v)) {
            return false;
        }
    }
    if let Some(needle) = &m.body_contains
        && !String::from_utf8_lossy(&resp.body).contains(needle.as_str())
    {
        return false;
    }
    true
}

/// Maps a response to an outcome and a reason. Redirects, 429 and 5xx are never verdicts.
pub fn map_response(
    spec: &ValidationSpec,
    resp: &HttpResponse,
    method: Method,
) -> (Outcome, String) {
    let s = resp.status;
    if (300..400).contains(&s) {
        return (Outcome::Unknown, format!("HTTP {s} redirect not followed"));
    }
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let verdict = spec
        .responses
        .iter()
        .find(|m| matches(m, resp, json.as_ref()))
        .map(|m| {
            (
                m.outcome,
                m.reason.clone().unwrap_or_else(|| format!("HTTP {s}")),
            )
        });
    let (outcome, reason) = match verdict {
        Some(v) => v,
        None => default_mapping(resp),
    };
    if outcome.is_live()
        && (200..300).contains(&s)
        && spec.body_format == BodyFormat::Json
        && method != Method::Head
        && json.is_none()
    {
        return (
            Outcome::Unknown,
            format!("HTTP {s} with an unexpected (non-JSON) body"),
        );
    }
    (outcome, reason)
}

fn default_mapping(resp: &HttpResponse) -> (Outcome, String) {
    let s = resp.status;
    match s {
        200..=299 => (Outcome::Live, format!("HTTP {s}")),
        401 => (Outcome::Dead, "HTTP 401: credential rejected".into()),
        429 => {
            let ra = resp
                .header("retry-after")
                .map(|v| format!(", Retry-After {}", sanitize(v, 40)))
                .unwrap_or_default();
            (
                Outcome::Unknown,
                format!(
                    "rate limited (HTTP 429{ra}) after {} attempt{}",
                    resp.attempts,
                    if resp.attempts == 1 { "" } else { "s" }
                ),
            )
        }
        500..=599 => (
            Outcome::Unknown,
            format!("provider error HTTP {s} after {} attempts", resp.attempts),
        ),
        _ => (
            Outcome::Unknown,
            format!("HTTP {s} is not a documented verdict for this provider"),
        ),
    }
}

/// Printable, bounded copy of provider-supplied text.
pub fn sanitize(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !c.is_control())
        .take(max + 1)
        .collect();
    if clean.chars().count() > max {
        let mut t: String = clean.chars().take(max).collect();
        t.push('…');
        t
    } else {
        clean
    }
}

/// Extracts identity fields named in `sources` from a response. Values holding the secret are
/// dropped.
pub fn extract_identity(
    sources: &BTreeMap<String, String>,
    resp: &HttpResponse,
    secret: &str,
) -> BTreeMap<String, String> {
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let mut out = BTreeMap::new();
    for (name, src) in sources {
        let value = if let Some(ptr) = src.strip_prefix("json:") {
            json.as_ref().and_then(|j| {
                let items: Vec<String> = json_at(j, ptr)
                    .into_iter()
                    .filter_map(scalar)
                    .filter(|s| !s.is_empty())
                    .take(MAX_IDENTITY_ITEMS)
                    .collect();
                (!items.is_empty()).then(|| items.join(", "))
            })
        } else if let Some(h) = src.strip_prefix("header:") {
            resp.header(h).map(str::to_string)
        } else {
            None
        };
        if let Some(v) = value {
            let v = sanitize(v.trim(), MAX_IDENTITY_LEN);
            if v.is_empty() || (secret.len() >= 8 && v.contains(secret)) {
                continue;
            }
            out.insert(name.clone(), v);
        }
    }
    out
}

/// Runs the described check end to end.
pub async fn run(
    spec: &ValidationSpec,
    inputs: &Inputs<'_>,
    client: &super::http::SafeClient,
    access_map: bool,
) -> Check {
    let req = match build_request(spec, inputs) {
        Ok(r) => r,
        Err(why) => return Check::unknown(why),
    };
    let resp = match client.send(&req).await {
        Ok(r) => r,
        Err(e) => return Check::unknown(e.to_string()),
    };
    let (outcome, reason) = map_response(spec, &resp, req.method);
    let mut check = Check {
        outcome,
        reason,
        identity: BTreeMap::new(),
        part: None,
    };
    if access_map && outcome.is_live() {
        check.identity = extract_identity(&spec.identity, &resp, inputs.secret);
        for (x, sources) in build_extra(spec, inputs) {
            if let Ok(r) = client.send(&x).await
                && (200..300).contains(&r.status)
            {
                check
                    .identity
                    .extend(extract_identity(&sources, &r, inputs.secret));
            }
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(y: &str) -> ValidationSpec {
        let s: ValidationSpec = serde_yaml_ng::from_str(y).unwrap();
        s.check().unwrap();
        s
    }

    fn resp(status: u16, body: &str, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            attempts: 1,
        }
    }

    #[test]
    fn renders_each_position_with_its_escaping() {
        let s = spec(
            "method: POST\nurl: https://api.example.com/v1/{secret}/x?q={part.id}\nauth: {header: X-Key, format: 'Token token={secret}'}\nheaders: {Accept: application/json}\ncontent_type: application/json\nbody: '{\"t\":\"{secret}\",\"id\":\"{part.id}\"}'\n",
        );
        let mut parts = BTreeMap::new();
        parts.insert("id".to_string(), "a b&c".to_string());
        let inputs = Inputs {
            secret: "s/e\"c",
            parts: &parts,
        };
        let r = build_request(&s, &inputs).unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://api.example.com/v1/s%2Fe%22c/x?q=a%20b%26c"
        );
        assert_eq!(r.headers[0], ("X-Key".into(), "Token token=s/e\"c".into()));
        assert_eq!(
            String::from_utf8(r.body.unwrap()).unwrap(),
            r#"{"t":"s/e\"c","id":"a b&c"}"#
        );
        assert!(
            r.headers
                .iter()
                .any(|(k, v)| k == "Content-Type" && v == "application/json")
        );
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let s = spec("url: https://api.example.com/v1/{secret}?k={secret}\nauth: bearer\n");
        let parts = BTreeMap::new();
        let inputs = Inputs {
            secret: "sk-live-0123456789abcdef",
            parts: &parts,
        };
        let r = build_request(&s, &inputs).unwrap();
        for text in [format!("{r:?}"), format!("{inputs:?}")] {
            assert!(!text.contains("0123456789abcdef"), "{text}");
        }
    }

    #[test]
    fn templated_hosts_must_match_the_allow_list() {
        let s = spec(
            "url: https://{var.shop}/admin/oauth/access_scopes.json\nauth: {header: X-Shopify-Access-Token}\nvars: {shop: {from: part.shop, lowercase: true}}\nhosts: ['^[a-z0-9][a-z0-9-]*\\.myshopify\\.com$']\n",
        );
        let try_shop = |shop: &str| {
            let mut parts = BTreeMap::new();
            parts.insert("shop".to_string(), shop.to_string());
            build_request(
                &s,
                &Inputs {
                    secret: "shpat_x",
                    parts: &parts,
                },
            )
        };
        assert!(try_shop("acme.myshopify.com").is_ok());
        for evil in [
            "acme.myshopify.com.evil.example",
            "evil.example/acme.myshopify.com",
            "acme.myshopify.com@evil.example",
            "acme.myshopify.com.",
            "169.254.169.254",
            "evil.example#.myshopify.com",
            "acme.myshopify.com:8080",
            "[::1]",
        ] {
            assert!(try_shop(evil).is_err(), "{evil}");
        }
        let none = BTreeMap::new();
        assert!(
            build_request(
                &s,
                &Inputs {
                    secret: "x",
                    parts: &none
                }
            )
            .is_err()
        );
    }

    #[test]
    fn response_mapping_defaults_and_matchers() {
        let s = spec(
            "url: https://api.example.com/me\nauth: bearer\nresponses:\n  - {status: 403, header: {x-sso: '.'}, outcome: live_restricted, reason: SSO}\n  - {status: 200, json: {/ok: false}, outcome: dead, reason: revoked}\n  - {status: 429, json: {/error/code: insufficient_quota}, outcome: live_restricted}\n",
        );
        let m = |r: HttpResponse| map_response(&s, &r, Method::Get).0;
        assert_eq!(m(resp(200, "{}", &[])), Outcome::Live);
        assert_eq!(m(resp(200, "<html>", &[])), Outcome::Unknown);
        assert_eq!(m(resp(200, r#"{"ok":false}"#, &[])), Outcome::Dead);
        assert_eq!(m(resp(401, "", &[])), Outcome::Dead);
        assert_eq!(m(resp(403, "", &[])), Outcome::Unknown);
        assert_eq!(
            m(resp(403, "", &[("x-sso", "required")])),
            Outcome::LiveRestricted
        );
        assert_eq!(m(resp(404, "", &[])), Outcome::Unknown);
        assert_eq!(
            m(resp(429, "{}", &[("retry-after", "3")])),
            Outcome::Unknown
        );
        assert_eq!(
            m(resp(429, r#"{"error":{"code":"insufficient_quota"}}"#, &[])),
            Outcome::LiveRestricted
        );
        assert_eq!(m(resp(500, "", &[])), Outcome::Unknown);
        assert_eq!(
            m(resp(302, "", &[("location", "https://x")])),
            Outcome::Unknown
        );
    }

    #[test]
    fn identity_walks_arrays_and_never_echoes_the_secret() {
        let src: BTreeMap<String, String> = [
            ("login", "json:/login"),
            ("orgs", "json:/orgs/*/name"),
            ("scopes", "header:x-oauth-scopes"),
            ("echo", "json:/token"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let r = resp(
            200,
            r#"{"login":"octo","orgs":[{"name":"a"},{"name":"b"}],"token":"supersecretvalue"}"#,
            &[("x-oauth-scopes", "repo, gist")],
        );
        let id = extract_identity(&src, &r, "supersecretvalue");
        assert_eq!(id["login"], "octo");
        assert_eq!(id["orgs"], "a, b");
        assert_eq!(id["scopes"], "repo, gist");
        assert!(!id.contains_key("echo"));
    }
}
