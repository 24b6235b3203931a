//! The validation HTTP client and its safety rules: endpoint overrides, target checks before
//! any connection, a DNS resolver that refuses private/loopback/link-local/metadata answers
//! (and pins the connection to the addresses it vetted), no redirects, no proxies, verified
//! TLS, per-host concurrency and spacing, `Retry-After`, bounded retries and a global deadline.

use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::safety::{Overrides, addr_allowed, check_target};
use super::spec::Method;

/// Largest response body read; the rest is ignored.
pub const MAX_BODY: usize = 1 << 20;

/// Tunables of the client.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Attempts per request (retries only on connect errors, 429 and 5xx).
    pub max_attempts: u32,
    /// Requests in flight per provider host.
    pub per_host_concurrency: usize,
    /// Minimum spacing between requests to one provider host.
    pub min_interval: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the check as `unknown`.
    pub max_retry_after: Duration,
    /// First retry backoff (doubles each time, with jitter).
    pub backoff: Duration,
    /// When every check must be over.
    pub deadline: Instant,
    /// Honest `User-Agent`.
    pub user_agent: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_attempts: 3,
            per_host_concurrency: 2,
            min_interval: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(30),
            backoff: Duration::from_millis(250),
            deadline: Instant::now() + Duration::from_secs(300),
            user_agent: default_user_agent(),
        }
    }
}

/// `leakhound/<version> (+https://github.com/leakhound/leakhound; secret validation)`.
pub fn default_user_agent() -> String {
    format!(
        "leakhound/{} (+https://github.com/leakhound/leakhound; secret validation)",
        env!("CARGO_PKG_VERSION")
    )
}

/// A request to send. `url` is on the provider's host (before overrides). `Debug` shows the
/// method, host and header names only: the URL, header values and body can carry the secret.
#[derive(Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Target on the provider host.
    pub url: Url,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Option<Vec<u8>>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        write!(
            f,
            "HttpRequest({} https://{}/…, headers {names:?}, body {} bytes)",
            self.method.as_str(),
            self.url.host_str().unwrap_or_default(),
            self.body.as_ref().map_or(0, Vec::len)
        )
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body (at most [`MAX_BODY`] bytes).
    pub body: Vec<u8>,
    /// Attempts made.
    pub attempts: u32,
}

impl HttpResponse {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no response was obtained. Messages never hold the URL (it can carry a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The target broke a safety rule; nothing was sent.
    #[error("refused: {0}")]
    Refused(String),
    /// The request timed out.
    #[error("timed out")]
    Timeout,
    /// Connection or protocol failure.
    #[error("network error: {0}")]
    Network(String),
    /// The global validation deadline passed.
    #[error("validation deadline reached")]
    Deadline,
}

struct HostState {
    permits: tokio::sync::Semaphore,
    next_at: tokio::sync::Mutex<Instant>,
}

/// The resolver every validation connection goes through.
#[derive(Debug)]
struct GuardedResolver {
    override_targets: HashSet<String>,
    lookups: Arc<AtomicU64>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let overridden = self.override_targets.contains(&host);
        let lookups = self.lookups.clone();
        Box::pin(async move {
            lookups.fetch_add(1, Ordering::Relaxed);
            let h = host.clone();
            let addrs: Vec<SocketAddr> =
                tokio::task::spawn_blocking(move || (h.as_str(), 0).to_socket_addrs())
                    .await
                    .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)??
                    .collect();
            let ok = vet_addresses(&host, addrs, overridden)?;
            Ok(Box::new(ok.into_iter()) as Addrs)
        })
    }
}

/// Checks a DNS answer: every address must be allowed, or the whole name is refused (a mixed
/// answer is how DNS rebinding sneaks a private address in). The vetted addresses are the only
/// ones the connection may use.
pub fn vet_addresses(
    host: &str,
    addrs: Vec<SocketAddr>,
    overridden: bool,
) -> Result<Vec<SocketAddr>, String> {
    if addrs.is_empty() {
        return Err(format!("{host}: no addresses"));
    }
    if let Some(bad) = addrs.iter().find(|a| !addr_allowed(a.ip(), overridden)) {
        return Err(format!(
            "refused: {host} resolves to {} (private, loopback, link-local or metadata)",
            bad.ip()
        ));
    }
    Ok(addrs)
}

