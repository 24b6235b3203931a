//! The typed `validation:` block of a rule: what request proves a secret live, where the secret
//! goes, and how the provider's answer maps to an [`Outcome`]. Checked when the rule loads, so
//! an unsafe or malformed block (a templated host without an allow-list, a 5xx mapped to
//! `dead`) is a rule error, never a runtime surprise.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Result, bail};
use serde::{Deserialize, Deserializer, Serialize};

/// The four outcomes of a live check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The provider accepted the secret.
    Live,
    /// The secret authenticated, but this particular call was forbidden.
    LiveRestricted,
    /// The provider says the secret is unknown, revoked or expired.
    Dead,
    /// No verdict: network error, timeout, rate limit, 5xx, unexpected answer, or not checked.
    Unknown,
}

impl Outcome {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Live => "live",
            Outcome::LiveRestricted => "live_restricted",
            Outcome::Dead => "dead",
            Outcome::Unknown => "unknown",
        }
    }

    /// Parses [`Outcome::as_str`] output.
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "live" => Outcome::Live,
            "live_restricted" => Outcome::LiveRestricted,
            "dead" => Outcome::Dead,
            "unknown" => Outcome::Unknown,
            _ => return None,
        })
    }

    /// Live or live-restricted: the secret works.
    pub fn is_live(self) -> bool {
        matches!(self, Outcome::Live | Outcome::LiveRestricted)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks implemented in code because they need signing or a non-HTTP protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// AWS SigV4-signed `sts:GetCallerIdentity` (needs the `key_id` part).
    AwsSts,
    /// Google service-account JSON key: RS256 JWT exchanged at Google's token endpoint.
    GcpServiceAccount,
    /// Azure Storage SharedKey-signed `List Containers` (needs the `account` part).
    AzureStorage,
    /// PostgreSQL connection string: connect and authenticate only (`--validate-databases`).
    Postgres,
}

impl Scheme {
    /// The name used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::AwsSts => "aws_sts",
            Scheme::GcpServiceAccount => "gcp_service_account",
            Scheme::AzureStorage => "azure_storage",
            Scheme::Postgres => "postgres",
        }
    }
}

/// HTTP methods a validator may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET (the default).
    #[default]
    Get,
    /// POST (only for documented read-only endpoints such as GraphQL viewer queries).
    Post,
    /// HEAD.
    Head,
    /// DELETE (revocation requests only; a validation block may not use it).
    Delete,
}

impl Method {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Head => "HEAD",
            Method::Delete => "DELETE",
        }
    }
}

/// Where the secret goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Auth {
    /// `bearer` (`Authorization: Bearer {secret}`), `path` (the URL holds `{secret}`) or
    /// `none` (only `headers`/`body` templates carry it).
    Simple(SimpleAuth),
    /// `{header: NAME, format: "Token {secret}"}`: a header whose value is the format
    /// (default `{secret}`).
    Header {
        /// Header name.
        header: String,
        /// Value template.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
    },
    /// `{basic: "user:{secret}"}`: HTTP Basic with a `user:password` template.
    Basic {
        /// `user:password` template.
        basic: String,
    },
    /// `{query: NAME}`: the secret as a query parameter.
    Query {
        /// Parameter name.
        query: String,
    },
}

/// Keyword forms of [`Auth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimpleAuth {
    /// `Authorization: Bearer {secret}`.
    Bearer,
    /// The URL path holds `{secret}`.
    Path,
    /// The templates in headers or body carry the secret.
    None,
}

impl Auth {
    /// Where the secret goes, for dry runs and listings.
    pub fn describe(&self) -> String {
        match self {
            Auth::Simple(SimpleAuth::Bearer) => "Authorization: Bearer".into(),
            Auth::Simple(SimpleAuth::Path) => "URL path".into(),
            Auth::Simple(SimpleAuth::None) => "headers/body".into(),
            Auth::Header { header, .. } => format!("header {header}"),
            Auth::Basic { .. } => "HTTP Basic".into(),
            Auth::Query { query } => format!("query parameter {query}"),
        }
    }
}

/// Which statuses a matcher accepts: `200`, `[401, 403]`, `"2xx"` or `"400-499"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusSet(pub Vec<(u16, u16)>);

