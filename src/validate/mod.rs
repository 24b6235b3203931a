//! Live validation and the access map: which found secrets still work, and what they reach.
//!
//! Runs once, after a scan, in `cli::finish_report`: findings are grouped by credential (one
//! check per unique secret per run, keyed by an HMAC, optionally remembered on disk), each group
//! is checked by its rule's `validation:` block (`interp`) or a code scheme (`aws`, `gcp`,
//! `azure`, `database`) through the guarded client (`http`, `safety`), and the outcome lands in
//! every finding of the group. Outcomes: `live`, `live_restricted`, `dead`, `unknown` — network
//! trouble, rate limits and odd answers are always `unknown`, never `dead`.

pub mod aws;
pub mod azure;
pub mod cache;
pub mod command;
pub mod database;
pub mod gcp;
pub mod http;
pub mod interp;
pub mod listing;
pub mod reread;
pub mod safety;
pub mod spec;
pub mod stage;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{Context, Result};
use futures_util::StreamExt;

use crate::finding::{Finding, Validation, redact};
use crate::rules::Rule;
use http::{HttpOptions, SafeClient};
use safety::Overrides;
use spec::{Outcome, Scheme, ValidationSpec};

/// The credential handed to a check. `Debug` shows only redacted values.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The secret.
    pub secret: &'a str,
    /// Named parts found with it (`key_id`, `account`, …).
    pub parts: &'a BTreeMap<String, String>,
}

impl std::fmt::Debug for Inputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: BTreeMap<&str, String> = self
            .parts
            .iter()
            .map(|(k, v)| (k.as_str(), redact(v)))
            .collect();
        write!(f, "Inputs({}, {parts:?})", redact(self.secret))
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Outcome.
    pub outcome: Outcome,
    /// Why.
    pub reason: String,
    /// Identity and reach (access map only).
    pub identity: BTreeMap<String, String>,
    /// The verdict for the paired parts when it differs from this one (an AWS key id exists
    /// even when the secret found next to it does not match it).
    pub part: Option<(Outcome, String)>,
}

impl Check {
    /// An `unknown` outcome with a reason.
    pub fn unknown(reason: impl Into<String>) -> Check {
        Check {
            outcome: Outcome::Unknown,
            reason: reason.into(),
            identity: BTreeMap::new(),
            part: None,
        }
    }

    /// An outcome with a reason and no identity.
    pub fn new(outcome: Outcome, reason: impl Into<String>) -> Check {
        Check {
            outcome,
            reason: reason.into(),
            identity: BTreeMap::new(),
            part: None,
        }
    }
}

/// How to validate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Collect identity and reach for live secrets.
    pub access_map: bool,
    /// List what would be sent where; send nothing.
    pub dry_run: bool,
    /// Also try database connection strings (connect + authenticate only).
    pub databases: bool,
    /// Endpoint overrides.
    pub overrides: Overrides,
    /// Client limits.
    pub http: HttpOptions,
    /// Persisted cache file.
    pub cache: Option<PathBuf>,
    /// Checks in flight at once (across hosts).
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            access_map: false,
            dry_run: false,
            databases: false,
            overrides: Overrides::default(),
            http: HttpOptions::default(),
            cache: None,
            concurrency: 16,
        }
    }
}

/// What a validation run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Unique credentials considered.
    pub credentials: usize,
    /// Of those, answered from the persisted cache.
    pub cached: usize,
    /// HTTP requests sent (including retries and access-map follow-ups).
    pub requests: u64,
    /// Findings per outcome.
    pub by_outcome: BTreeMap<String, u64>,
    /// Dry-run plan lines (host and path per credential; never the secret).
    pub plan: Vec<String>,
}

/// The validation spec of every rule that has one.
pub fn specs_by_rule(rules: &[&Rule]) -> HashMap<String, ValidationSpec> {
    rules
        .iter()
        .filter_map(|r| r.validation.clone().map(|v| (r.id.clone(), v)))
        .collect()
}

struct Job {
    key: String,
    rule_id: String,
    secret: String,
    parts: BTreeMap<String, String>,
    findings: Vec<usize>,
}

fn finding_parts(f: &Finding) -> BTreeMap<String, String> {
    f.parts
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_string()))
        .collect()
}

/// Validates `findings` in place and returns what happened. Findings whose rule has no
/// validator get `unknown` ("no validator for this rule").
pub fn validate_findings(
    findings: &mut [Finding],
    specs: &HashMap<String, ValidationSpec>,
    opts: &Options,
    warn: &dyn Fn(&str),
) -> Result<RunSummary> {
    let client = SafeClient::new(opts.overrides.clone(), opts.http.clone())?;
    validate_with_client(findings, specs, opts, &client, warn)
}

