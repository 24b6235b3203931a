//! Validation results keyed by an HMAC of the credential (never the credential itself): one
//! check per unique secret per run, and optionally a file that remembers outcomes across runs
//! with a TTL (live 1 h, dead 24 h; unknown is never stored).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::spec::Outcome;

/// How long a live result is reused.
pub const TTL_LIVE: Duration = Duration::from_secs(3600);
/// How long a dead result is reused.
pub const TTL_DEAD: Duration = Duration::from_secs(24 * 3600);

/// Keys cache entries: `HMAC-SHA256(local key, rule id, secret, parts)`.
#[derive(Clone)]
pub struct Keyer {
    key: [u8; 32],
}

impl std::fmt::Debug for Keyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyer(…)")
    }
}

impl Keyer {
    /// A keyer with a fresh random key (for one run).
    pub fn random() -> Keyer {
        Keyer { key: random_key() }
    }

    /// The hex HMAC of a credential tuple.
    pub fn key(&self, rule_id: &str, secret: &str, parts: &BTreeMap<String, String>) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        m.update(rule_id.as_bytes());
        m.update(&[0]);
        m.update(secret.as_bytes());
        for (k, v) in parts {
            m.update(&[0]);
            m.update(k.as_bytes());
            m.update(&[1]);
            m.update(v.as_bytes());
        }
        hex::encode(m.finalize().into_bytes())
    }
}

/// 32 random bytes (nonces, keys).
pub(crate) fn random_bytes() -> [u8; 32] {
    random_key()
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .is_ok();
    if !filled {
        // Fallback: hash the clock, the process id and an address; good enough for a per-run key.
        use sha2::Digest;
        let mut h = Sha256::new();
        h.update(format!("{:?}", SystemTime::now()).as_bytes());
        h.update(std::process::id().to_le_bytes());
        h.update(format!("{:p}", &key).as_bytes());
        key.copy_from_slice(&h.finalize());
    }
    key
}

/// One remembered result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// Outcome.
    pub outcome: Outcome,
    /// Reason.
    pub reason: String,
    /// Identity fields (only when checked with the access map).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, String>,
    /// Whether the access map was collected.
    #[serde(default)]
    pub access_map: bool,
    /// The verdict for paired parts when it differs (see `Check::part`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<(Outcome, String)>,
    /// Unix seconds of the check.
    pub checked_at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

/// The persisted cache file plus its HMAC key file (`FILE.key`), both mode 0600.
#[derive(Debug)]
pub struct DiskCache {
    path: PathBuf,
    keyer: Keyer,
    entries: BTreeMap<String, Entry>,
    dirty: bool,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cache {}", dir.display()))?;
    let tmp = crate::interrupt::temp_file_in(dir, ".leakhound-cache-")
        .with_context(|| format!("cache {}: cannot create", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cache {}: cannot set permissions", path.display()))?;
    }
    std::fs::write(tmp.path(), data)
        .with_context(|| format!("cache {}: cannot write", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cache {}: cannot write", path.display()))?;
    Ok(())
}

impl DiskCache {
    /// Opens (or starts) the cache at `path`. A corrupt cache is an error naming the file.
    pub fn open(path: &Path) -> Result<DiskCache> {
        let key_path = key_path(path);
        let key = match std::fs::read(&key_path) {
            Ok(k) if k.len() == 64 => {
                let bytes = hex::decode(&k)
                    .with_context(|| format!("cache key {}: not hex", key_path.display()))?;
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                key
            }
            Ok(_) => anyhow::bail!("cache key {}: wrong length", key_path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_key();
                write_private(&key_path, hex::encode(key).as_bytes())?;
                key
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cache key {}", key_path.display()));
            }
        };
        let entries = match std::fs::read(path) {
            Ok(data) => {
                let f: FileFormat = serde_json::from_slice(&data)
                    .with_context(|| format!("cache {}: invalid", path.display()))?;
                f.entries
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e).with_context(|| format!("cache {}", path.display())),
        };
        Ok(DiskCache {
            path: path.to_path_buf(),
            keyer: Keyer { key },
            entries,
            dirty: false,
        })
    }

    /// The keyer bound to this cache's key.
    pub fn keyer(&self) -> &Keyer {
        &self.keyer
    }

    /// A fresh-enough entry; with `access_map`, only one that collected the access map.
    pub fn get(&self, key: &str, access_map: bool) -> Option<&Entry> {
        let e = self.entries.get(key)?;
        let ttl = match e.outcome {
            Outcome::Live | Outcome::LiveRestricted => TTL_LIVE,
            Outcome::Dead => TTL_DEAD,
            Outcome::Unknown => return None,
        };
        let fresh = now().saturating_sub(e.checked_at) < ttl.as_secs();
        (fresh && (!access_map || e.access_map)).then_some(e)
    }

    /// Remembers a result (unknown results are not stored).
    pub fn put(&mut self, key: String, mut entry: Entry) {
        if entry.outcome == Outcome::Unknown {
            return;
        }
        entry.checked_at = now();
        self.entries.insert(key, entry);
        self.dirty = true;
    }

    /// Drops expired entries and writes the file (mode 0600) if anything changed.
    pub fn save(&mut self) -> Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let t = now();
        self.entries.retain(|_, e| {
            let ttl = match e.outcome {
                Outcome::Dead => TTL_DEAD,
                _ => TTL_LIVE,
            };
            t.saturating_sub(e.checked_at) < ttl.as_secs()
        });
        let doc = FileFormat {
            version: 1,
            entries: std::mem::take(&mut self.entries),
        };
        let data = serde_json::to_vec_pretty(&doc)?;
        self.entries = doc.entries;
        write_private(&self.path, &data)?;
        self.dirty = false;
        Ok(())
    }
}

fn key_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hmacs_and_files_hold_no_secret() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("c.json");
        let secret = "ghp_thisisnotarealtokenvalue000000000000";
        let parts = BTreeMap::new();
        let mut c = DiskCache::open(&p).unwrap();
        let k = c.keyer().key("github.pat.classic", secret, &parts);
        assert_eq!(k.len(), 64);
        assert_ne!(k, Keyer::random().key("github.pat.classic", secret, &parts));
        c.put(
            k.clone(),
            Entry {
                outcome: Outcome::Live,
                reason: "HTTP 200".into(),
                identity: BTreeMap::new(),
                access_map: false,
                part: None,
                checked_at: 0,
            },
        );
        c.put(
            "u".into(),
            Entry {
                outcome: Outcome::Unknown,
                reason: "timeout".into(),
                identity: BTreeMap::new(),
                access_map: false,
                part: None,
                checked_at: 0,
            },
        );
        c.save().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.contains(secret) && !text.contains("timeout"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let c2 = DiskCache::open(&p).unwrap();
        assert_eq!(c2.keyer().key("github.pat.classic", secret, &parts), k);
        assert!(c2.get(&k, false).is_some());
        assert!(c2.get(&k, true).is_none(), "access map not collected");
        std::fs::write(&p, "{not json").unwrap();
        let e = format!("{:#}", DiskCache::open(&p).unwrap_err());
        assert!(e.contains("c.json"), "{e}");
    }
}
