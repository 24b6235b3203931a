//! Interprets a rule's `revocation:` block: renders the lookup and revocation requests with the
//! validation interpreter's escaping rules, picks the one listed credential that matches the
//! secret, and reads the provider's answer as accepted or failed (with a reason that names the
//! missing permission on a 403).

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::Digest as _;

use super::spec::{Digest, Lookup, RevocationSpec, Verdict};
use crate::validate::Inputs;
use crate::validate::http::{HttpRequest, HttpResponse};
use crate::validate::interp::{build_request_with, json_at, matches, sanitize, scalar};
use crate::validate::spec::{Matcher, Method, Outcome, ValidationSpec};

/// Longest id a lookup may hand to the revocation request.
const MAX_VAR_LEN: usize = 256;

/// What one revocation request achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The provider accepted the revocation.
    pub accepted: bool,
    /// Why (status, provider error, missing permission).
    pub reason: String,
}

impl Attempt {
    /// A failed attempt.
    pub fn failed(reason: impl Into<String>) -> Attempt {
        Attempt {
            accepted: false,
            reason: reason.into(),
        }
    }
}

/// The block as a request template for the validation interpreter (same escaping, host
/// allow-list and auth handling).
fn template(
    spec: &RevocationSpec,
    method: Method,
    url: &str,
    extra_headers: &BTreeMap<String, String>,
    body: Option<&str>,
) -> ValidationSpec {
    let mut headers = spec.headers.clone();
    headers.extend(extra_headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    ValidationSpec {
        method,
        url: Some(url.to_string()),
        auth: spec.auth.clone(),
        headers,
        body: body.map(str::to_string),
        content_type: spec.content_type.clone(),
        vars: spec.vars.clone(),
        hosts: spec.hosts.clone(),
        requires: spec.requires.clone(),
        ..ValidationSpec::default()
    }
}

/// The lookup request (same auth and headers as the revocation).
pub fn build_lookup(
    spec: &RevocationSpec,
    lookup: &Lookup,
    inputs: &Inputs<'_>,
) -> Result<HttpRequest, String> {
    let t = template(spec, lookup.method, &lookup.url, &lookup.headers, None);
    build_request_with(&t, inputs, &BTreeMap::new())
}

/// The revocation request, with the values a lookup found.
pub fn build_revoke(
    spec: &RevocationSpec,
    inputs: &Inputs<'_>,
    found: &BTreeMap<String, String>,
) -> Result<HttpRequest, String> {
    let method = spec.method.ok_or("revocation has no method")?;
    let url = spec.url.as_deref().ok_or("revocation has no url")?;
    let t = template(spec, method, url, &BTreeMap::new(), spec.body.as_deref());
    build_request_with(&t, inputs, found)
}

fn digest(d: Digest, secret: &str) -> String {
    match d {
        Digest::Secret => secret.to_string(),
        Digest::Sha256 => hex::encode(sha2::Sha256::digest(secret.as_bytes())),
        Digest::Sha512 => hex::encode(sha2::Sha512::digest(secret.as_bytes())),
    }
}

fn one_value(v: &Value, ptr: &str) -> Option<String> {
    let found = json_at(v, ptr);
    match found.as_slice() {
        [one] if !one.is_array() && !one.is_object() => scalar(one),
        _ => None,
    }
}

/// Reads the lookup's answer: the vars of the calling credential, or of the single listed
/// item matching the secret. Anything else (no match, two matches, odd values) revokes nothing.
pub fn pick(
    lookup: &Lookup,
    resp: &HttpResponse,
    secret: &str,
) -> Result<BTreeMap<String, String>, String> {
    let json: Value = serde_json::from_slice(&resp.body).map_err(|_| {
        format!(
            "lookup answered HTTP {} without JSON; nothing revoked",
            resp.status
        )
    })?;
    let source: &Value = match &lookup.items {
        None => &json,
        Some(ptr) => {
            let lists = json_at(&json, ptr);
            let Some(Value::Array(items)) = lists.first() else {
                return Err("lookup answer holds no list of credentials; nothing revoked".into());
            };
            let hits: Vec<&Value> = items
                .iter()
                .filter(|item| {
                    lookup
                        .match_on
                        .iter()
                        .all(|(p, d)| one_value(item, p).is_some_and(|v| v == digest(*d, secret)))
                })
                .collect();
            match hits.as_slice() {
                [one] => one,
                [] => {
                    return Err(format!(
                        "none of the {} listed credentials matches this secret; nothing revoked",
                        items.len()
                    ));
                }
                _ => {
                    return Err(format!(
                        "{} listed credentials match this secret; ambiguous, nothing revoked",
                        hits.len()
                    ));
                }
            }
        }
    };
    let mut out = BTreeMap::new();
    for (name, ptr) in &lookup.vars {
        let v = one_value(source, ptr)
            .filter(|v| !v.is_empty() && v.len() <= MAX_VAR_LEN)
            .ok_or_else(|| format!("lookup answer has no usable {ptr}; nothing revoked"))?;
        if secret.len() >= 6 && v.contains(secret) {
            return Err(format!(
                "lookup value {ptr} holds the secret itself; nothing revoked"
            ));
        }
        out.insert(name.clone(), v);
    }
    Ok(out)
}

fn error_text(spec: &RevocationSpec, json: Option<&Value>) -> String {
    let Some(ptr) = &spec.error else {
        return String::new();
    };
    json.and_then(|j| one_value(j, ptr))
        .map(|t| sanitize(t.trim(), 160))
        .filter(|t| !t.is_empty())
        .map(|t| format!(": {t}"))
        .unwrap_or_default()
}

/// Reads a failed answer (of the lookup or the revocation) as a reason.
pub fn failure(spec: &RevocationSpec, resp: &HttpResponse) -> String {
    let s = resp.status;
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let err = error_text(spec, json.as_ref());
    let attempts = |n: u32| format!("{n} attempt{}", if n == 1 { "" } else { "s" });
    match s {
        300..=399 => format!("HTTP {s} redirect not followed"),
        401 => format!(
            "HTTP 401: the provider rejected the credential (already revoked or expired?){err}"
        ),
        403 if json.is_none() => {
            format!("HTTP 403 with a non-JSON answer (a firewall or proxy?){err}")
        }
        403 => match &spec.needs {
            Some(n) => format!("could not revoke: needs {n} (HTTP 403{err})"),
            None => format!("could not revoke: the provider refused (HTTP 403{err})"),
        },
        404 => format!("HTTP 404: not found{err}"),
        429 => {
            let ra = resp
                .header("retry-after")
                .map(|v| format!(", Retry-After {}", sanitize(v, 40)))
                .unwrap_or_default();
            format!(
                "rate limited (HTTP 429{ra}) after {}; try again later",
                attempts(resp.attempts)
            )
        }
        500..=599 => format!(
            "provider error HTTP {s} after {}{err}",
            attempts(resp.attempts)
        ),
        _ => format!("HTTP {s}{err}"),
    }
}

/// Reads the revocation's answer: matchers first, then 2xx accepted, anything else failed.
pub fn map_revoke(spec: &RevocationSpec, resp: &HttpResponse) -> Attempt {
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    for m in &spec.responses {
        let probe = Matcher {
            status: m.status.clone(),
            json: m.json.clone(),
            header: m.header.clone(),
            body_contains: m.body_contains.clone(),
            outcome: Outcome::Unknown,
            reason: None,
        };
        if matches(&probe, resp, json.as_ref()) {
            let base = m
                .reason
                .clone()
                .unwrap_or_else(|| format!("HTTP {}", resp.status));
            return match m.outcome {
                Verdict::Accepted => Attempt {
                    accepted: true,
                    reason: base,
                },
                Verdict::Failed => {
                    Attempt::failed(format!("{base}{}", error_text(spec, json.as_ref())))
                }
            };
        }
    }
    if (200..300).contains(&resp.status) {
        return Attempt {
            accepted: true,
            reason: format!("HTTP {}: revocation accepted", resp.status),
        };
    }
    Attempt::failed(failure(spec, resp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(y: &str) -> RevocationSpec {
        let s: RevocationSpec = serde_yaml_ng::from_str(y).unwrap();
        s.check().unwrap();
        s
    }

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("retry-after".into(), "7".into())],
            body: body.as_bytes().to_vec(),
            attempts: 3,
        }
    }

    #[test]
    fn lookup_picks_exactly_one_matching_item() {
        let s = spec(
            "method: DELETE\nurl: https://r.example.com/tokens/{var.key}\nauth: bearer\nlookup: {url: 'https://r.example.com/tokens', items: /objects, match: {/key: sha512}, vars: {key: /key}}\n",
        );
        let l = s.lookup.as_ref().unwrap();
        let secret = "npm_abcdefghijklmnopqrstuvwxyz0123456789";
        let mine = digest(Digest::Sha512, secret);
        let other = digest(Digest::Sha512, "npm_someoneelse");
        let body = format!(r#"{{"objects":[{{"key":"{other}"}},{{"key":"{mine}"}}]}}"#);
        assert_eq!(pick(l, &resp(200, &body), secret).unwrap()["key"], mine);
        let none = format!(r#"{{"objects":[{{"key":"{other}"}}]}}"#);
        assert!(
            pick(l, &resp(200, &none), secret)
                .unwrap_err()
                .contains("nothing revoked")
        );
        let twice = format!(r#"{{"objects":[{{"key":"{mine}"}},{{"key":"{mine}"}}]}}"#);
        assert!(
            pick(l, &resp(200, &twice), secret)
                .unwrap_err()
                .contains("ambiguous")
        );
        assert!(pick(l, &resp(200, "<html>"), secret).is_err());
    }

    #[test]
    fn a_looked_up_id_lands_percent_encoded_in_the_path() {
        let s = spec(
            "method: DELETE\nurl: https://r.example.com/t/{var.id}\nauth: bearer\nlookup: {url: 'https://r.example.com/verify', vars: {id: /result/id}}\n",
        );
        let parts = BTreeMap::new();
        let inputs = Inputs {
            secret: "tok_0123456789",
            parts: &parts,
        };
        let found = pick(
            s.lookup.as_ref().unwrap(),
            &resp(200, r#"{"result":{"id":"../admin?x=1"}}"#),
            inputs.secret,
        )
        .unwrap();
        let r = build_revoke(&s, &inputs, &found).unwrap();
        assert_eq!(r.url.as_str(), "https://r.example.com/t/..%2Fadmin%3Fx%3D1");
        assert_eq!(r.method, Method::Delete);
    }

    #[test]
    fn answers_map_to_accepted_or_a_reason() {
        let s = spec(
            "method: POST\nurl: https://slack.example.com/api/auth.revoke\nauth: bearer\nerror: /error\nneeds: the tokens:write scope\nresponses:\n  - {status: 200, json: {/ok: false}, outcome: failed, reason: refused}\n",
        );
        assert!(map_revoke(&s, &resp(200, r#"{"ok":true,"revoked":true}"#)).accepted);
        let r = map_revoke(&s, &resp(200, r#"{"ok":false,"error":"not_authed"}"#));
        assert_eq!(r, Attempt::failed("refused: not_authed"));
        let r = map_revoke(&s, &resp(403, r#"{"error":"missing_scope"}"#));
        assert_eq!(
            r.reason,
            "could not revoke: needs the tokens:write scope (HTTP 403: missing_scope)"
        );
        assert!(
            map_revoke(&s, &resp(403, "<html>"))
                .reason
                .contains("non-JSON")
        );
        let r = map_revoke(&s, &resp(429, "{}"));
        assert!(
            !r.accepted && r.reason.contains("Retry-After 7") && r.reason.contains("3 attempts")
        );
        assert!(
            map_revoke(&s, &resp(503, ""))
                .reason
                .starts_with("provider error HTTP 503")
        );
        assert!(map_revoke(&s, &resp(302, "")).reason.contains("redirect"));
        assert!(
            map_revoke(&s, &resp(401, ""))
                .reason
                .contains("already revoked")
        );
    }
}