/// Like [`validate_findings`] with a client built once by the caller (its overrides and limits
/// apply; those in `opts` are ignored).
pub fn validate_with_client(
    findings: &mut [Finding],
    specs: &HashMap<String, ValidationSpec>,
    opts: &Options,
    client: &SafeClient,
    warn: &dyn Fn(&str),
) -> Result<RunSummary> {
    let sent_before = client.requests_sent();
    // A broken cache file is a warning, never the end of the run.
    let mut disk = match &opts.cache {
        Some(p) if !opts.dry_run => match cache::DiskCache::open(p) {
            Ok(d) => Some(d),
            Err(e) => {
                warn(&format!("{e:#}; validating without the cache"));
                None
            }
        },
        _ => None,
    };
    let keyer = disk
        .as_ref()
        .map(|d| d.keyer().clone())
        .unwrap_or_else(cache::Keyer::random);
    let mut jobs: Vec<Job> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    // Rules that share a validator (same request) share one check of the same secret.
    let check_ids: HashMap<&str, String> = specs
        .iter()
        .map(|(id, s)| {
            (
                id.as_str(),
                serde_json::to_string(s).unwrap_or_else(|_| id.clone()),
            )
        })
        .collect();
    for (i, f) in findings.iter().enumerate() {
        let parts = finding_parts(f);
        let check_id = check_ids
            .get(f.rule_id.as_str())
            .map(String::as_str)
            .unwrap_or(&f.rule_id);
        let key = keyer.key(check_id, f.secret.expose(), &parts);
        match by_key.get(&key) {
            Some(&j) => jobs[j].findings.push(i),
            None => {
                by_key.insert(key.clone(), jobs.len());
                jobs.push(Job {
                    key,
                    rule_id: f.rule_id.clone(),
                    secret: f.secret.expose().to_string(),
                    parts,
                    findings: vec![i],
                });
            }
        }
    }
    let mut summary = RunSummary {
        credentials: jobs.len(),
        ..RunSummary::default()
    };
    let mut results: Vec<Option<Check>> = vec![None; jobs.len()];
    let mut pending: Vec<usize> = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        let Some(spec) = specs.get(&job.rule_id) else {
            results[j] = Some(Check::unknown("no validator for this rule"));
            continue;
        };
        if let Some(why) = &spec.skip {
            results[j] = Some(Check::unknown(format!("not validated: {why}")));
            continue;
        }
        if spec.scheme == Some(Scheme::Postgres) && !opts.databases {
            results[j] = Some(Check::unknown(
                "database credentials are checked only with --validate-databases",
            ));
            continue;
        }
        if opts.dry_run {
            let line = plan_line(spec, job, client);
            let first = &findings[job.findings[0]];
            summary.plan.push(format!(
                "{} {} at {}:{} ({} finding{}) → {}",
                job.rule_id,
                redact(&job.secret),
                first.location.path,
                first.location.line,
                job.findings.len(),
                if job.findings.len() == 1 { "" } else { "s" },
                line
            ));
            results[j] = Some(Check::unknown(format!("dry run: not sent; {line}")));
            continue;
        }
        if let Some(d) = &disk
            && let Some(e) = d.get(&job.key, opts.access_map)
        {
            summary.cached += 1;
            let mut c = Check::new(e.outcome, format!("{} (cached)", e.reason));
            c.part = e.part.clone();
            if opts.access_map {
                c.identity = e.identity.clone();
            }
            results[j] = Some(c);
            continue;
        }
        pending.push(j);
    }
    if !pending.is_empty() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("validation: cannot start the async runtime")?;
        let done: Vec<(usize, Check)> = rt.block_on(async {
            futures_util::stream::iter(pending.iter().copied())
                .map(|j| {
                    let job = &jobs[j];
                    async move {
                        let spec = &specs[&job.rule_id];
                        let inputs = Inputs {
                            secret: &job.secret,
                            parts: &job.parts,
                        };
                        (j, check_one(spec, &inputs, client, opts).await)
                    }
                })
                .buffer_unordered(opts.concurrency.max(1))
                .collect()
                .await
        });
        for (j, c) in done {
            results[j] = Some(c);
        }
    }
    summary.requests = client.requests_sent() - sent_before;
    let mut part_verdicts: HashMap<String, (Outcome, String)> = HashMap::new();
    for (j, job) in jobs.iter().enumerate() {
        let mut check = results[j]
            .take()
            .unwrap_or_else(|| Check::unknown("not checked"));
        // Provider text is echoed in reasons; make sure no secret rides along.
        check.reason = scrub(&check.reason, &job.secret, &job.parts);
        let for_parts = match &check.part {
            Some((o, r)) => Some((*o, scrub(r, &job.secret, &job.parts))),
            None if check.outcome != Outcome::Unknown => {
                Some((check.outcome, check.reason.clone()))
            }
            None => None,
        };
        if let Some((o, r)) = for_parts
            && specs.contains_key(&job.rule_id)
        {
            for part in job.parts.values() {
                let better = part_verdicts
                    .get(part)
                    .is_none_or(|(old, _)| rank(o) > rank(*old));
                if better {
                    part_verdicts.insert(part.clone(), (o, r.clone()));
                }
            }
        }
        if let Some(d) = &mut disk
            && !check.reason.ends_with("(cached)")
        {
            d.put(
                job.key.clone(),
                cache::Entry {
                    outcome: check.outcome,
                    reason: check.reason.clone(),
                    identity: check.identity.clone(),
                    access_map: opts.access_map,
                    part: check.part.clone(),
                    checked_at: 0,
                },
            );
        }
        for &i in &job.findings {
            findings[i].validation = Some(Validation {
                status: check.outcome.as_str().to_string(),
                reason: check.reason.clone(),
                identity: if opts.access_map {
                    check.identity.clone()
                } else {
                    BTreeMap::new()
                },
            });
        }
    }
    propagate_pairs(findings, specs, &part_verdicts);
    for f in findings.iter() {
        if let Some(v) = &f.validation {
            *summary.by_outcome.entry(v.status.clone()).or_insert(0) += 1;
        }
    }
    if let Some(d) = &mut disk
        && let Err(e) = d.save()
    {
        warn(&format!("{e:#}"));
    }
    Ok(summary)
}

