//! Pulling from registries with the OCI distribution API over reqwest: manifests and indexes
//! with the right `Accept` header, config and layer blobs streamed and digest-checked, and
//! authentication by challenge — anonymous or credentialed Bearer tokens from the
//! `WWW-Authenticate: Bearer realm=…` service (Docker Hub, GHCR), or Basic auth.
//!
//! HTTPS always, except for loopback registries and hosts named with `--insecure-registry`
//! (tried over HTTPS first, then plain HTTP, as Docker does). Credentials are never sent to a
//! plain-HTTP token realm on another host.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::blocking::{Client as Http, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};

use super::auth::{self, Challenge, Credential};
use super::layer::Limits;
use super::oci::{self, Descriptor, Document};
use super::plan::{self, BlobSource, Selection};
use super::reference::{RegistryRef, host_without_port};
use super::{ImageOptions, PlannedLayer, RegistryOptions};
use crate::scan::Scanner;

/// Largest manifest or index accepted.
const MAX_MANIFEST: u64 = 8 << 20;
/// Largest config blob accepted.
const MAX_CONFIG: u64 = 32 << 20;
/// Timeout of metadata requests (blob streams have none: they may be large).
const META_TIMEOUT: Duration = Duration::from_secs(120);

/// A client for one repository of one registry.
pub struct Client {
    http: Http,
    base: String,
    repo: String,
    display: String,
    cred: Option<Credential>,
    insecure: Vec<String>,
    auth: Mutex<Option<String>>,
}

fn http_allowed(host: &str, insecure: &[String]) -> bool {
    let h = host_without_port(host);
    h == "localhost"
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || insecure.iter().any(|i| i == host || i == h)
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Reads at most `max` bytes of a response body.
fn read_limited(resp: Response, max: u64, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    resp.take(max + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("{what}: read error"))?;
    if buf.len() as u64 > max {
        bail!("{what}: larger than {max} bytes");
    }
    Ok(buf)
}

/// The registry's error, from an OCI error body (`{"errors":[{"code","message"}]}`).
fn error_text(resp: Response) -> String {
    let status = resp.status();
    let body = read_limited(resp, 64 << 10, "error").unwrap_or_default();
    let detail = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            let errs = v.get("errors")?.as_array()?.clone();
            Some(
                errs.iter()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            e.get("code").and_then(|c| c.as_str()).unwrap_or("?"),
                            e.get("message").and_then(|c| c.as_str()).unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
        .unwrap_or_default();
    if detail.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status} ({detail})")
    }
}

impl Client {
    /// A client for `r`'s repository, with credentials looked up for its registry.
    pub fn new(r: &RegistryRef, opts: &RegistryOptions) -> Result<Client> {
        let http = Http::builder()
            .timeout(None)
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("leakhound/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client")?;
        let api_host = r.api_host().to_string();
        let cred =
            auth::lookup(&r.host, opts).with_context(|| format!("credentials for {}", r.host))?;
        let base = if http_allowed(&api_host, &opts.insecure) {
            let probe = http
                .get(format!("https://{api_host}/v2/"))
                .timeout(Duration::from_secs(10))
                .send();
            if probe.is_ok() {
                format!("https://{api_host}")
            } else {
                format!("http://{api_host}")
            }
        } else {
            format!("https://{api_host}")
        };
        Ok(Client {
            http,
            base,
            repo: r.repository.clone(),
            display: format!("{}/{}", r.host, r.repository),
            cred,
            insecure: opts.insecure.clone(),
            auth: Mutex::new(None),
        })
    }

    fn auth_header(&self) -> Option<String> {
        self.auth.lock().ok().and_then(|g| g.clone())
    }

    fn set_auth(&self, v: String) {
        if let Ok(mut g) = self.auth.lock() {
            *g = Some(v);
        }
    }

