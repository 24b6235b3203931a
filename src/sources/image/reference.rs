//! Parses what `leakhound image REF` is given: a transport prefix (`docker-archive:`, `oci:`,
//! `oci-archive:`, `docker-daemon:`, `registry:`/`docker://`) or a bare registry reference
//! (`ghcr.io/org/app:1.2`, `alpine`, `repo@sha256:…`), normalised the way Docker does.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// Registry used for references without a host.
pub const DOCKER_HUB: &str = "docker.io";
/// The API host behind `docker.io`.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// `docker save` output (plain or compressed tar), optionally naming one image in it.
    DockerArchive {
        /// The archive file.
        path: PathBuf,
        /// `repo:tag` selecting one image of a multi-image archive.
        tag: Option<String>,
    },
    /// An OCI image layout directory.
    OciLayout {
        /// The layout directory.
        path: PathBuf,
        /// `org.opencontainers.image.ref.name` to select.
        tag: Option<String>,
    },
    /// An OCI image layout packed in a tar.
    OciArchive {
        /// The archive file.
        path: PathBuf,
        /// `org.opencontainers.image.ref.name` to select.
        tag: Option<String>,
    },
    /// An image in the local Docker engine.
    Daemon {
        /// Name, `name:tag`, id or digest reference as the engine knows it.
        name: String,
    },
    /// An image in a registry.
    Registry(RegistryRef),
}

/// A normalised registry reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// Registry host (with port), `docker.io` for Docker Hub.
    pub host: String,
    /// Repository path (`library/alpine` for official Docker Hub images).
    pub repository: String,
    /// Tag (`latest` when neither tag nor digest was given).
    pub tag: Option<String>,
    /// `sha256:…` digest, when pinned.
    pub digest: Option<String>,
}

impl RegistryRef {
    /// The host the API lives on (`registry-1.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.host == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.host
        }
    }

    /// The digest if pinned, else the tag: what `/manifests/<reference>` takes.
    pub fn manifest_reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// Whether the host is a loopback address, where plain HTTP is acceptable.
    pub fn is_loopback(&self) -> bool {
        let host = host_without_port(&self.host);
        host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl std::fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.host, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// `host:port` → `host`; `[::1]:5000` → `::1`.
pub fn host_without_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Parses a command-line image reference.
pub fn parse(s: &str) -> Result<ImageRef> {
    if let Some(rest) = s.strip_prefix("docker-archive:") {
        let (path, tag) = split_path_and_tag(rest)?;
        return Ok(ImageRef::DockerArchive { path, tag });
    }
    if let Some(rest) = s.strip_prefix("oci-archive:") {
        let (path, tag) = split_path_and_tag(rest)?;
        return Ok(ImageRef::OciArchive { path, tag });
    }
    if let Some(rest) = s.strip_prefix("oci:") {
        let (path, tag) = split_path_and_tag(rest)?;
        return Ok(ImageRef::OciLayout { path, tag });
    }
    if let Some(rest) = s.strip_prefix("docker-daemon:") {
        if rest.is_empty() {
            bail!("docker-daemon: needs an image name, e.g. docker-daemon:myapp:1.2");
        }
        return Ok(ImageRef::Daemon {
            name: rest.to_string(),
        });
    }
    let rest = s
        .strip_prefix("registry:")
        .or_else(|| s.strip_prefix("docker://"))
        .unwrap_or(s);
    Ok(ImageRef::Registry(parse_registry(rest)?))
}

/// `PATH[:TAG]`: the longest prefix that exists on disk is the path (paths may contain `:`);
/// if none exists, everything is the path (the open then fails with a clear error).
fn split_path_and_tag(s: &str) -> Result<(PathBuf, Option<String>)> {
    if s.is_empty() {
        bail!("missing path after the transport prefix");
    }
    if Path::new(s).exists() {
        return Ok((PathBuf::from(s), None));
    }
    for (i, _) in s.match_indices(':').collect::<Vec<_>>().into_iter().rev() {
        let (p, t) = (&s[..i], &s[i + 1..]);
        if !p.is_empty() && Path::new(p).exists() {
            let tag = (!t.is_empty()).then(|| t.to_string());
            return Ok((PathBuf::from(p), tag));
        }
    }
    Ok((PathBuf::from(s), None))
}

/// Parses `[host/]repo[:tag][@digest]` with Docker's normalisation.
pub fn parse_registry(s: &str) -> Result<RegistryRef> {
    if s.is_empty() {
        bail!("empty image reference");
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => {
            if !is_digest(d) {
                bail!("image reference {s:?}: {d:?} is not an algorithm:hex digest");
            }
            (r, Some(d.to_string()))
        }
        None => (s, None),
    };
    // A tag follows the last ':' after the last '/'.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (
            &rest[..last_slash + i],
            Some(rest[last_slash + i + 1..].to_string()),
        ),
        None => (rest, None),
    };
    if let Some(t) = &tag
        && (t.is_empty()
            || t.len() > 128
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)))
    {
        bail!("image reference {s:?}: invalid tag {t:?}");
    }
    let (host, repo) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => (DOCKER_HUB.to_string(), name.to_string()),
    };
    let host = match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
        _ => host,
    };
    let repo = if host == DOCKER_HUB && !repo.contains('/') {
        format!("library/{repo}")
    } else {
        repo
    };
    if repo.is_empty()
        || !repo.split('/').all(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
        })
    {
        bail!("image reference {s:?}: invalid repository name {repo:?}");
    }
    let tag = if tag.is_none() && digest.is_none() {
        Some("latest".to_string())
    } else {
        tag
    };
    Ok(RegistryRef {
        host,
        repository: repo,
        tag,
        digest,
    })
}

