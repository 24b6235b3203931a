//! Where a secret may be sent: host grammar, address classes (private, loopback, link-local,
//! cloud metadata) and the endpoint overrides (`--validate-endpoint HOST=URL`).
//!
//! The rules: a validator's host is a fixed DNS name from the rule, or a customer host that
//! matched the rule's anchored allow-list; it is never an IP literal, never carries a port or
//! userinfo, and must resolve only to public addresses. Only a host the user named in an
//! override may reach loopback or private addresses, and metadata addresses are refused always.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::{Context, Result, bail};
use reqwest::Url;

/// Whether `host` is a lower-case DNS name with at least two labels, no trailing dot, and
/// labels of `[a-z0-9-]` (not starting or ending with `-`). IP literals are rejected.
pub fn is_dns_name(host: &str) -> bool {
    if host.is_empty() || host.len() > 253 || host.ends_with('.') {
        return false;
    }
    if host.parse::<IpAddr>().is_ok() || host.starts_with('[') {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    // An all-numeric last label is an IPv4 shorthand in some resolvers (`0x7f.1`, `127.1`).
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()) || l.starts_with("0x"))
    {
        return false;
    }
    labels.iter().all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// Address classes a validator never connects to (unless the host was named in an override,
/// which lifts the loopback/private ban but never the metadata/link-local one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrClass {
    /// A public unicast address.
    Public,
    /// Loopback, private (RFC 1918, ULA), CGNAT, benchmarking or other non-global ranges.
    Private,
    /// Link-local, cloud metadata, unspecified, multicast, broadcast or reserved.
    Forbidden,
}

/// Classifies an address, looking through IPv4-mapped and IPv4-compatible IPv6 forms.
pub fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4);
            }
            classify_v6(v6)
        }
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddrClass {
    let o = ip.octets();
    if ip.is_unspecified()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || o[0] == 0
        || o[0] >= 240
        // Alibaba Cloud metadata.
        || ip == Ipv4Addr::new(100, 100, 100, 200)
    {
        return AddrClass::Forbidden;
    }
    if ip.is_loopback()
        || ip.is_private()
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
        || ip.is_documentation()
    {
        return AddrClass::Private;
    }
    AddrClass::Public
}

fn classify_v6(ip: Ipv6Addr) -> AddrClass {
    let s = ip.segments();
    // AWS's IPv6 metadata endpoint fd00:ec2::254.
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return AddrClass::Forbidden;
    }
    if ip.is_unspecified() || ip.is_multicast() || (s[0] & 0xffc0) == 0xfe80 {
        return AddrClass::Forbidden;
    }
    // IPv4-compatible (deprecated) ::a.b.c.d and NAT64 64:ff9b::/96 embed an IPv4 address.
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return classify_v4(v4).max_private();
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return classify_v4(v4);
    }
    if ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] & 0xffc0) == 0xfec0
    {
        return AddrClass::Private;
    }
    AddrClass::Public
}

impl AddrClass {
    fn max_private(self) -> AddrClass {
        match self {
            AddrClass::Public => AddrClass::Private,
            c => c,
        }
    }
}

/// Whether a connection to `ip` is allowed; `overridden` is true for hosts the user named in an
/// endpoint override.
pub fn addr_allowed(ip: IpAddr, overridden: bool) -> bool {
    match classify(ip) {
        AddrClass::Public => true,
        AddrClass::Private => overridden,
        AddrClass::Forbidden => false,
    }
}

/// Endpoint overrides: `HOST=URL` sends what would go to `https://HOST/...` to `URL/...`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    map: BTreeMap<String, Url>,
}

impl Overrides {
    /// Parses `HOST=URL` entries (from flags and `LEAKHOUND_VALIDATE_ENDPOINTS`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Overrides> {
        let mut map = BTreeMap::new();
        for e in entries {
            let e = e.as_ref().trim();
            if e.is_empty() {
                continue;
            }
            let (host, url) = e
                .split_once('=')
                .with_context(|| format!("--validate-endpoint {e:?}: expected HOST=URL"))?;
            let host = host.trim().to_ascii_lowercase();
            if !is_dns_name(&host) {
                bail!("--validate-endpoint {e:?}: {host:?} is not a DNS host name");
            }
            let url = Url::parse(url.trim())
                .with_context(|| format!("--validate-endpoint {e:?}: bad URL"))?;
            if !matches!(url.scheme(), "http" | "https" | "tcp") || url.host_str().is_none() {
                bail!(
                    "--validate-endpoint {e:?}: URL must be http(s)://HOST[:PORT][/PATH] (or tcp://HOST:PORT for databases)"
                );
            }
            if url.scheme() == "tcp" && url.port().is_none() {
                bail!("--validate-endpoint {e:?}: tcp:// needs a port");
            }
            if !url.username().is_empty() || url.password().is_some() {
                bail!("--validate-endpoint {e:?}: URL must not hold credentials");
            }
            if url.query().is_some() || url.fragment().is_some() {
                bail!("--validate-endpoint {e:?}: URL must not have a query or fragment");
            }
            map.insert(host, url);
        }
        Ok(Overrides { map })
    }

    /// True when no override is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether `host` is named on either side of an override (its target may be loopback).
    pub fn names_target(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.map.values().any(|u| {
            u.host_str().is_some_and(|h| {
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .eq_ignore_ascii_case(host)
            })
        })
    }

    /// Host names (not IP literals) that override URLs point at; their DNS answers may be
    /// loopback or private.
    pub fn target_hosts(&self) -> Vec<String> {
        self.map
            .values()
            .filter_map(|u| u.host_str())
            .filter(|h| !h.starts_with('[') && h.parse::<IpAddr>().is_err())
            .map(|h| h.to_ascii_lowercase())
            .collect()
    }

    /// For a database host named in an override: the target host and port.
    pub fn socket_target(&self, host: &str) -> Option<(String, u16)> {
        let u = self.map.get(&host.to_ascii_lowercase())?;
        let h = u.host_str()?.trim_start_matches('[').trim_end_matches(']');
        Some((h.to_string(), u.port_or_known_default()?))
    }

    /// Rewrites `url` if its host is overridden, keeping path and query. Returns the new URL and
    /// whether it was rewritten.
    pub fn apply(&self, url: &Url) -> (Url, bool) {
        let Some(host) = url.host_str() else {
            return (url.clone(), false);
        };
        let Some(base) = self.map.get(&host.to_ascii_lowercase()) else {
            return (url.clone(), false);
        };
        let mut out = base.clone();
        let prefix = base.path().trim_end_matches('/');
        out.set_path(&format!("{prefix}{}", url.path()));
        out.set_query(url.query());
        (out, true)
    }
}