    /// GET `path` (under the API base), answering one authentication challenge.
    fn get(&self, path: &str, accept: Option<&str>, timeout: Option<Duration>) -> Result<Response> {
        let url = format!("{}{path}", self.base);
        let mut answered = false;
        loop {
            let mut req = self.http.get(&url);
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            if let Some(t) = timeout {
                req = req.timeout(t);
            }
            if let Some(h) = self.auth_header() {
                req = req.header(AUTHORIZATION, h);
            }
            let resp = req.send().with_context(|| format!("GET {url}"))?;
            if resp.status() == reqwest::StatusCode::UNAUTHORIZED && !answered {
                answered = true;
                let challenges: Vec<Challenge> = resp
                    .headers()
                    .get_all(WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(auth::parse_challenges)
                    .collect();
                self.authenticate(&challenges)?;
                continue;
            }
            if resp.status() == reqwest::StatusCode::UNAUTHORIZED {
                bail!(
                    "{}: {}: access denied; check the credentials (--registry-user, docker login)",
                    self.display,
                    error_text(resp)
                );
            }
            return Ok(resp);
        }
    }

    /// Answers a challenge: fetches a Bearer token or switches to Basic auth.
    fn authenticate(&self, challenges: &[Challenge]) -> Result<()> {
        if let Some(c) = challenges.iter().find(|c| c.scheme == "bearer") {
            let realm = c
                .params
                .get("realm")
                .ok_or_else(|| anyhow!("{}: Bearer challenge without a realm", self.display))?;
            let mut url = reqwest::Url::parse(realm)
                .with_context(|| format!("{}: token realm {realm:?}", self.display))?;
            match url.scheme() {
                "https" => {}
                "http" => {
                    let host = match (url.host_str(), url.port()) {
                        (Some(h), Some(p)) => format!("{h}:{p}"),
                        (Some(h), None) => h.to_string(),
                        _ => String::new(),
                    };
                    if !http_allowed(&host, &self.insecure) {
                        bail!(
                            "{}: token realm {realm} is plain HTTP; refusing to use it (allow it with --insecure-registry)",
                            self.display
                        );
                    }
                }
                s => bail!(
                    "{}: token realm scheme {s:?} is not supported",
                    self.display
                ),
            }
            let scope = c
                .params
                .get("scope")
                .cloned()
                .unwrap_or_else(|| format!("repository:{}:pull", self.repo));
            let service = c.params.get("service").cloned();
            let resp = match &self.cred {
                Some(Credential::IdentityToken(t)) => {
                    let mut form = format!(
                        "grant_type=refresh_token&client_id=leakhound&scope={}&refresh_token={}",
                        encode(&scope),
                        encode(t)
                    );
                    if let Some(s) = &service {
                        form.push_str(&format!("&service={}", encode(s)));
                    }
                    self.http
                        .post(url.clone())
                        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(form)
                        .timeout(META_TIMEOUT)
                        .send()
                }
                cred => {
                    {
                        let mut q = url.query_pairs_mut();
                        if let Some(s) = &service {
                            q.append_pair("service", s);
                        }
                        q.append_pair("scope", &scope);
                    }
                    let mut req = self.http.get(url.clone()).timeout(META_TIMEOUT);
                    if let Some(h) = cred.as_ref().and_then(Credential::basic_header) {
                        req = req.header(AUTHORIZATION, h);
                    }
                    req.send()
                }
            }
            .with_context(|| format!("{}: token request to {realm}", self.display))?;
            if !resp.status().is_success() {
                bail!(
                    "{}: token request to {realm} refused: {}; check the credentials",
                    self.display,
                    error_text(resp)
                );
            }
            let body = read_limited(resp, 1 << 20, "token response")?;
            let v: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|_| anyhow!("{}: token response is not JSON", self.display))?;
            let token = v
                .get("token")
                .or_else(|| v.get("access_token"))
                .and_then(|t| t.as_str())
                .filter(|t| !t.is_empty())
                .ok_or_else(|| anyhow!("{}: token response holds no token", self.display))?;
            self.set_auth(format!("Bearer {token}"));
            return Ok(());
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            let h = self
                .cred
                .as_ref()
                .and_then(Credential::basic_header)
                .ok_or_else(|| {
                    anyhow!(
                        "{} requires a user name and password (--registry-user with --registry-password-stdin, or docker login)",
                        self.display
                    )
                })?;
            self.set_auth(h);
            return Ok(());
        }
        bail!(
            "{}: unauthorized, and no supported authentication scheme was offered",
            self.display
        )
    }