impl StatusSet {
    /// Whether `status` is in the set.
    pub fn contains(&self, status: u16) -> bool {
        self.0.iter().any(|(lo, hi)| (*lo..=*hi).contains(&status))
    }

    fn parse_one(s: &str) -> Option<(u16, u16)> {
        let s = s.trim();
        if let Some(d) = s.strip_suffix("xx") {
            let d: u16 = d.parse().ok().filter(|d| (1..=5).contains(d))?;
            return Some((d * 100, d * 100 + 99));
        }
        if let Some((a, b)) = s.split_once('-') {
            let (a, b): (u16, u16) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            return (a <= b && (100..=599).contains(&a) && b <= 599).then_some((a, b));
        }
        let n: u16 = s.parse().ok().filter(|n| (100..=599).contains(n))?;
        Some((n, n))
    }
}

impl<'de> Deserialize<'de> for StatusSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum One {
            N(u16),
            S(String),
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(One),
            Many(Vec<One>),
        }
        let items = match Raw::deserialize(d)? {
            Raw::One(o) => vec![o],
            Raw::Many(v) => v,
        };
        let mut out = Vec::new();
        for i in items {
            let text = match i {
                One::N(n) => n.to_string(),
                One::S(s) => s,
            };
            out.push(StatusSet::parse_one(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "bad status {text:?} (use 200, \"2xx\", \"400-404\")"
                ))
            })?);
        }
        if out.is_empty() {
            return Err(serde::de::Error::custom("empty status list"));
        }
        Ok(StatusSet(out))
    }
}

/// One response matcher: status plus optional body/header conditions → outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// Statuses this matcher applies to.
    pub status: StatusSet,
    /// JSON pointer → expected value (`/ok: false`). A `null` expectation means "present"; a
    /// list means "any of these values".
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub json: BTreeMap<String, serde_json::Value>,
    /// Header name → regex the header value must match.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub header: BTreeMap<String, String>,
    /// Text the body must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// What a match means.
    pub outcome: Outcome,
    /// Why (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A value pulled out of the secret or a part, e.g. a data-centre suffix or a customer host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    /// `secret` or `part.NAME`.
    pub from: String,
    /// Regex whose first capture group (or whole match) is the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Lower-case the value.
    #[serde(default)]
    pub lowercase: bool,
}

/// Body shape a live answer must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    /// A JSON document (the default); anything else is `unknown` ("unexpected body").
    #[default]
    Json,
    /// Any body.
    Any,
}

/// A read-only follow-up request run only with `--access-map`, for identity and reach.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraRequest {
    /// HTTP method.
    #[serde(default)]
    pub method: Method,
    /// URL on the same fixed host (templates allowed).
    pub url: String,
    /// Extra headers (the main request's auth and headers are reused).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Identity fields to extract.
    pub identity: BTreeMap<String, String>,
}

/// The `validation:` block of a rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationSpec {
    /// A code-implemented scheme instead of a described request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
    /// This kind of secret is never exercised; the reason (e.g. refresh tokens rotate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    /// HTTP method.
    #[serde(default)]
    pub method: Method,
    /// `https://` URL on the provider's fixed official host. Templates: `{secret}`,
    /// `{part.NAME}`, `{var.NAME}` (a templated host needs `hosts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the secret goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    /// Extra headers (templates allowed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body template (escaped for JSON when `content_type` is JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Content type of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Values derived from the secret or parts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, VarSpec>,
    /// Anchored regexes a templated host must match (strict suffix allow-list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Parts the finding must carry (e.g. `key_id`); without them the outcome is `unknown`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Matchers, first match wins; then the defaults (2xx live, 401 dead, the rest unknown).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<Matcher>,
    /// Shape a live body must have.
    #[serde(default)]
    pub body_format: BodyFormat,
    /// Identity fields: name → `json:/pointer` (`*` walks arrays) or `header:NAME`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, String>,
    /// Follow-up read-only requests for `--access-map`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_map: Vec<ExtraRequest>,
}

