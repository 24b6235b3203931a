//! OCI and Docker v2 manifest, index and descriptor documents, their media types, platform
//! selection and digest checks. Shared by every transport.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker schema 1 manifests (signed and unsigned), which carry no config: unsupported.
pub const DOCKER_SCHEMA1: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/vnd.docker.distribution.manifest.v1+json",
];
/// The `Accept` header for manifest requests: OCI and Docker v2 manifests and indexes.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";
/// Annotation naming a manifest in an OCI layout's index.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A content descriptor.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    #[serde(default)]
    pub media_type: String,
    /// `algorithm:hex` digest of the content.
    pub digest: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Platform of an index entry.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A platform of an index entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Platform {
    /// CPU architecture (`amd64`, `arm64`, …).
    #[serde(default)]
    pub architecture: String,
    /// Operating system (`linux`, …).
    #[serde(default)]
    pub os: String,
    /// CPU variant (`v8`, …).
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Platform {
        let mut it = s.split('/');
        Platform {
            os: it.next().unwrap_or_default().to_string(),
            architecture: it.next().unwrap_or_default().to_string(),
            variant: it.next().map(str::to_string),
        }
    }

    /// `os/arch[/variant]`.
    pub fn name(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", self.os, self.architecture),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }

    /// Whether `wanted` (`os/arch[/variant]`) selects this platform (a missing variant in
    /// `wanted` matches any).
    pub fn matches(&self, wanted: &str) -> bool {
        let mut w = wanted.split('/');
        let (os, arch, variant) = (w.next(), w.next(), w.next());
        os == Some(self.os.as_str())
            && arch == Some(self.architecture.as_str())
            && variant.is_none_or(|v| self.variant.as_deref() == Some(v))
    }
}

/// An image manifest (OCI or Docker v2 schema 2).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Media type, when the document states it.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// Layer blobs, bottom first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

/// An image index or Docker manifest list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Media type, when the document states it.
    #[serde(default)]
    pub media_type: Option<String>,
    /// Member manifests (or nested indexes).
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
}

/// A manifest-or-index document, told apart by media type or shape.
#[derive(Debug, Clone)]
pub enum Document {
    /// An image manifest.
    Manifest(Manifest),
    /// An index of manifests.
    Index(Index),
}

/// Parses a manifest or index. `media_type` is the transport's content type, if any.
pub fn parse_document(bytes: &[u8], media_type: Option<&str>, what: &str) -> Result<Document> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).with_context(|| format!("{what}: not JSON"))?;
    let declared = v
        .get("mediaType")
        .and_then(|m| m.as_str())
        .map(str::to_string);
    let mt = media_type
        .filter(|m| !m.is_empty() && *m != "application/json" && *m != "text/plain")
        .map(str::to_string)
        .or(declared);
    if let Some(m) = &mt
        && DOCKER_SCHEMA1.contains(&m.as_str())
    {
        bail!("{what}: Docker schema 1 manifests are not supported (no image config)");
    }
    let is_index = match mt.as_deref() {
        Some(OCI_INDEX) | Some(DOCKER_LIST) => true,
        Some(OCI_MANIFEST) | Some(DOCKER_MANIFEST) => false,
        _ => v.get("manifests").is_some() && v.get("config").is_none(),
    };
    if is_index {
        Ok(Document::Index(
            serde_json::from_value(v).with_context(|| format!("{what}: invalid image index"))?,
        ))
    } else {
        if v.get("schemaVersion").and_then(|s| s.as_u64()) == Some(1) {
            bail!("{what}: Docker schema 1 manifests are not supported (no image config)");
        }
        Ok(Document::Manifest(serde_json::from_value(v).with_context(
            || format!("{what}: invalid image manifest"),
        )?))
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Checks `bytes` against `digest`; only sha256 digests can be verified (others pass).
pub fn verify(bytes: &[u8], digest: &str, what: &str) -> Result<()> {
    if digest.starts_with("sha256:") {
        let got = sha256_digest(bytes);
        if got != digest {
            bail!("{what}: digest mismatch (expected {digest}, content hashes to {got})");
        }
    }
    Ok(())
}

/// The hex part of a validated `sha256:<hex>` digest, usable as a file name.
pub fn digest_hex(digest: &str) -> Option<&str> {
    let (algo, hex) = digest.split_once(':')?;
    let ok = match algo {
        "sha256" => hex.len() == 64,
        "sha512" => hex.len() == 128,
        _ => false,
    };
    (ok && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then_some(hex)
}

/// Whether a descriptor points at a manifest or index (rather than, say, an attestation blob).
pub fn is_image_document(d: &Descriptor) -> bool {
    matches!(
        d.media_type.as_str(),
        OCI_MANIFEST | DOCKER_MANIFEST | OCI_INDEX | DOCKER_LIST | ""
    )
}

/// Picks index entries: by `--platform` if given (entries that state no platform pass, to be
/// decided by their own content), dropping attestation manifests (`unknown/unknown`) always.
pub fn select_platforms<'a>(index: &'a Index, platform: Option<&str>) -> Vec<&'a Descriptor> {
    index
        .manifests
        .iter()
        .filter(|d| is_image_document(d))
        .filter(|d| {
            d.annotations
                .get("vnd.docker.reference.type")
                .is_none_or(|t| t != "attestation-manifest")
        })
        .filter(|d| match (&d.platform, platform) {
            (Some(p), _) if p.os == "unknown" && p.architecture == "unknown" => false,
            (Some(p), Some(w)) => p.matches(w),
            // No platform stated (a nested index, a bare manifest): decided further down.
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_told_apart() {
        let m = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"x","digest":"sha256:{0}","size":1}},"layers":[]}}"#,
            "a".repeat(64)
        );
        assert!(matches!(
            parse_document(m.as_bytes(), None, "m").unwrap(),
            Document::Manifest(_)
        ));
        let i = r#"{"schemaVersion":2,"manifests":[]}"#;
        assert!(matches!(
            parse_document(i.as_bytes(), None, "i").unwrap(),
            Document::Index(_)
        ));
        let e = parse_document(b"{}", Some(DOCKER_SCHEMA1[0]), "s1").unwrap_err();
        assert!(format!("{e:#}").contains("schema 1"));
    }

    #[test]
    fn platforms_select_and_digests_verify() {
        let p = Platform {
            architecture: "arm64".into(),
            os: "linux".into(),
            variant: Some("v8".into()),
        };
        assert!(p.matches("linux/arm64"));
        assert!(p.matches("linux/arm64/v8"));
        assert!(!p.matches("linux/amd64"));
        assert_eq!(p.name(), "linux/arm64/v8");
        let d = sha256_digest(b"abc");
        assert!(verify(b"abc", &d, "x").is_ok());
        assert!(verify(b"abd", &d, "x").is_err());
        assert!(digest_hex(&d).is_some());
        assert!(digest_hex("sha256:../../etc/passwd").is_none());
    }
}
