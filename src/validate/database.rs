//! PostgreSQL connection strings, off unless `--validate-databases`: connect, authenticate with
//! SCRAM-SHA-256, and hang up — no query is ever sent. The host comes from scanned text, so it
//! must resolve only to public addresses (or be named in an endpoint override such as
//! `--validate-endpoint db.internal=tcp://127.0.0.1:5432`); a server that asks for the password
//! in clear text, or for MD5, gets nothing. TLS is not spoken: servers that require it answer
//! with an error and the outcome is `unknown`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::http::vet_addresses;
use super::safety::{Overrides, is_dns_name};
use super::spec::Outcome;
use super::{Check, Inputs, Options};

/// Where and as whom to log in. The password stays out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address from the connection string.
    pub host: String,
    /// Port (default 5432).
    pub port: u16,
    /// User.
    pub user: String,
    /// Password.
    pub password: String,
    /// Database (default `postgres`).
    pub database: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Target({}@{}:{}/{})",
            self.user, self.host, self.port, self.database
        )
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The login described by a finding: the secret is the password, the parts name the user,
/// host, port and database.
pub fn target(inputs: &Inputs<'_>) -> Result<Target, String> {
    let part = |k: &str| inputs.parts.get(k).map(String::as_str);
    let user = part("user").ok_or("no user next to the password")?;
    let host = part("host").ok_or("no host next to the password")?;
    let port = match part("port") {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or("bad port in the connection string")?,
        None => 5432,
    };
    Ok(Target {
        host: host.to_ascii_lowercase(),
        port,
        user: decode(user),
        password: decode(inputs.secret),
        database: part("database")
            .map(decode)
            .unwrap_or_else(|| "postgres".into()),
    })
}

/// What a dry run prints.
pub fn describe(inputs: &Inputs<'_>) -> Result<String, String> {
    let t = target(inputs)?;
    Ok(format!(
        "PostgreSQL login as {} to {}:{} [password proven with SCRAM-SHA-256; no query]",
        t.user, t.host, t.port
    ))
}

/// Resolves the host (or its override) to vetted addresses.
fn addresses(t: &Target, overrides: &Overrides) -> Result<Vec<SocketAddr>, String> {
    if let Some((host, port)) = overrides.socket_target(&t.host) {
        let addrs: Vec<SocketAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("{host}: {e}"))?
            .collect();
        return vet_addresses(&host, addrs, true);
    }
    let literal = t.host.parse::<std::net::IpAddr>().is_ok();
    if !literal && !is_dns_name(&t.host) {
        return Err(format!("refused: {:?} is not a host name", t.host));
    }
    let addrs: Vec<SocketAddr> = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| format!("{}: cannot resolve: {e}", t.host))?
        .collect();
    vet_addresses(&t.host, addrs, false)
}

fn msg(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn startup(t: &Target) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608u32.to_be_bytes());
    for (k, v) in [
        ("user", t.user.as_str()),
        ("database", t.database.as_str()),
        ("application_name", "leakhound-validation"),
    ] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut m = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    m.extend_from_slice(&body);
    m
}

fn read_msg(s: &mut TcpStream) -> Result<(u8, Vec<u8>), String> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).map_err(|e| format!("read: {e}"))?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if !(4..=1 << 20).contains(&len) {
        return Err("malformed server message".into());
    }
    let mut body = vec![0u8; len - 4];
    s.read_exact(&mut body).map_err(|e| format!("read: {e}"))?;
    Ok((head[0], body))
}