impl ValidationSpec {
    /// Whether the check reveals identity or reach (counts as access-mapped).
    pub fn maps_access(&self) -> bool {
        !self.identity.is_empty()
            || !self.access_map.is_empty()
            || matches!(
                self.scheme,
                Some(Scheme::AwsSts | Scheme::GcpServiceAccount)
            )
            || matches!(self.scheme, Some(Scheme::AzureStorage))
    }

    /// Whether the secret is ever sent anywhere.
    pub fn is_active(&self) -> bool {
        self.skip.is_none()
    }

    /// The host that receives the secret, as written (may hold `{var.…}`).
    pub fn host(&self) -> Option<String> {
        match self.scheme {
            Some(Scheme::AwsSts) => Some("sts.amazonaws.com".into()),
            Some(Scheme::GcpServiceAccount) => Some("oauth2.googleapis.com".into()),
            Some(Scheme::AzureStorage) => Some("{account}.blob.core.windows.net".into()),
            Some(Scheme::Postgres) => Some("(host in the connection string)".into()),
            None => self
                .url
                .as_deref()
                .and_then(|u| split_url(u).map(|p| p.1.to_string())),
        }
    }

    /// Checks the block's shape and safety; errors say what is wrong.
    pub fn check(&self) -> Result<()> {
        let kinds = [
            self.scheme.is_some(),
            self.skip.is_some(),
            self.url.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            bail!("validation: exactly one of scheme, skip or url is required");
        }
        if self.scheme.is_some() || self.skip.is_some() {
            if self.auth.is_some() || !self.responses.is_empty() || !self.headers.is_empty() {
                bail!("validation: scheme/skip blocks take no request fields");
            }
            return Ok(());
        }
        let url = self.url.as_deref().unwrap_or_default();
        if self.method == Method::Delete
            || self.access_map.iter().any(|x| x.method == Method::Delete)
        {
            bail!(
                "validation: DELETE is for revocation blocks; a validator must not change anything"
            );
        }
        check_url(url, &self.hosts, &self.vars)?;
        if matches!(self.auth, Some(Auth::Simple(SimpleAuth::Path))) && !url.contains("{secret}") {
            bail!("validation: auth path needs {{secret}} in the url");
        }
        if self.auth.is_none() {
            bail!(
                "validation: auth is required (bearer, path, none, {{header}}, {{basic}}, {{query}})"
            );
        }
        let carried = match &self.auth {
            Some(Auth::Simple(SimpleAuth::None)) => {
                let templated = |t: &str| {
                    ["{secret}", "{part.", "{var."]
                        .iter()
                        .any(|p| t.contains(p))
                };
                self.headers.values().any(|h| templated(h))
                    || self.body.as_deref().is_some_and(templated)
                    || templated(url)
            }
            _ => true,
        };
        if !carried {
            bail!("validation: auth none but no url, header or body template carries the secret");
        }
        for (name, v) in &self.vars {
            if !valid_ident(name) {
                bail!("validation: bad var name {name:?}");
            }
            check_source(&v.from)?;
            if let Some(re) = &v.regex {
                regex::Regex::new(re)
                    .map_err(|e| anyhow::anyhow!("validation: var {name}: bad regex: {e}"))?;
            }
        }
        for h in &self.hosts {
            if !h.starts_with('^') || !h.ends_with('$') {
                bail!("validation: host pattern {h:?} must be anchored with ^ and $");
            }
            regex::Regex::new(h)
                .map_err(|e| anyhow::anyhow!("validation: host pattern {h:?}: {e}"))?;
        }
        for m in &self.responses {
            check_matcher(m)?;
        }
        for (k, src) in &self.identity {
            check_identity_source(k, src)?;
        }
        for x in &self.access_map {
            let (_, host, _) = split_url(&x.url).ok_or_else(|| {
                anyhow::anyhow!("validation: access_map url {:?} is not https", x.url)
            })?;
            let main_host = split_url(url).map(|p| p.1.to_string()).unwrap_or_default();
            if host != main_host {
                bail!("validation: access_map url must stay on {main_host}");
            }
            for (k, src) in &x.identity {
                check_identity_source(k, src)?;
            }
        }
        for t in self
            .headers
            .values()
            .chain(self.body.iter())
            .chain(std::iter::once(&url.to_string()))
        {
            check_placeholders(t, &self.vars)?;
        }
        Ok(())
    }
}

