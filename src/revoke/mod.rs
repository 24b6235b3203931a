//! Revocation: making a leaked credential stop working, with the credential itself.
//!
//! One credential at a time: validate (a dead secret is left alone), identify it when the
//! provider needs an id (`lookup`, which must match this exact credential), send the
//! revocation described by the rule's `revocation:` block (`spec`, `interp`) or a code scheme
//! (`aws`), then validate again until the provider says dead. Only that last answer earns the
//! status `revoked`. Every validation and revocation request is appended to the audit log.
//! Requests go through the validation client, so its safety rules (fixed official hosts,
//! endpoint overrides, no redirects, vetted DNS) apply unchanged.

pub mod aws;
pub mod command;
pub mod interp;
pub mod listing;
pub mod spec;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::audit;
use crate::validate::http::SafeClient;
use crate::validate::spec::{
    Auth, Outcome, Scheme, SimpleAuth, ValidationSpec, VarSpec, split_url,
};
use crate::validate::{Check, Inputs, Options, check_one, scrub};
use interp::Attempt;
use spec::{RevocationSpec, RevokeScheme};

/// Where one credential ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The provider accepted the revocation and now says the secret is dead.
    Revoked,
    /// The provider already said dead before anything was revoked.
    AlreadyDead,
    /// The revocation was accepted, but the secret still works.
    RequestedStillLive,
    /// The revocation was accepted, but no verdict came back afterwards.
    RequestedUnknown,
    /// The revocation could not be sent or was refused.
    NotRevoked,
    /// The rule has no revocation: rotate by hand.
    NotRevocable,
    /// Dry run: nothing was sent.
    DryRun,
}

impl Status {
    /// The name used in JSON and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Revoked => "revoked",
            Status::AlreadyDead => "already_dead",
            Status::RequestedStillLive => "requested_still_live",
            Status::RequestedUnknown => "requested_unknown",
            Status::NotRevoked => "not_revoked",
            Status::NotRevocable => "not_revocable",
            Status::DryRun => "dry_run",
        }
    }

    /// The wording of the text report.
    pub fn label(self) -> &'static str {
        match self {
            Status::Revoked => "revoked",
            Status::AlreadyDead => "already dead",
            Status::RequestedStillLive => "revocation requested, still live",
            Status::RequestedUnknown => "revocation requested, unknown",
            Status::NotRevoked => "not revoked",
            Status::NotRevocable => "cannot be revoked by leakhound",
            Status::DryRun => "dry run",
        }
    }

    /// The secret is known to be dead now.
    pub fn is_dead(self) -> bool {
        matches!(self, Status::Revoked | Status::AlreadyDead)
    }
}

/// One credential (every finding of one fingerprint). `Debug` shows only redacted values.
#[derive(Clone)]
pub struct Credential {
    /// Rule id.
    pub rule_id: String,
    /// Fingerprint of the secret.
    pub fingerprint: String,
    /// The secret, as re-read from its source.
    pub secret: String,
    /// The redacted form shown in every output.
    pub shown: String,
    /// Parts found with it.
    pub parts: BTreeMap<String, String>,
    /// `path:line (source)` of every finding.
    pub places: Vec<String>,
    /// Why the secret cannot be used (it could not be re-read), if so.
    pub unusable: Option<String>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credential({} {} {} at {:?})",
            self.rule_id, self.fingerprint, self.shown, self.places
        )
    }
}

impl Credential {
    /// The first place it leaked, plus how many more.
    pub fn location(&self) -> String {
        let first = self.places.first().cloned().unwrap_or_default();
        match self.places.len() {
            0 | 1 => first,
            n => format!("{first} (+{} more)", n - 1),
        }
    }

    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            secret: &self.secret,
            parts: &self.parts,
        }
    }
}

/// What happened to one credential.
#[derive(Debug, Clone, Serialize)]
pub struct Revocation {
    /// Rule id.
    pub rule_id: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// The redacted secret.
    pub secret: String,
    /// Every place it leaked.
    pub places: Vec<String>,
    /// Outcome.
    pub status: Status,
    /// Why.
    pub reason: String,
    /// Host the revocation went (or would go) to.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// Validation before revoking (`outcome: reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Validation after revoking (`outcome: reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Dry run: the requests that would be sent (never the secret).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<String>,
}

impl Revocation {
    fn new(c: &Credential, status: Status, reason: impl Into<String>) -> Revocation {
        Revocation {
            rule_id: c.rule_id.clone(),
            fingerprint: c.fingerprint.clone(),
            secret: c.shown.clone(),
            places: c.places.clone(),
            status,
            reason: reason.into(),
            host: String::new(),
            before: None,
            after: None,
            plan: Vec::new(),
        }
    }
}

