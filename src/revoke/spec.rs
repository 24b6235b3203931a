//! The typed `revocation:` block of a rule: the request that makes a leaked credential stop
//! working, an optional lookup that identifies *this* credential first (never "the first item
//! of a list"), and how the provider's answer reads. Checked when the rule loads, like the
//! `validation:` block, so an unsafe block is a rule error, never a runtime surprise.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::validate::spec::{
    Auth, Method, SimpleAuth, StatusSet, VarSpec, check_placeholders_with, check_source, check_url,
    split_url, valid_ident,
};

/// Revocations implemented in code because they need signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeScheme {
    /// AWS IAM `UpdateAccessKey` (Status=Inactive), or `DeleteAccessKey` when only that is
    /// allowed, signed with the leaked key itself (needs the `key_id` part).
    AwsIam,
}

impl RevokeScheme {
    /// The name used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeScheme::AwsIam => "aws_iam",
        }
    }
}

/// What a matched answer to the revocation request means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The provider accepted the revocation (re-validation still decides `revoked`).
    Accepted,
    /// The provider refused or could not revoke.
    Failed,
}

/// One answer matcher: status plus optional body/header conditions → verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeMatcher {
    /// Statuses this matcher applies to.
    pub status: StatusSet,
    /// JSON pointer → expected value (`null`: present; a list: any of these).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub json: BTreeMap<String, serde_json::Value>,
    /// Header name → regex the value must match.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub header: BTreeMap<String, String>,
    /// Text the body must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// What a match means.
    pub outcome: Verdict,
    /// Why (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a lookup field is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Digest {
    /// The secret itself.
    Secret,
    /// Lower-case hex SHA-256 of the secret.
    Sha256,
    /// Lower-case hex SHA-512 of the secret.
    Sha512,
}

/// A read-only request that identifies the leaked credential before revoking it: either the
/// provider describes the calling credential (`vars` read from the answer), or it lists
/// credentials and exactly one item must match the secret (`items` + `match`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    /// GET (default) or POST.
    #[serde(default)]
    pub method: Method,
    /// URL on the revocation's host (templates allowed, no lookup vars).
    pub url: String,
    /// Extra headers (the revocation's auth and headers are reused).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// JSON pointer to the array of candidates (`''` for a top-level array).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    /// Pointer inside an item → what it must equal. Every entry must hold, and exactly one
    /// item may match; otherwise nothing is revoked.
    #[serde(default, rename = "match", skip_serializing_if = "BTreeMap::is_empty")]
    pub match_on: BTreeMap<String, Digest>,
    /// `{var.NAME}` values for the revocation: name → pointer (inside the matched item, or the
    /// whole answer without `items`).
    pub vars: BTreeMap<String, String>,
}

