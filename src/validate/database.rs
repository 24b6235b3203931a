//! Database connection strings (`postgres://user:pass@host/db`): off unless
//! `--validate-databases`. The check connects and authenticates only — it never runs a query —
//! and refuses hosts that resolve to private, loopback, link-local or metadata addresses unless
//! the host was named in an endpoint override.

use super::{Check, Inputs, Options};

/// A parsed connection string. The password is kept out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// `postgres` or `mysql`.
    pub kind: &'static str,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// User.
    pub user: String,
    /// Password.
    pub password: String,
    /// Database name (may be empty).
    pub database: String,
}

impl std::fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ConnInfo({}://{}@{}:{}/{})",
            self.kind, self.user, self.host, self.port, self.database
        )
    }
}

/// Parses `postgres[ql]://user:password@host[:port][/db][?…]` or `mysql://…`. The secret may be
/// the whole URL, or the password with the URL in the `url` part.
pub fn parse(inputs: &Inputs<'_>) -> Result<ConnInfo, String> {
    let text = inputs
        .parts
        .get("url")
        .map(String::as_str)
        .unwrap_or(inputs.secret);
    let (kind, rest, default_port) = if let Some(r) = text
        .strip_prefix("postgres://")
        .or_else(|| text.strip_prefix("postgresql://"))
    {
        ("postgres", r, 5432)
    } else if let Some(r) = text.strip_prefix("mysql://") {
        ("mysql", r, 3306)
    } else {
        return Err("not a postgres:// or mysql:// connection string".into());
    };
    let (userinfo, hostpart) = rest
        .rsplit_once('@')
        .ok_or("connection string has no user:password@")?;
    let (user, password) = userinfo
        .split_once(':')
        .ok_or("connection string has no password")?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| "connection string is not valid UTF-8".to_string())
    };
    let end = hostpart.find(['/', '?']).unwrap_or(hostpart.len());
    let (hostport, tail) = hostpart.split_at(end);
    let database = tail
        .strip_prefix('/')
        .map(|t| t.split('?').next().unwrap_or_default())
        .unwrap_or_default();
    let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
        let (h, p) = h.split_once(']').ok_or("bad IPv6 host")?;
        (h.to_string(), p.strip_prefix(':').unwrap_or_default())
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p),
            None => (hostport.to_string(), ""),
        }
    };
    let port = if port.is_empty() {
        default_port
    } else {
        port.parse().map_err(|_| "bad port".to_string())?
    };
    if host.is_empty() || host.contains(',') {
        return Err("connection string names no single host".into());
    }
    Ok(ConnInfo {
        kind,
        host: host.to_ascii_lowercase(),
        port,
        user: decode(user)?,
        password: decode(password)?,
        database: decode(database)?,
    })
}

/// What a dry run prints.
pub fn describe(inputs: &Inputs<'_>) -> Result<String, String> {
    let c = parse(inputs)?;
    Ok(format!(
        "{} login as {} to {}:{} [password in the {} authentication exchange; no query]",
        c.kind, c.user, c.host, c.port, c.kind
    ))
}

/// Connects and authenticates.
pub async fn check(inputs: &Inputs<'_>, _opts: &Options) -> Check {
    match parse(inputs) {
        Ok(c) => Check::unknown(format!("{} validation is not supported yet", c.kind)),
        Err(e) => Check::unknown(e),
    }
}