/// A paired part (an AWS key id attached to its secret) shares the verdict of its pair: a
/// finding of a rule without a validator whose secret is a checked credential's part takes
/// that credential's verdict for the part.
fn propagate_pairs(
    findings: &mut [Finding],
    specs: &HashMap<String, ValidationSpec>,
    verdicts: &HashMap<String, (Outcome, String)>,
) {
    for f in findings.iter_mut() {
        if specs.contains_key(&f.rule_id) {
            continue;
        }
        if let Some((o, r)) = verdicts.get(f.secret.expose()) {
            f.validation = Some(Validation {
                status: o.as_str().to_string(),
                reason: format!("{r} (checked with its paired secret)"),
                identity: BTreeMap::new(),
            });
        }
    }
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Live => 3,
        Outcome::LiveRestricted => 2,
        Outcome::Dead => 1,
        Outcome::Unknown => 0,
    }
}

/// Replaces any copy of the secret or its parts in provider-supplied text.
pub(crate) fn scrub(text: &str, secret: &str, parts: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for s in std::iter::once(secret).chain(parts.values().map(String::as_str)) {
        if s.len() >= 6 && out.contains(s) {
            out = out.replace(s, &redact(s));
        }
    }
    out
}

fn plan_line(spec: &ValidationSpec, job: &Job, client: &SafeClient) -> String {
    let inputs = Inputs {
        secret: &job.secret,
        parts: &job.parts,
    };
    let (method, url, carrier) = match spec.scheme {
        Some(Scheme::AwsSts) => (
            "POST",
            aws::endpoint_url(),
            "SigV4 signature; the secret itself is never sent".to_string(),
        ),
        Some(Scheme::GcpServiceAccount) => (
            "POST",
            gcp::TOKEN_URL.to_string(),
            "RS256-signed assertion; the private key is never sent".to_string(),
        ),
        Some(Scheme::AzureStorage) => match azure::url_for(&inputs) {
            Ok(u) => (
                "GET",
                u,
                "SharedKey signature; the key itself is never sent".to_string(),
            ),
            Err(e) => return format!("nothing would be sent: {e}"),
        },
        Some(Scheme::Postgres) => {
            return match database::describe(&inputs) {
                Ok(d) => d,
                Err(e) => format!("nothing would be sent: {e}"),
            };
        }
        None => match interp::build_request(spec, &inputs) {
            Ok(r) => {
                let carrier = spec.auth.as_ref().map(|a| a.describe()).unwrap_or_default();
                let shown = format!(
                    "https://{}{}",
                    r.url.host_str().unwrap_or_default(),
                    spec.url
                        .as_deref()
                        .and_then(spec::split_url)
                        .map(|p| p.2)
                        .unwrap_or_default()
                );
                (r.method.as_str(), shown, carrier)
            }
            Err(e) => return format!("nothing would be sent: {e}"),
        },
    };
    let parsed = reqwest::Url::parse(&url);
    let redirect = match parsed.as_ref().map(|u| client.target(u)) {
        Ok(Ok((t, true))) => format!(
            " (overridden to {}://{})",
            t.scheme(),
            t.host_str().unwrap_or_default()
        ),
        Ok(Err(e)) => format!(" (would be {e})"),
        _ => String::new(),
    };
    format!("{method} {url}{redirect} [secret in {carrier}]")
}

/// Runs the check for one credential.
pub async fn check_one(
    spec: &ValidationSpec,
    inputs: &Inputs<'_>,
    client: &SafeClient,
    opts: &Options,
) -> Check {
    match spec.scheme {
        Some(Scheme::AwsSts) => aws::check(inputs, client, opts.access_map).await,
        Some(Scheme::GcpServiceAccount) => gcp::check(inputs, client, opts.access_map).await,
        Some(Scheme::AzureStorage) => azure::check(inputs, client, opts.access_map).await,
        Some(Scheme::Postgres) => database::check(inputs, opts).await,
        None => interp::run(spec, inputs, client, opts.access_map).await,
    }
}