/// The `revocation:` block of a rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationSpec {
    /// A code-implemented revocation instead of a described request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<RevokeScheme>,
    /// HTTP method (required for described requests: DELETE or POST, typically).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    /// `https://` URL on the provider's fixed official host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the secret goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    /// Extra headers (templates allowed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Body template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Content type of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Values derived from the secret or parts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, VarSpec>,
    /// Anchored regexes a templated host must match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Parts the finding must carry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Identify the credential first (see [`Lookup`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Lookup>,
    /// Matchers, first match wins; then 2xx accepted, everything else failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<RevokeMatcher>,
    /// JSON pointer to the provider's error text, quoted (sanitised) in failure reasons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The permission the provider documents for this call, named when it answers 403.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    /// A caveat shown with the plan (irreversible, uninstalls, notifies the owner…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl RevocationSpec {
    /// The host the revocation goes to, as written.
    pub fn host(&self) -> Option<String> {
        match self.scheme {
            Some(RevokeScheme::AwsIam) => Some(super::aws::IAM_HOST.to_string()),
            None => self
                .url
                .as_deref()
                .and_then(|u| split_url(u).map(|p| p.1.to_string())),
        }
    }

    /// `DELETE`, `POST`, or the scheme name.
    pub fn method_name(&self) -> &'static str {
        match (self.scheme, self.method) {
            (Some(s), _) => s.as_str(),
            (None, Some(m)) => m.as_str(),
            (None, None) => "?",
        }
    }

    /// Names usable as `{var.NAME}` in the revocation request.
    fn var_names(&self) -> BTreeSet<&str> {
        let mut names: BTreeSet<&str> = self.vars.keys().map(String::as_str).collect();
        if let Some(l) = &self.lookup {
            names.extend(l.vars.keys().map(String::as_str));
        }
        names
    }

    /// Checks the block's shape and safety; errors say what is wrong.
    pub fn check(&self) -> Result<()> {
        if self.scheme.is_some() == self.url.is_some() {
            bail!("revocation: exactly one of scheme or url is required");
        }
        if self.scheme.is_some() {
            let extra = self.method.is_some()
                || self.auth.is_some()
                || self.lookup.is_some()
                || !self.responses.is_empty()
                || !self.headers.is_empty()
                || self.body.is_some();
            if extra {
                bail!("revocation: scheme blocks take no request fields (only needs and note)");
            }
            return Ok(());
        }
        let url = self.url.as_deref().unwrap_or_default();
        check_url(url, &self.hosts, &self.vars).map_err(retitle)?;
        let Some(method) = self.method else {
            bail!("revocation: method is required (DELETE, POST, …)");
        };
        if method == Method::Head {
            bail!("revocation: HEAD cannot revoke anything");
        }
        let Some(auth) = &self.auth else {
            bail!(
                "revocation: auth is required (bearer, path, none, {{header}}, {{basic}}, {{query}})"
            );
        };
        if matches!(auth, Auth::Simple(SimpleAuth::Path)) && !url.contains("{secret}") {
            bail!("revocation: auth path needs {{secret}} in the url");
        }
        if matches!(auth, Auth::Simple(SimpleAuth::None)) {
            let templated = |t: &str| {
                ["{secret}", "{part.", "{var."]
                    .iter()
                    .any(|p| t.contains(p))
            };
            let carried = self.headers.values().any(|h| templated(h))
                || self.body.as_deref().is_some_and(templated)
                || templated(url);
            if !carried {
                bail!(
                    "revocation: auth none but no url, header or body template carries the secret"
                );
            }
        }
        for (name, v) in &self.vars {
            if !valid_ident(name) {
                bail!("revocation: bad var name {name:?}");
            }
            check_source(&v.from).map_err(retitle)?;
            if let Some(re) = &v.regex {
                regex::Regex::new(re)
                    .map_err(|e| anyhow::anyhow!("revocation: var {name}: bad regex: {e}"))?;
            }
        }
        for h in &self.hosts {
            if !h.starts_with('^') || !h.ends_with('$') {
                bail!("revocation: host pattern {h:?} must be anchored with ^ and $");
            }
            regex::Regex::new(h)
                .map_err(|e| anyhow::anyhow!("revocation: host pattern {h:?}: {e}"))?;
        }
        if let Some(l) = &self.lookup {
            self.check_lookup(l, url)?;
        }
        let names = self.var_names();
        let known = |v: &str| names.contains(v);
        for t in self
            .headers
            .values()
            .chain(self.body.iter())
            .chain(std::iter::once(&url.to_string()))
        {
            check_placeholders_with(t, &known).map_err(retitle)?;
        }
        for m in &self.responses {
            check_matcher(m)?;
        }
        if let Some(p) = &self.error
            && !p.starts_with('/')
        {
            bail!("revocation: error {p:?} must be a JSON pointer starting with /");
        }
        Ok(())
    }

    fn check_lookup(&self, l: &Lookup, url: &str) -> Result<()> {
        if !matches!(l.method, Method::Get | Method::Post) {
            bail!("revocation: lookup must be GET or POST (it only reads)");
        }
        let host_of = |u: &str| split_url(u).map(|p| p.1.to_string());
        let Some(lhost) = host_of(&l.url) else {
            bail!(
                "revocation: lookup url {:?} must start with https://",
                l.url
            );
        };
        if Some(lhost.clone()) != host_of(url) {
            bail!("revocation: lookup url must stay on the revocation's host");
        }
        if l.vars.is_empty() {
            bail!("revocation: lookup needs vars (what it reads for the revocation)");
        }
        for (name, ptr) in &l.vars {
            if !valid_ident(name) || self.vars.contains_key(name) {
                bail!("revocation: bad or duplicate lookup var name {name:?}");
            }
            if !ptr.starts_with('/') {
                bail!(
                    "revocation: lookup var {name}: {ptr:?} must be a JSON pointer starting with /"
                );
            }
        }
        match (&l.items, l.match_on.is_empty()) {
            (Some(_), true) => bail!(
                "revocation: a lookup over a list needs `match` (picking an item by position could revoke another credential)"
            ),
            (None, false) => bail!("revocation: lookup `match` needs `items`"),
            _ => {}
        }
        if let Some(p) = &l.items
            && !(p.is_empty() || p.starts_with('/'))
        {
            bail!(
                "revocation: lookup items {p:?} must be a JSON pointer ('' for the whole answer)"
            );
        }
        for p in l.match_on.keys() {
            if !p.starts_with('/') {
                bail!("revocation: lookup match {p:?} must be a JSON pointer starting with /");
            }
        }
        for t in l.headers.values().chain(std::iter::once(&l.url)) {
            check_placeholders_with(t, &|v| self.vars.contains_key(v)).map_err(retitle)?;
        }
        Ok(())
    }
}