/// Whether `s` is a placeholder, var or part name (`[A-Za-z0-9_-]+`).
pub(crate) fn valid_ident(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks a var source: `secret` or `part.NAME`.
pub(crate) fn check_source(from: &str) -> Result<()> {
    if from == "secret" || from.strip_prefix("part.").is_some_and(valid_ident) {
        Ok(())
    } else {
        bail!("validation: var source {from:?} must be `secret` or `part.NAME`")
    }
}

/// Splits `https://HOST/rest` into (scheme, host, rest); `None` when not https or malformed.
pub fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let rest = url.strip_prefix("https://")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    (!host.is_empty()).then_some(("https", host, tail))
}

/// Checks a request URL template: https, a fixed DNS host or one templated only with vars
/// (which then needs an allow-list).
pub(crate) fn check_url(
    url: &str,
    hosts: &[String],
    vars: &BTreeMap<String, VarSpec>,
) -> Result<()> {
    let Some((_, host, _)) = split_url(url) else {
        bail!("validation: url {url:?} must start with https:// and name a host");
    };
    if host.contains("{secret}") || host.contains("{part.") {
        bail!("validation: the host may only be templated with {{var.NAME}} (never the secret)");
    }
    if host.contains('{') {
        if hosts.is_empty() {
            bail!("validation: templated host {host:?} needs a `hosts` allow-list");
        }
        check_placeholders(host, vars)?;
        return Ok(());
    }
    if host.contains(['@', ':']) || !super::safety::is_dns_name(host) {
        bail!("validation: host {host:?} must be a plain DNS name (no port, userinfo or IP)");
    }
    Ok(())
}

fn check_placeholders(t: &str, vars: &BTreeMap<String, VarSpec>) -> Result<()> {
    check_placeholders_with(t, &|v| vars.contains_key(v))
}

/// Refuses `{name}` placeholders other than `{secret}`, `{part.NAME}` and `{var.NAME}` with
/// `known_var(NAME)`.
pub(crate) fn check_placeholders_with(t: &str, known_var: &dyn Fn(&str) -> bool) -> Result<()> {
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            // A JSON body can hold literal braces; only `{name}` forms are placeholders.
            break;
        };
        let name = &after[..j];
        let known = name == "secret"
            || name.strip_prefix("part.").is_some_and(valid_ident)
            || name.strip_prefix("var.").is_some_and(known_var);
        let looks_like_placeholder =
            valid_ident(name.replace('.', "").as_str()) && !name.is_empty() && name.len() < 40;
        if looks_like_placeholder && !known {
            bail!("validation: unknown placeholder {{{name}}}");
        }
        rest = &after[j + 1..];
    }
    Ok(())
}

fn check_matcher(m: &Matcher) -> Result<()> {
    let bad_for_verdict = |lo: u16, hi: u16| {
        // 3xx (never followed), 429 (rate limit) and 5xx never prove anything.
        (lo <= 399 && hi >= 300) || (lo <= 429 && hi >= 429) || hi >= 500
    };
    for &(lo, hi) in &m.status.0 {
        if m.outcome != Outcome::Unknown && bad_for_verdict(lo, hi) {
            let quota = m.outcome == Outcome::LiveRestricted
                && (lo, hi) == (429, 429)
                && (!m.json.is_empty() || m.body_contains.is_some());
            if !quota {
                bail!(
                    "validation: status {lo}-{hi} may only map to unknown (3xx, 429 and 5xx prove nothing)"
                );
            }
        }
        if m.outcome == Outcome::Dead && lo < 400 && m.json.is_empty() && m.body_contains.is_none()
        {
            bail!("validation: a 2xx may only map to dead with a body condition (e.g. /ok: false)");
        }
    }
    for re in m.header.values() {
        regex::Regex::new(re).map_err(|e| anyhow::anyhow!("validation: header regex: {e}"))?;
    }
    for p in m.json.keys() {
        if !p.starts_with('/') {
            bail!("validation: json condition {p:?} must be a JSON pointer starting with /");
        }
    }
    Ok(())
}