/// The client. One per validation run; share it by reference.
pub struct SafeClient {
    client: reqwest::Client,
    overrides: Overrides,
    opts: HttpOptions,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
    sent: AtomicU64,
    lookups: Arc<AtomicU64>,
}

impl SafeClient {
    /// Builds the client.
    pub fn new(overrides: Overrides, opts: HttpOptions) -> anyhow::Result<SafeClient> {
        let lookups = Arc::new(AtomicU64::new(0));
        let mut targets = HashSet::new();
        for h in overrides.target_hosts() {
            targets.insert(h);
        }
        let resolver = GuardedResolver {
            override_targets: targets,
            lookups: lookups.clone(),
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(opts.connect_timeout)
            .user_agent(opts.user_agent.clone())
            .pool_max_idle_per_host(opts.per_host_concurrency.max(1))
            .dns_resolver(Arc::new(resolver))
            .build()
            .map_err(|e| anyhow::anyhow!("validation HTTP client: {e}"))?;
        Ok(SafeClient {
            client,
            overrides,
            opts,
            hosts: Mutex::new(HashMap::new()),
            sent: AtomicU64::new(0),
            lookups,
        })
    }

    /// The options.
    pub fn options(&self) -> &HttpOptions {
        &self.opts
    }

    /// The endpoint overrides.
    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// Requests handed to the network so far (attempts, including retries).
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// DNS lookups made so far.
    pub fn dns_lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Where `url` would really go: the override target or itself, after the safety checks.
    pub fn target(&self, url: &Url) -> Result<(Url, bool), HttpError> {
        if url.scheme() != "https" {
            return Err(HttpError::Refused(format!(
                "scheme {} is not https",
                url.scheme()
            )));
        }
        check_target(url, false).map_err(HttpError::Refused)?;
        let (target, overridden) = self.overrides.apply(url);
        if overridden {
            check_target(&target, true).map_err(HttpError::Refused)?;
        }
        Ok((target, overridden))
    }

    fn host_state(&self, host: &str) -> Arc<HostState> {
        let mut m = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostState {
                    permits: tokio::sync::Semaphore::new(self.opts.per_host_concurrency.max(1)),
                    next_at: tokio::sync::Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    fn remaining(&self) -> Option<Duration> {
        self.opts
            .deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Sends `req` with the per-host limits, retrying connect errors, 429 and 5xx. After the
    /// last attempt a 429/5xx response is returned as is (the caller maps it to `unknown`).
    pub async fn send(&self, req: &HttpRequest) -> Result<HttpResponse, HttpError> {
        let (target, _) = self.target(&req.url)?;
        let provider_host = req.url.host_str().unwrap_or_default().to_string();
        let state = self.host_state(&provider_host);
        let max = self.opts.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = {
                let _permit = tokio::select! {
                    p = state.permits.acquire() => p.map_err(|_| HttpError::Deadline)?,
                    _ = sleep_until_deadline(self.opts.deadline) => return Err(HttpError::Deadline),
                };
                self.wait_turn(&state).await?;
                self.once(req, &target).await
            };
            let retry_after = match &result {
                Ok(r) if r.status == 429 || r.status >= 500 => {
                    let ra = r.header("retry-after").and_then(parse_retry_after);
                    if let Some(ra) = ra {
                        let mut next = state.next_at.lock().await;
                        *next = (*next).max(Instant::now() + ra.min(self.opts.max_retry_after));
                        if ra > self.opts.max_retry_after {
                            // Honouring it would take too long: stop here, verdict unknown.
                            return result.map(|mut r| {
                                r.attempts = attempt;
                                r
                            });
                        }
                    }
                    Some(ra)
                }
                Err(HttpError::Network(_)) => Some(None),
                _ => None,
            };
            match retry_after {
                Some(ra) if attempt < max => {
                    let wait = ra.unwrap_or_else(|| backoff(self.opts.backoff, attempt));
                    let Some(left) = self.remaining() else {
                        return finish(result, attempt);
                    };
                    if wait >= left {
                        return finish(result, attempt);
                    }
                    tokio::time::sleep(wait).await;
                }
                _ => return finish(result, attempt),
            }
        }
    }

    async fn wait_turn(&self, state: &HostState) -> Result<(), HttpError> {
        let mut next = state.next_at.lock().await;
        let now = Instant::now();
        if *next > now {
            if *next >= self.opts.deadline {
                return Err(HttpError::Deadline);
            }
            tokio::time::sleep(*next - now).await;
        }
        *next = Instant::now() + self.opts.min_interval;
        Ok(())
    }

    async fn once(&self, req: &HttpRequest, target: &Url) -> Result<HttpResponse, HttpError> {
        let Some(left) = self.remaining() else {
            return Err(HttpError::Deadline);
        };
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Head => reqwest::Method::HEAD,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut b = self
            .client
            .request(method, target.clone())
            .timeout(self.opts.request_timeout.min(left));
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &req.body {
            b = b.body(body.clone());
        }
        let built = b
            .build()
            .map_err(|e| HttpError::Refused(format!("bad request: {}", e.without_url())))?;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let resp = self.client.execute(built).await.map_err(map_err)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut resp = resp;
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    let room = MAX_BODY.saturating_sub(body.len());
                    body.extend_from_slice(&c[..c.len().min(room)]);
                    if body.len() >= MAX_BODY {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(map_err(e)),
            }
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
            attempts: 1,
        })
    }
}

fn finish(
    result: Result<HttpResponse, HttpError>,
    attempts: u32,
) -> Result<HttpResponse, HttpError> {
    result.map(|mut r| {
        r.attempts = attempts;
        r
    })
}

async fn sleep_until_deadline(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        tokio::time::sleep(deadline - now).await;
    }
}