/// How to revoke.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long to keep re-validating after an accepted revocation.
    pub wait: Duration,
    /// The audit log.
    pub audit_log: PathBuf,
}

/// Runs revocations through one guarded client.
pub struct Revoker<'a> {
    /// The client (overrides and limits included).
    pub client: &'a SafeClient,
    /// Validation specs by rule id.
    pub validators: &'a HashMap<String, ValidationSpec>,
    /// Revocation specs by rule id.
    pub revocations: &'a HashMap<String, RevocationSpec>,
    /// Settings.
    pub settings: Settings,
    /// Warnings sink.
    pub warn: &'a dyn Fn(&str),
    audit_failed: AtomicBool,
}

impl<'a> Revoker<'a> {
    /// A revoker.
    pub fn new(
        client: &'a SafeClient,
        validators: &'a HashMap<String, ValidationSpec>,
        revocations: &'a HashMap<String, RevocationSpec>,
        settings: Settings,
        warn: &'a dyn Fn(&str),
    ) -> Revoker<'a> {
        Revoker {
            client,
            validators,
            revocations,
            settings,
            warn,
            audit_failed: AtomicBool::new(false),
        }
    }

    /// Whether leakhound can revoke credentials of this rule.
    pub fn can_revoke(&self, rule_id: &str) -> bool {
        self.revocations.contains_key(rule_id) && self.validators.contains_key(rule_id)
    }

    fn audit(&self, action: &str, c: &Credential, host: &str, outcome: &str, detail: &str) {
        let mut rec = audit::Record::now(action, &c.rule_id, &c.fingerprint, &c.location());
        rec.endpoint_host = host.to_string();
        rec.outcome = outcome.to_string();
        rec.detail = scrub(detail, &c.secret, &c.parts);
        if let Err(e) = audit::append(&self.settings.audit_log, &rec)
            && !self.audit_failed.swap(true, Ordering::Relaxed)
        {
            (self.warn)(&format!("{e:#}"));
        }
    }

    /// The requests a revocation would send, for dry runs and confirmations.
    pub fn plan(&self, c: &Credential) -> Vec<String> {
        let (Some(v), Some(r)) = (
            self.validators.get(&c.rule_id),
            self.revocations.get(&c.rule_id),
        ) else {
            return Vec::new();
        };
        let check = self.describe_validation(v, c);
        let mut out = vec![format!("validate  {check}")];
        if let Some(l) = &r.lookup {
            let carrier = carriers(r.auth.as_ref(), &l.url, &r.headers, None, &r.vars);
            let how = match &l.items {
                Some(_) => {
                    let m: Vec<String> = l
                        .match_on
                        .iter()
                        .map(|(p, d)| format!("{p} = {} of the secret", digest_name(*d)))
                        .collect();
                    format!("; picks the one listed item whose {}", m.join(" and "))
                }
                None => String::new(),
            };
            let vars: Vec<&str> = l.vars.keys().map(String::as_str).collect();
            out.push(format!(
                "lookup    {}{how}; reads {}",
                self.describe(l.method.as_str(), &l.url, &carrier, c, r),
                vars.join(", ")
            ));
        }
        let revoke = match r.scheme {
            Some(RevokeScheme::AwsIam) => format!(
                "POST https://{}/ Action=UpdateAccessKey Status=Inactive (DeleteAccessKey if that is denied){} [SigV4 signature; the secret itself is never sent]",
                aws::IAM_HOST,
                self.override_note(&aws::endpoint_url())
            ),
            None => {
                let url = r.url.as_deref().unwrap_or_default();
                let carrier =
                    carriers(r.auth.as_ref(), url, &r.headers, r.body.as_deref(), &r.vars);
                self.describe(r.method_name(), url, &carrier, c, r)
            }
        };
        let note = r
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        out.push(format!("revoke    {revoke}{note}"));
        out.push(format!(
            "re-check  {check} until it answers dead (up to {} s)",
            self.settings.wait.as_secs()
        ));
        out
    }

    fn override_note(&self, url: &str) -> String {
        match reqwest::Url::parse(url).map(|u| self.client.target(&u)) {
            Ok(Ok((t, true))) => format!(
                " (overridden to {}://{}{})",
                t.scheme(),
                t.host_str().unwrap_or_default(),
                t.port().map(|p| format!(":{p}")).unwrap_or_default()
            ),
            Ok(Err(e)) => format!(" (would be {e})"),
            _ => String::new(),
        }
    }

    fn describe(
        &self,
        method: &str,
        url_t: &str,
        carrier: &str,
        c: &Credential,
        r: &RevocationSpec,
    ) -> String {
        let Some((_, host_t, path_t)) = split_url(url_t) else {
            return format!("{method} {url_t}");
        };
        // A templated host is shown as it would be rendered (it passed the allow-list).
        let host = if host_t.contains('{') {
            let found: BTreeMap<String, String> = r
                .lookup
                .iter()
                .flat_map(|l| l.vars.keys())
                .map(|k| (k.clone(), "x".to_string()))
                .collect();
            match interp::build_revoke(r, &c.inputs(), &found) {
                Ok(req) => req.url.host_str().unwrap_or_default().to_string(),
                Err(e) => return format!("nothing would be sent: {e}"),
            }
        } else {
            host_t.to_string()
        };
        let url = format!("https://{host}{path_t}");
        format!(
            "{method} {url}{} [secret in {carrier}]",
            self.override_note(&format!("https://{host}/"))
        )
    }

    fn describe_validation(&self, v: &ValidationSpec, c: &Credential) -> String {
        match v.scheme {
            Some(Scheme::AwsSts) => format!(
                "POST {}{} [SigV4 signature; the secret itself is never sent]",
                crate::validate::aws::endpoint_url(),
                self.override_note(&crate::validate::aws::endpoint_url())
            ),
            Some(s) => format!("{} check on {}", s.as_str(), v.host().unwrap_or_default()),
            None => {
                let url_t = v.url.as_deref().unwrap_or_default();
                let carrier = carriers(
                    v.auth.as_ref(),
                    url_t,
                    &v.headers,
                    v.body.as_deref(),
                    &v.vars,
                );
                let host = crate::validate::interp::build_request(v, &c.inputs())
                    .ok()
                    .and_then(|r| r.url.host_str().map(str::to_string))
                    .or_else(|| v.host())
                    .unwrap_or_default();
                let path = split_url(url_t).map(|p| p.2).unwrap_or_default();
                format!(
                    "{} https://{host}{path}{} [secret in {carrier}]",
                    v.method.as_str(),
                    self.override_note(&format!("https://{host}/"))
                )
            }
        }
    }

    /// Dry run: the plan, recorded in the audit log; nothing is sent.
    pub fn dry_run(&self, c: &Credential) -> Revocation {
        if let Some(why) = &c.unusable {
            return Revocation::new(c, Status::NotRevoked, why.clone());
        }
        if !self.can_revoke(&c.rule_id) {
            return not_revocable(c);
        }
        let host = self
            .revocations
            .get(&c.rule_id)
            .and_then(RevocationSpec::host)
            .unwrap_or_default();
        let mut r = Revocation::new(c, Status::DryRun, "nothing was sent");
        r.plan = self.plan(c);
        r.host = host.clone();
        self.audit("revoke-dry-run", c, &host, "dry_run", &r.plan.join(" | "));
        r
    }

    async fn validate(&self, c: &Credential, spec: &ValidationSpec, when: &str) -> Check {
        let opts = Options::default();
        let mut check = check_one(spec, &c.inputs(), self.client, &opts).await;
        check.reason = scrub(&check.reason, &c.secret, &c.parts);
        self.audit(
            "validate",
            c,
            &spec.host().unwrap_or_default(),
            check.outcome.as_str(),
            &format!("{when}: {}", check.reason),
        );
        check
    }

    async fn request(&self, c: &Credential, r: &RevocationSpec) -> Attempt {
        let inputs = c.inputs();
        if r.scheme == Some(RevokeScheme::AwsIam) {
            let needs = r
                .needs
                .as_deref()
                .unwrap_or("iam:UpdateAccessKey or iam:DeleteAccessKey");
            return aws::revoke(&inputs, self.client, needs).await;
        }
        let mut found = BTreeMap::new();
        if let Some(l) = &r.lookup {
            let req = match interp::build_lookup(r, l, &inputs) {
                Ok(q) => q,
                Err(e) => return Attempt::failed(format!("lookup not sent: {e}")),
            };
            let resp = match self.client.send(&req).await {
                Ok(resp) => resp,
                Err(e) => return Attempt::failed(format!("lookup: {e}")),
            };
            if !(200..300).contains(&resp.status) {
                return Attempt::failed(format!("lookup: {}", interp::failure(r, &resp)));
            }
            found = match interp::pick(l, &resp, &c.secret) {
                Ok(f) => f,
                Err(e) => return Attempt::failed(e),
            };
        }
        let req = match interp::build_revoke(r, &inputs, &found) {
            Ok(q) => q,
            Err(e) => return Attempt::failed(format!("not sent: {e}")),
        };
        match self.client.send(&req).await {
            Ok(resp) => interp::map_revoke(r, &resp),
            Err(e) => Attempt::failed(e.to_string()),
        }
    }

    /// Validates, revokes and re-validates one credential.
    pub async fn revoke(&self, c: &Credential) -> Revocation {
        if let Some(why) = &c.unusable {
            return Revocation::new(c, Status::NotRevoked, why.clone());
        }
        let (Some(v), Some(r)) = (
            self.validators.get(&c.rule_id),
            self.revocations.get(&c.rule_id),
        ) else {
            return not_revocable(c);
        };
        let host = r.host().unwrap_or_default();
        let before = self.validate(c, v, "before revocation").await;
        let mut out = Revocation::new(c, Status::NotRevoked, "");
        out.host = host.clone();
        out.before = Some(format!("{}: {}", before.outcome, before.reason));
        if before.outcome == Outcome::Dead {
            out.status = Status::AlreadyDead;
            out.reason = format!(
                "the provider already says dead ({}); nothing revoked",
                before.reason
            );
            self.audit("revoke-result", c, &host, out.status.as_str(), &out.reason);
            return out;
        }
        let attempt = self.request(c, r).await;
        let reason = scrub(&attempt.reason, &c.secret, &c.parts);
        self.audit(
            "revoke",
            c,
            &host,
            if attempt.accepted {
                "requested"
            } else {
                "failed"
            },
            &reason,
        );
        if !attempt.accepted {
            out.reason = reason;
            self.audit("revoke-result", c, &host, out.status.as_str(), &out.reason);
            return out;
        }
        let start = Instant::now();
        let mut pause = Duration::from_millis(500);
        let mut n = 1;
        let after = loop {
            let a = self
                .validate(c, v, &format!("after revocation (check {n})"))
                .await;
            if a.outcome == Outcome::Dead || start.elapsed() + pause > self.settings.wait {
                break a;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(8));
            n += 1;
        };
        out.after = Some(format!("{}: {}", after.outcome, after.reason));
        (out.status, out.reason) = match after.outcome {
            Outcome::Dead => (
                Status::Revoked,
                format!("{reason}; the provider now says dead"),
            ),
            Outcome::Live | Outcome::LiveRestricted => (
                Status::RequestedStillLive,
                format!(
                    "{reason}, but the secret still works after {n} check{} ({})",
                    if n == 1 { "" } else { "s" },
                    after.reason
                ),
            ),
            Outcome::Unknown => (
                Status::RequestedUnknown,
                format!(
                    "{reason}, but the re-check gave no verdict ({})",
                    after.reason
                ),
            ),
        };
        self.audit("revoke-result", c, &host, out.status.as_str(), &out.reason);
        out
    }
}