fn error_fields(body: &[u8]) -> (String, String) {
    let (mut code, mut message) = (String::new(), String::new());
    for f in body.split(|b| *b == 0) {
        match f.first() {
            Some(b'C') => code = String::from_utf8_lossy(&f[1..]).into_owned(),
            Some(b'M') => message = String::from_utf8_lossy(&f[1..]).into_owned(),
            _ => {}
        }
    }
    (code, message)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The client side of SCRAM-SHA-256 (RFC 5802/7677) after the server-first message.
struct Scram {
    client_first_bare: String,
    nonce: String,
}

impl Scram {
    fn new() -> Scram {
        let nonce = base64::engine::general_purpose::STANDARD.encode(super::cache::random_bytes());
        Scram {
            client_first_bare: format!("n=,r={nonce}"),
            nonce,
        }
    }

    /// The client-final message and the server signature to expect.
    fn finish(&self, server_first: &str, password: &str) -> Result<(String, Vec<u8>), String> {
        let mut r = None;
        let mut salt = None;
        let mut iter = None;
        for kv in server_first.split(',') {
            match kv.split_once('=') {
                Some(("r", v)) => r = Some(v),
                Some(("s", v)) => salt = Some(v),
                Some(("i", v)) => iter = v.parse::<u32>().ok(),
                _ => {}
            }
        }
        let (Some(r), Some(salt), Some(iter)) = (r, salt, iter) else {
            return Err("malformed SCRAM server-first message".into());
        };
        if !r.starts_with(&self.nonce) || !(1..=1_000_000).contains(&iter) {
            return Err("SCRAM server nonce or iteration count is invalid".into());
        }
        let salt = base64::engine::general_purpose::STANDARD
            .decode(salt)
            .map_err(|_| "SCRAM salt is not base64")?;
        let mut salted = [0u8; 32];
        aws_lc_rs::pbkdf2::derive(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
            NonZeroU32::new(iter).unwrap_or(NonZeroU32::MIN),
            &salt,
            password.as_bytes(),
            &mut salted,
        );
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let without_proof = format!("c=biws,r={r}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = hmac(&salted, b"Server Key");
        let server_sig = hmac(&server_key, auth_message.as_bytes());
        Ok((
            format!(
                "{without_proof},p={}",
                base64::engine::general_purpose::STANDARD.encode(proof)
            ),
            server_sig,
        ))
    }
}

/// Logs in and hangs up. Blocking; call from a blocking task.
pub fn login(t: &Target, addr: SocketAddr, timeout: Duration) -> Check {
    let mut s = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(s) => s,
        Err(e) => return Check::unknown(format!("cannot connect to {}:{}: {e}", t.host, t.port)),
    };
    let _ = s.set_read_timeout(Some(timeout));
    let _ = s.set_write_timeout(Some(timeout));
    let result = exchange(&mut s, t);
    // Terminate, never query.
    let _ = s.write_all(&msg(b'X', &[]));
    result.unwrap_or_else(Check::unknown)
}

fn exchange(s: &mut TcpStream, t: &Target) -> Result<Check, String> {
    let w = |s: &mut TcpStream, m: &[u8]| s.write_all(m).map_err(|e| format!("write: {e}"));
    w(s, &startup(t))?;
    let mut scram: Option<(Scram, Vec<u8>)> = None;
    let mut proven = false;
    loop {
        let (kind, body) = read_msg(s)?;
        match kind {
            b'R' => {
                let code = body
                    .get(..4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                    .ok_or("malformed authentication request")?;
                match code {
                    0 if proven => {
                        return Ok(Check::new(
                            Outcome::Live,
                            "PostgreSQL accepted the password (SCRAM-SHA-256); no query sent",
                        ));
                    }
                    0 => {
                        return Ok(Check::unknown(
                            "the server let the user in without asking for a password; the password was not verified",
                        ));
                    }
                    3 => {
                        return Ok(Check::unknown(
                            "the server asks for the password in clear text over an unencrypted connection; not sent",
                        ));
                    }
                    5 => {
                        return Ok(Check::unknown(
                            "the server uses MD5 password authentication, which is not supported; not sent",
                        ));
                    }
                    10 => {
                        let mechs = String::from_utf8_lossy(&body[4..]).into_owned();
                        if !mechs.split('\0').any(|m| m == "SCRAM-SHA-256") {
                            return Ok(Check::unknown("the server offers no SCRAM-SHA-256"));
                        }
                        let sc = Scram::new();
                        let first = format!("n,,{}", sc.client_first_bare);
                        let mut b = b"SCRAM-SHA-256\0".to_vec();
                        b.extend_from_slice(&(first.len() as u32).to_be_bytes());
                        b.extend_from_slice(first.as_bytes());
                        w(s, &msg(b'p', &b))?;
                        scram = Some((sc, Vec::new()));
                    }
                    11 => {
                        let (sc, expect) = scram.as_mut().ok_or("unexpected SCRAM continue")?;
                        let server_first = String::from_utf8_lossy(&body[4..]).into_owned();
                        let (fin, sig) = sc.finish(&server_first, &t.password)?;
                        *expect = sig;
                        w(s, &msg(b'p', fin.as_bytes()))?;
                    }
                    12 => {
                        let (_, expect) = scram.as_ref().ok_or("unexpected SCRAM final")?;
                        let fin = String::from_utf8_lossy(&body[4..]).into_owned();
                        let got = fin
                            .strip_prefix("v=")
                            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok());
                        if got.as_deref() != Some(expect.as_slice()) {
                            return Ok(Check::unknown(
                                "the server's SCRAM signature does not verify (not the real server?)",
                            ));
                        }
                        proven = true;
                    }
                    other => {
                        return Ok(Check::unknown(format!(
                            "unsupported authentication request {other}"
                        )));
                    }
                }
            }
            b'E' => {
                let (code, message) = error_fields(&body);
                let message = super::interp::sanitize(&message, 120);
                return Ok(match code.as_str() {
                    "28P01" => Check::new(Outcome::Dead, format!("28P01: {message}")),
                    _ => Check::unknown(format!("server refused: {code} {message}")),
                });
            }
            // NegotiateProtocolVersion, notices: keep reading.
            b'v' | b'N' => {}
            _ => return Ok(Check::unknown("unexpected server message")),
        }
    }
}

/// Checks a PostgreSQL password.
pub async fn check(inputs: &Inputs<'_>, opts: &Options) -> Check {
    let t = match target(inputs) {
        Ok(t) => t,
        Err(e) => return Check::unknown(e),
    };
    let overrides = opts.overrides.clone();
    let timeout = opts.http.request_timeout;
    let deadline = opts.http.deadline;
    let run = move || {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero());
        let Some(left) = left else {
            return Check::unknown("validation deadline reached");
        };
        let addrs = match addresses(&t, &overrides) {
            Ok(a) => a,
            Err(e) => return Check::unknown(e),
        };
        login(&t, addrs[0], timeout.min(left))
    };
    tokio::task::spawn_blocking(run)
        .await
        .unwrap_or_else(|_| Check::unknown("database check failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scram_matches_the_rfc_7677_example() {
        // RFC 7677 §3: user "user", password "pencil".
        let sc = Scram {
            client_first_bare: "n=user,r=rOprNGfwEbeRWgbNEkqO".into(),
            nonce: "rOprNGfwEbeRWgbNEkqO".into(),
        };
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let (fin, sig) = sc.finish(server_first, "pencil").unwrap();
        assert_eq!(
            fin,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(sig),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        assert!(sc.finish("r=other,s=AA==,i=4096", "pencil").is_err());
    }

    #[test]
    fn targets_come_from_the_parts() {
        let mut parts = std::collections::BTreeMap::new();
        parts.insert("user".to_string(), "app%40x".to_string());
        parts.insert("host".to_string(), "DB.Example.com".to_string());
        let t = target(&Inputs {
            secret: "p%21w",
            parts: &parts,
        })
        .unwrap();
        assert_eq!((t.user.as_str(), t.password.as_str()), ("app@x", "p!w"));
        assert_eq!(
            (t.host.as_str(), t.port, t.database.as_str()),
            ("db.example.com", 5432, "postgres")
        );
        assert!(!format!("{t:?}").contains("p!w"));
        parts.insert("port".to_string(), "70000".to_string());
        assert!(
            target(&Inputs {
                secret: "x",
                parts: &parts
            })
            .is_err()
        );
    }

    #[test]
    fn private_hosts_are_refused_unless_overridden() {
        let t = |host: &str| Target {
            host: host.into(),
            port: 5432,
            user: "u".into(),
            password: "p".into(),
            database: "d".into(),
        };
        let none = Overrides::default();
        for h in [
            "127.0.0.1",
            "10.0.0.5",
            "169.254.169.254",
            "localhost",
            "db_internal",
            "[::1]",
        ] {
            assert!(addresses(&t(h), &none).is_err(), "{h}");
        }
        let o = Overrides::parse(&["db.example.com=tcp://127.0.0.1:6543"]).unwrap();
        let a = addresses(&t("db.example.com"), &o).unwrap();
        assert_eq!(a[0].to_string(), "127.0.0.1:6543");
    }
}