fn map_err(e: reqwest::Error) -> HttpError {
    let e = e.without_url();
    if e.is_timeout() {
        return HttpError::Timeout;
    }
    // The source chain names the cause (refused address, TLS failure, reset) without the URL.
    let mut msg = String::new();
    let mut src: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = src {
        let t = s.to_string();
        if !msg.contains(&t) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&t);
        }
        src = s.source();
    }
    if let Some(i) = msg.find("refused: ") {
        return HttpError::Refused(msg[i + "refused: ".len()..].to_string());
    }
    HttpError::Network(msg)
}

/// Seconds (`120`) or an HTTP date; `None` when unparseable.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    if let Ok(s) = v.parse::<f64>()
        && s.is_finite()
        && s >= 0.0
    {
        return Some(Duration::from_secs_f64(s.min(86_400.0)));
    }
    let fmt = time::format_description::well_known::Rfc2822;
    let when = time::OffsetDateTime::parse(v, &fmt).ok()?;
    let secs = (when - time::OffsetDateTime::now_utc()).whole_seconds();
    Some(Duration::from_secs(secs.max(0) as u64))
}

fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1 << (attempt - 1).min(6));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    // Up to +50% jitter.
    exp + exp.mul_f64(f64::from(nanos % 500) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn dns_answers_are_vetted_as_a_whole() {
        let a = |s: &str| -> SocketAddr { format!("{s}:443").parse().unwrap() };
        assert!(vet_addresses("h", vec![a("93.184.216.34")], false).is_ok());
        assert!(vet_addresses("h", vec![a("127.0.0.1")], false).is_err());
        assert!(vet_addresses("h", vec![a("127.0.0.1")], true).is_ok());
        assert!(vet_addresses("h", vec![a("93.184.216.34"), a("10.0.0.1")], false).is_err());
        assert!(vet_addresses("h", vec![a("169.254.169.254")], true).is_err());
        assert!(vet_addresses("h", vec![a("[fd00:ec2::254]")], true).is_err());
        assert!(vet_addresses("h", vec![], false).is_err());
    }

    #[test]
    fn the_resolver_refuses_loopback_for_hosts_not_named_in_an_override() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let resolve = |targets: &[&str]| {
            let r = GuardedResolver {
                override_targets: targets.iter().map(|s| s.to_string()).collect(),
                lookups: Arc::new(AtomicU64::new(0)),
            };
            rt.block_on(r.resolve("localhost".parse().unwrap()))
                .map(|a| a.count())
                .map_err(|e| e.to_string())
        };
        let e = resolve(&[]).unwrap_err();
        assert!(e.contains("refused") && e.contains("127.0.0.1"), "{e}");
        assert!(resolve(&["localhost"]).unwrap() >= 1);
    }

    #[test]
    fn backoff_grows() {
        let b = Duration::from_millis(100);
        assert!(backoff(b, 1) >= b && backoff(b, 1) < b * 2);
        assert!(backoff(b, 3) >= b * 4);
    }
}