fn not_revocable(c: &Credential) -> Revocation {
    Revocation::new(
        c,
        Status::NotRevocable,
        format!(
            "{} has no revocation the leaked secret can perform; rotate it by hand (see `leakhound remediate`)",
            c.rule_id
        ),
    )
}

fn digest_name(d: spec::Digest) -> &'static str {
    match d {
        spec::Digest::Secret => "the value",
        spec::Digest::Sha256 => "SHA-256",
        spec::Digest::Sha512 => "SHA-512",
    }
}

/// Where a request template puts the secret: auth header, URL path, query, headers, body.
fn carriers(
    auth: Option<&Auth>,
    url: &str,
    headers: &BTreeMap<String, String>,
    body: Option<&str>,
    vars: &BTreeMap<String, VarSpec>,
) -> String {
    let carries = |t: &str| {
        t.contains("{secret}")
            || t.contains("{part.")
            || vars
                .iter()
                .any(|(n, v)| v.from == "secret" && t.contains(&format!("{{var.{n}}}")))
    };
    let mut out: Vec<String> = Vec::new();
    match auth {
        None | Some(Auth::Simple(SimpleAuth::None | SimpleAuth::Path)) => {}
        Some(a) => out.push(a.describe()),
    }
    let rest = split_url(url).map(|p| p.2).unwrap_or_default();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if carries(path) {
        out.push("URL path".into());
    }
    if carries(query) {
        out.push("query string".into());
    }
    for (k, v) in headers {
        if carries(v) {
            out.push(format!("header {k}"));
        }
    }
    if body.is_some_and(carries) {
        out.push("request body".into());
    }
    if out.is_empty() {
        "no request part (nothing secret is sent)".into()
    } else {
        out.join(", ")
    }
}