/// The shared URL and placeholder checks say "validation:"; name the block they ran for.
fn retitle(e: anyhow::Error) -> anyhow::Error {
    let text = format!("{e:#}");
    anyhow::anyhow!(
        "revocation: {}",
        text.strip_prefix("validation: ").unwrap_or(&text)
    )
}

fn check_matcher(m: &RevokeMatcher) -> Result<()> {
    for &(lo, hi) in &m.status.0 {
        if m.outcome == Verdict::Accepted && (lo < 200 || hi > 299) {
            bail!("revocation: only a 2xx answer may mean accepted (status {lo}-{hi})");
        }
    }
    for re in m.header.values() {
        regex::Regex::new(re).map_err(|e| anyhow::anyhow!("revocation: header regex: {e}"))?;
    }
    for p in m.json.keys() {
        if !p.starts_with('/') {
            bail!("revocation: json condition {p:?} must be a JSON pointer starting with /");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(y: &str) -> Result<RevocationSpec> {
        let s: RevocationSpec = serde_yaml_ng::from_str(y)?;
        s.check()?;
        Ok(s)
    }

    #[test]
    fn typical_blocks_parse() {
        let s = parse(
            "method: POST\nurl: https://api.github.com/credentials/revoke\nauth: none\ncontent_type: application/json\nbody: '{\"credentials\":[\"{secret}\"]}'\n",
        )
        .unwrap();
        assert_eq!(s.host().unwrap(), "api.github.com");
        assert_eq!(s.method_name(), "POST");
        parse("method: DELETE\nurl: https://x.example.com/self\nauth: bearer\nneeds: the admin scope\n").unwrap();
        parse("scheme: aws_iam\nneeds: iam:UpdateAccessKey\n").unwrap();
        parse(
            "method: DELETE\nurl: https://x.example.com/t/{var.id}\nauth: bearer\nlookup: {url: 'https://x.example.com/verify', vars: {id: /result/id}}\n",
        )
        .unwrap();
        parse(
            "method: DELETE\nurl: https://x.example.com/t/{var.key}\nauth: bearer\nlookup: {url: 'https://x.example.com/list', items: /objects, match: {/key: sha512}, vars: {key: /key}}\n",
        )
        .unwrap();
    }

    #[test]
    fn unsafe_blocks_are_rejected() {
        for (y, why) in [
            (
                "url: https://x.example.com/\nauth: bearer\n",
                "method is required",
            ),
            (
                "method: DELETE\nurl: http://x.example.com/\nauth: bearer\n",
                "https",
            ),
            (
                "method: DELETE\nurl: https://10.0.0.1/\nauth: bearer\n",
                "DNS name",
            ),
            (
                "method: HEAD\nurl: https://x.example.com/\nauth: bearer\n",
                "HEAD",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/\n",
                "auth is required",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/\nauth: none\n",
                "carries the secret",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/t/{var.id}\nauth: bearer\nlookup: {url: 'https://x.example.com/list', items: /objects, vars: {id: /id}}\n",
                "needs `match`",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/t/{var.id}\nauth: bearer\nlookup: {url: 'https://evil.example.com/list', vars: {id: /id}}\n",
                "revocation's host",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/t/{var.id}\nauth: bearer\nlookup: {method: DELETE, url: 'https://x.example.com/v', vars: {id: /id}}\n",
                "only reads",
            ),
            (
                "method: DELETE\nurl: https://{var.id}.example.com/t\nauth: bearer\nhosts: ['^a$']\nlookup: {url: 'https://x.example.com/v', vars: {id: /id}}\n",
                "",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/t/{var.nope}\nauth: bearer\n",
                "unknown placeholder",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/\nauth: bearer\nresponses: [{status: 404, outcome: accepted}]\n",
                "2xx",
            ),
            ("scheme: aws_iam\nmethod: POST\n", "no request fields"),
            (
                "scheme: aws_iam\nurl: https://x.example.com/\n",
                "exactly one",
            ),
            (
                "method: DELETE\nurl: https://x.example.com/\nauth: bearer\ncolour: red\n",
                "unknown field",
            ),
        ] {
            match parse(y) {
                Err(e) => assert!(format!("{e:#}").contains(why), "{y}: {e:#}"),
                Ok(_) => panic!("accepted: {y}"),
            }
        }
    }
}