/// `algorithm:hex` with a known algorithm and the right length.
pub fn is_digest(d: &str) -> bool {
    match d.split_once(':') {
        Some(("sha256", h)) => h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()),
        Some(("sha512", h)) => h.len() == 128 && h.bytes().all(|b| b.is_ascii_hexdigit()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_references_normalise_like_docker() {
        let r = parse_registry("alpine").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("docker.io", "library/alpine", Some("latest"))
        );
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = parse_registry("ghcr.io/org/app:1.2").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("ghcr.io", "org/app", Some("1.2"))
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = parse_registry(&format!("127.0.0.1:5000/t/x@{d}")).unwrap();
        assert_eq!(r.host, "127.0.0.1:5000");
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_reference(), d);
        assert!(r.is_loopback());
        assert!(parse_registry("localhost:5000/x:1").unwrap().is_loopback());
        assert!(!parse_registry("ghcr.io/x").unwrap().is_loopback());
        assert!(parse_registry("Upper/Case").is_err());
        assert!(parse_registry("x@sha256:abc").is_err());
        assert_eq!(parse_registry("user/app").unwrap().repository, "user/app");
    }

    #[test]
    fn transports_and_path_tags() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lay:out");
        std::fs::create_dir(&p).unwrap();
        let s = p.display().to_string();
        assert_eq!(
            parse(&format!("oci:{s}")).unwrap(),
            ImageRef::OciLayout {
                path: p.clone(),
                tag: None
            }
        );
        assert_eq!(
            parse(&format!("oci:{s}:v1")).unwrap(),
            ImageRef::OciLayout {
                path: p.clone(),
                tag: Some("v1".into())
            }
        );
        assert_eq!(
            parse("docker-daemon:app:1.2").unwrap(),
            ImageRef::Daemon {
                name: "app:1.2".into()
            }
        );
        assert!(matches!(
            parse("registry:127.0.0.1:5055/test/a:latest").unwrap(),
            ImageRef::Registry(r) if r.host == "127.0.0.1:5055"
        ));
        assert!(parse("docker-daemon:").is_err());
    }
}