fn check_identity_source(name: &str, src: &str) -> Result<()> {
    if !valid_ident(name) {
        bail!("validation: bad identity field name {name:?}");
    }
    let ok = src
        .strip_prefix("json:")
        .is_some_and(|p| p.starts_with('/'))
        || src.strip_prefix("header:").is_some_and(|h| !h.is_empty());
    if !ok {
        bail!("validation: identity {name}: source {src:?} must be json:/pointer or header:NAME");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(y: &str) -> Result<ValidationSpec> {
        let s: ValidationSpec = serde_yaml_ng::from_str(y)?;
        s.check()?;
        Ok(s)
    }

    #[test]
    fn typical_blocks_parse() {
        let s = parse(
            "url: https://api.github.com/user\nauth: bearer\nheaders: {Accept: application/vnd.github+json}\nresponses:\n  - {status: 403, header: {x-github-sso: '.'}, outcome: live_restricted}\nidentity: {login: 'json:/login', scopes: 'header:x-oauth-scopes'}\n",
        )
        .unwrap();
        assert_eq!(s.host().unwrap(), "api.github.com");
        assert!(s.maps_access());
        parse("url: https://x.example.com/a\nauth: {header: x-api-key}\n").unwrap();
        parse("url: https://x.example.com/a\nauth: {header: Authorization, format: 'Token {secret}'}\n").unwrap();
        parse("url: https://x.example.com/a\nauth: {basic: 'api:{secret}'}\n").unwrap();
        parse("url: https://x.example.com/a\nauth: {query: key}\n").unwrap();
        parse("url: https://x.example.com/bot{secret}/getMe\nauth: path\n").unwrap();
        parse("scheme: aws_sts\n").unwrap();
        parse("skip: refresh tokens rotate when used\n").unwrap();
        let st: StatusSet = serde_yaml_ng::from_str("[200, '4xx', '500-503']").unwrap();
        assert!(st.contains(200) && st.contains(404) && st.contains(502) && !st.contains(504));
    }

    #[test]
    fn unsafe_blocks_are_rejected() {
        for (y, why) in [
            ("url: http://x.example.com/\nauth: bearer\n", "https"),
            ("url: https://169.254.169.254/\nauth: bearer\n", "DNS name"),
            (
                "url: https://x.example.com:8443/\nauth: bearer\n",
                "DNS name",
            ),
            (
                "url: https://{var.h}/\nauth: bearer\nvars: {h: {from: secret}}\n",
                "allow-list",
            ),
            (
                "url: https://{secret}.example.com/\nauth: bearer\nhosts: ['^a$']\n",
                "never the secret",
            ),
            (
                "url: https://x.example.com/\nauth: bearer\nhosts: ['a']\nvars: {}\n",
                "",
            ),
            (
                "url: https://x.example.com/\nauth: bearer\nresponses: [{status: 500, outcome: dead}]\n",
                "prove nothing",
            ),
            (
                "url: https://x.example.com/\nauth: bearer\nresponses: [{status: 429, outcome: dead}]\n",
                "prove nothing",
            ),
            (
                "url: https://x.example.com/\nauth: bearer\nresponses: [{status: 302, outcome: live}]\n",
                "prove nothing",
            ),
            (
                "url: https://x.example.com/\nauth: bearer\nresponses: [{status: 200, outcome: dead}]\n",
                "body condition",
            ),
            ("url: https://x.example.com/\nauth: path\n", "{secret}"),
            ("url: https://x.example.com/{part.x}\nauth: bearer\n", ""),
            (
                "url: https://x.example.com/{nope}\nauth: bearer\n",
                "unknown placeholder",
            ),
            (
                "scheme: aws_sts\nurl: https://x.example.com/\n",
                "exactly one",
            ),
            ("url: https://x.example.com/\n", "auth is required"),
            (
                "method: DELETE\nurl: https://x.example.com/\nauth: bearer\n",
                "DELETE is for revocation",
            ),
            (
                "url: https://x.example.com/\nauth: bearer\ncolour: red\n",
                "unknown field",
            ),
        ] {
            match parse(y) {
                Err(e) => assert!(format!("{e:#}").contains(why), "{y}: {e:#}"),
                Ok(_) if why.is_empty() => {}
                Ok(_) => panic!("accepted: {y}"),
            }
        }
    }
}