/// Why a URL was refused before any byte left the process.
pub fn check_target(url: &Url, overridden: bool) -> Result<(), String> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err("URL carries userinfo".into());
    }
    if !overridden {
        if url.scheme() != "https" {
            return Err(format!("scheme {} is not https", url.scheme()));
        }
        if url.port().is_some_and(|p| p != 443) {
            return Err("explicit port on a provider host".into());
        }
    }
    let Some(host) = url.host_str() else {
        return Err("URL has no host".into());
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ip_target(ip, overridden);
    }
    if !overridden && !is_dns_name(host) {
        return Err(format!("host {host:?} is not a plain DNS name"));
    }
    Ok(())
}

fn ip_target(ip: IpAddr, overridden: bool) -> Result<(), String> {
    if !overridden {
        return Err(format!("IP literal {ip} instead of the provider host"));
    }
    if addr_allowed(ip, true) {
        Ok(())
    } else {
        Err(format!("address {ip} is link-local, metadata or reserved"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(is_dns_name("api.github.com"));
        assert!(is_dns_name("acme-1.myshopify.com"));
        for bad in [
            "api.github.com.",
            "localhost",
            "169.254.169.254",
            "[::1]",
            "API.github.com",
            "a..b",
            "-a.b",
            "a_b.com",
            "127.1",
            "0x7f.1",
            "evil.com:80",
            "a@b.com",
            "",
        ] {
            assert!(!is_dns_name(bad), "{bad}");
        }
    }

    #[test]
    fn address_classes() {
        let c = |s: &str| classify(s.parse().unwrap());
        assert_eq!(c("8.8.8.8"), AddrClass::Public);
        assert_eq!(c("2606:4700::1111"), AddrClass::Public);
        for p in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fd12::1",
        ] {
            assert_eq!(c(p), AddrClass::Private, "{p}");
        }
        for f in [
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "::",
            "100.100.100.200",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert_eq!(c(f), AddrClass::Forbidden, "{f}");
        }
        assert_eq!(c("::ffff:127.0.0.1"), AddrClass::Private);
        assert_eq!(c("::7f00:1"), AddrClass::Private);
        assert!(!addr_allowed("127.0.0.1".parse().unwrap(), false));
        assert!(addr_allowed("127.0.0.1".parse().unwrap(), true));
        assert!(!addr_allowed("169.254.169.254".parse().unwrap(), true));
    }

    #[test]
    fn overrides_keep_path_and_query() {
        let o = Overrides::parse(&["api.github.com=http://127.0.0.1:8080/gh/"]).unwrap();
        let (u, hit) =
            o.apply(&Url::parse("https://api.github.com/user/orgs?per_page=100").unwrap());
        assert!(hit);
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/gh/user/orgs?per_page=100"
        );
        let (u, hit) = o.apply(&Url::parse("https://api.gitlab.com/x").unwrap());
        assert!(!hit);
        assert_eq!(u.host_str(), Some("api.gitlab.com"));
        assert!(o.names_target("127.0.0.1"));
        for bad in [
            "nohost",
            "api.github.com=ftp://x",
            "api.github.com=http://u:p@x/",
            "127.0.0.1=http://x/",
        ] {
            assert!(Overrides::parse(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn targets() {
        let t = |u: &str, o: bool| check_target(&Url::parse(u).unwrap(), o);
        assert!(t("https://api.github.com/user", false).is_ok());
        assert!(t("http://api.github.com/user", false).is_err());
        assert!(t("https://api.github.com:8443/user", false).is_err());
        assert!(t("https://u@api.github.com/user", false).is_err());
        assert!(t("https://169.254.169.254/latest", false).is_err());
        assert!(t("https://[::1]/", false).is_err());
        assert!(t("http://127.0.0.1:9/x", true).is_ok());
        assert!(t("http://169.254.169.254/x", true).is_err());
    }
}
