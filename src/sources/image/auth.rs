//! Registry credentials and authentication challenges: `--registry-user` /
//! `--registry-password-stdin`, `~/.docker/config.json` (`auths`, `credHelpers`, `credsStore`,
//! run through `docker-credential-<helper> get`), and parsing `WWW-Authenticate` headers.
//! Credentials never appear in `Debug` output or error messages.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use serde::Deserialize;

use super::RegistryOptions;
use super::reference::DOCKER_HUB;

/// Docker's key for Docker Hub in `config.json` and for credential helpers.
const HUB_KEY: &str = "https://index.docker.io/v1/";

/// A credential for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// User name and password (or personal access token).
    Basic {
        /// User name.
        user: String,
        /// Password or token.
        password: String,
    },
    /// An OAuth2 refresh token (`identitytoken`), exchanged at the token realm.
    IdentityToken(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { user, .. } => write!(f, "Basic({user}, <redacted>)"),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

impl Credential {
    /// The `Authorization: Basic …` value, for Basic credentials.
    pub fn basic_header(&self) -> Option<String> {
        match self {
            Credential::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            Credential::IdentityToken(_) => None,
        }
    }
}

#[derive(Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The directory holding `config.json`: `--docker-config`, `$DOCKER_CONFIG`, `~/.docker`.
pub fn docker_config_dir(opts: &RegistryOptions) -> Option<PathBuf> {
    opts.docker_config
        .clone()
        .or_else(|| std::env::var_os("DOCKER_CONFIG").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))
}

/// The keys `config.json` may file `host` under.
fn keys_for(host: &str) -> Vec<String> {
    if host == DOCKER_HUB {
        return vec![
            HUB_KEY.into(),
            "index.docker.io".into(),
            "docker.io".into(),
            "registry-1.docker.io".into(),
            "https://registry-1.docker.io".into(),
        ];
    }
    vec![
        host.into(),
        format!("https://{host}"),
        format!("http://{host}"),
        format!("https://{host}/v1/"),
        format!("https://{host}/v2/"),
    ]
}

/// Finds the credential for registry `host` (`docker.io` for Docker Hub). Command-line
/// credentials win; then `config.json`: a per-registry helper, the default store, the inline
/// `auths` entry. `Ok(None)`: pull anonymously.
pub fn lookup(host: &str, opts: &RegistryOptions) -> Result<Option<Credential>> {
    if let Some(user) = &opts.user {
        return Ok(Some(Credential::Basic {
            user: user.clone(),
            password: opts.password.clone().unwrap_or_default(),
        }));
    }
    let Some(dir) = docker_config_dir(opts) else {
        return Ok(None);
    };
    lookup_in(&dir.join("config.json"), host)
}

fn lookup_in(file: &Path, host: &str) -> Result<Option<Credential>> {
    let text = match std::fs::read(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", file.display())),
    };
    let cfg: DockerConfig = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a Docker config file", file.display()))?;
    let keys = keys_for(host);
    let server = if host == DOCKER_HUB { HUB_KEY } else { host };
    if let Some(helper) = keys.iter().find_map(|k| cfg.cred_helpers.get(k)) {
        return run_helper(helper, server);
    }
    let inline = keys.iter().find_map(|k| cfg.auths.get(k));
    if let Some(store) = &cfg.creds_store
        && let Some(c) = run_helper(store, server)?
    {
        return Ok(Some(c));
    }
    let Some(e) = inline else {
        return Ok(None);
    };
    if let Some(t) = e.identitytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::IdentityToken(t.clone())));
    }
    if let (Some(u), Some(p)) = (&e.username, &e.password) {
        return Ok(Some(Credential::Basic {
            user: u.clone(),
            password: p.clone(),
        }));
    }
    if let Some(a) = e.auth.as_ref().filter(|a| !a.is_empty()) {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .map_err(|_| anyhow!("{}: auths[{host}].auth is not base64", file.display()))?;
        let s = String::from_utf8(raw)
            .map_err(|_| anyhow!("{}: auths[{host}].auth is not UTF-8", file.display()))?;
        let (u, p) = s.split_once(':').ok_or_else(|| {
            anyhow!(
                "{}: auths[{host}].auth is not user:password",
                file.display()
            )
        })?;
        return Ok(Some(Credential::Basic {
            user: u.to_string(),
            password: p.to_string(),
        }));
    }
    Ok(None)
}