    /// A manifest or index by tag or digest: bytes, content type and digest (verified).
    pub fn manifest(&self, reference: &str) -> Result<(Vec<u8>, Option<String>, String)> {
        let what = format!("{}: manifest {reference}", self.display);
        let resp = self.get(
            &format!("/v2/{}/manifests/{reference}", self.repo),
            Some(oci::MANIFEST_ACCEPT),
            Some(META_TIMEOUT),
        )?;
        if !resp.status().is_success() {
            bail!("{what}: {}", error_text(resp));
        }
        let ct = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = read_limited(resp, MAX_MANIFEST, &what)?;
        let digest = oci::sha256_digest(&bytes);
        if super::reference::is_digest(reference) {
            oci::verify(&bytes, reference, &what)?;
        } else if let Some(h) = header_digest.filter(|h| h.starts_with("sha256:"))
            && h != digest
        {
            bail!("{what}: digest mismatch (the registry says {h}, the body hashes to {digest})");
        }
        Ok((bytes, ct, digest))
    }

    /// Opens a blob stream.
    pub fn blob_stream(&self, digest: &str) -> Result<Response> {
        if oci::digest_hex(digest).is_none() {
            bail!("invalid digest {digest:?}");
        }
        let resp = self.get(&format!("/v2/{}/blobs/{digest}", self.repo), None, None)?;
        if !resp.status().is_success() {
            bail!("{}: blob {digest}: {}", self.display, error_text(resp));
        }
        Ok(resp)
    }
}

impl BlobSource for Client {
    fn document(&self, d: &Descriptor) -> Result<(Vec<u8>, Option<String>)> {
        let (bytes, ct, _) = self.manifest(&d.digest)?;
        Ok((bytes, ct))
    }

    fn blob(&self, d: &Descriptor) -> Result<Vec<u8>> {
        let what = format!("{}: blob {}", self.display, d.digest);
        let bytes = read_limited(self.blob_stream(&d.digest)?, MAX_CONFIG, &what)?;
        oci::verify(&bytes, &d.digest, &what)?;
        Ok(bytes)
    }

    fn layer_key(&self, d: &Descriptor) -> String {
        d.digest.clone()
    }
}

/// Scans an image in a registry.
pub fn scan(
    r: &RegistryRef,
    display: &str,
    opts: &ImageOptions,
    limits: &Limits,
    scanner: &Scanner,
) -> Result<()> {
    let client = Client::new(r, &opts.registry)?;
    let (bytes, ct, digest) = client.manifest(r.manifest_reference())?;
    let what = format!("{display}: manifest");
    let images = match oci::parse_document(&bytes, ct.as_deref(), &what)? {
        Document::Index(ix) => {
            let sel = Selection {
                image: display,
                tag: None,
                platform: opts.platform.as_deref(),
            };
            plan::from_index(&ix, &client, &sel, scanner)?
        }
        Document::Manifest(m) => vec![plan::from_manifest(
            &m,
            Some(digest),
            None,
            display,
            &client,
        )?],
    };
    let open = |l: &PlannedLayer| -> Result<Box<dyn Read + Send>> {
        Ok(Box::new(client.blob_stream(&l.key)?))
    };
    super::scan_planned(&images, &open, limits, scanner);
    Ok(())
}