#[derive(Deserialize)]
struct HelperReply {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Runs `docker-credential-<name> get` with the server on stdin. "Not found" is `Ok(None)`.
fn run_helper(name: &str, server: &str) -> Result<Option<Credential>> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        bail!("credential helper name {name:?} is invalid");
    }
    let prog = format!("docker-credential-{name}");
    let mut child = Command::new(&prog)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("credential helper {prog}: cannot run"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server.as_bytes())
            .with_context(|| format!("credential helper {prog}: cannot write"))?;
    }
    let out = child
        .wait_with_output()
        .with_context(|| format!("credential helper {prog}: failed"))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        if msg.to_ascii_lowercase().contains("not found") {
            return Ok(None);
        }
        // The helper's own message may echo input but never the secret it guards.
        bail!(
            "credential helper {prog} failed ({}): {}",
            out.status,
            msg.trim().chars().take(200).collect::<String>()
        );
    }
    let reply: HelperReply = serde_json::from_slice(&out.stdout)
        .map_err(|_| anyhow!("credential helper {prog}: unreadable reply"))?;
    if reply.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if reply.username == "<token>" {
        Credential::IdentityToken(reply.secret)
    } else {
        Credential::Basic {
            user: reply.username,
            password: reply.secret,
        }
    }))
}

/// One `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Lowercased scheme (`bearer`, `basic`).
    pub scheme: String,
    /// Parameters (`realm`, `service`, `scope`, …), keys lowercased.
    pub params: BTreeMap<String, String>,
}

/// Parses a `WWW-Authenticate` value (one or more challenges).
pub fn parse_challenges(h: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let b = h.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || b[*i] == b',') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && !b" \t,=\"".contains(&b[*i]) {
            *i += 1;
        }
        h[s..*i].to_string()
    };
    loop {
        skip_ws(&mut i);
        if i >= b.len() {
            break;
        }
        let t = token(&mut i);
        if t.is_empty() {
            i += 1;
            continue;
        }
        if i < b.len() && b[i] == b'=' {
            // A parameter of the current challenge.
            i += 1;
            let v = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut v = String::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    let ch_len = h[i..].chars().next().map_or(1, char::len_utf8);
                    v.push_str(&h[i..i + ch_len]);
                    i += ch_len;
                }
                i += 1;
                v
            } else {
                token(&mut i)
            };
            if let Some(c) = out.last_mut() {
                c.params.insert(t.to_ascii_lowercase(), v);
            }
        } else {
            out.push(Challenge {
                scheme: t.to_ascii_lowercase(),
                params: BTreeMap::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].params["realm"], "https://auth.example/token");
        assert_eq!(c[0].params["scope"], "repository:a/b:pull,push");
        let c = parse_challenges(r#"Basic realm="test-realm", Bearer realm="x""#);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[1].params["realm"], "x");
    }

    #[test]
    fn docker_config_auths_are_read_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.json");
        let pass = format!("pw{}", std::process::id());
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("alice:{pass}"));
        std::fs::write(
            &file,
            format!(
                r#"{{"auths":{{"127.0.0.1:5000":{{"auth":"{auth}"}},"https://index.docker.io/v1/":{{"identitytoken":"tok"}}}}}}"#
            ),
        )
        .unwrap();
        let c = lookup_in(&file, "127.0.0.1:5000").unwrap().unwrap();
        assert_eq!(
            c,
            Credential::Basic {
                user: "alice".into(),
                password: pass.clone()
            }
        );
        assert!(!format!("{c:?}").contains(&pass));
        assert_eq!(
            lookup_in(&file, DOCKER_HUB).unwrap(),
            Some(Credential::IdentityToken("tok".into()))
        );
        assert_eq!(lookup_in(&file, "ghcr.io").unwrap(), None);
    }
}
