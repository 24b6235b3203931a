//! The append-only audit log: every revocation attempt (dry runs included) and every
//! redaction, one JSON line each, with fingerprints only — never a secret. Plain validation
//! (`scan --validate`, `validate`) changes nothing and is not logged.
//!
//! Records are appended with a single write and fsynced. A torn or corrupted last line (a crash
//! mid-write) never blocks later writes: the next append starts on a fresh line, and readers
//! report the bad line and go on.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// RFC 3339 time of the attempt.
    pub time: String,
    /// `user@host` that ran leakhound.
    pub operator: String,
    /// `validate` (around a revocation), `revoke`, `revoke-result`, `revoke-dry-run` or `redact`.
    pub action: String,
    /// Rule id of the secret.
    pub rule_id: String,
    /// Fingerprint of the secret (never the secret).
    pub fingerprint: String,
    /// Where the secret was found (`path:line`, plus source).
    pub location: String,
    /// Host the request went to, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub endpoint_host: String,
    /// Outcome (`live`, `dead`, `revoked`, `refused`, `error`, …).
    pub outcome: String,
    /// Free-text detail (status code, reason); never a secret.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Record {
    /// A record stamped with the current time and operator.
    pub fn now(action: &str, rule_id: &str, fingerprint: &str, location: &str) -> Record {
        Record {
            time: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            operator: operator(),
            action: action.to_string(),
            rule_id: rule_id.to_string(),
            fingerprint: fingerprint.to_string(),
            location: location.to_string(),
            endpoint_host: String::new(),
            outcome: String::new(),
            detail: String::new(),
        }
    }
}

/// `user@host` of this process.
pub fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{host}")
}

/// `$XDG_DATA_HOME/leakhound/audit.jsonl`, else `~/.local/share/leakhound/audit.jsonl`.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("leakhound").join("audit.jsonl")
}

/// Opens the log at `path` for appending (created with its directory, mode 0600).
fn open(path: &Path) -> Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("audit log {}: cannot create directory", path.display()))?;
    }
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .with_context(|| format!("audit log {}: cannot open for appending", path.display()))
}

/// Fails unless the log at `path` can be appended to, so a command that changes something
/// refuses before it acts rather than acting without a trail.
pub fn check_writable(path: &Path) -> Result<()> {
    open(path).map(drop)
}

/// Appends `rec` to the log at `path` (created with its directory, mode 0600).
pub fn append(path: &Path, rec: &Record) -> Result<()> {
    let mut f = open(path)?;
    let mut line = serde_json::to_string(rec)?;
    line.push('\n');
    // A torn last line (no trailing newline) gets terminated first.
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > 0 {
        let mut last = [0u8; 1];
        if f.seek(SeekFrom::Start(len - 1)).is_ok()
            && f.read_exact(&mut last).is_ok()
            && last[0] != b'\n'
        {
            line.insert(0, '\n');
        }
    }
    f.write_all(line.as_bytes())
        .and_then(|()| f.sync_data())
        .with_context(|| format!("audit log {}: cannot write", path.display()))?;
    Ok(())
}

/// Reads every record; unparseable lines are returned as `line N: problem`.
pub fn read(path: &Path) -> Result<(Vec<Record>, Vec<String>)> {
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => {
            return Err(e).with_context(|| format!("audit log {}: cannot read", path.display()));
        }
    };
    let mut recs = Vec::new();
    let mut bad = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(l) {
            Ok(r) => recs.push(r),
            Err(e) => bad.push(format!("line {}: {e}", i + 1)),
        }
    }
    Ok((recs, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_last_line_does_not_block_later_writes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/audit.jsonl");
        let mut r = Record::now("validate", "github.pat.classic", "ab12", "a.py:3");
        r.outcome = "live".into();
        append(&p, &r).unwrap();
        // Simulate a crash mid-write.
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"time\":\"2026-").unwrap();
        drop(f);
        r.outcome = "dead".into();
        append(&p, &r).unwrap();
        let (recs, bad) = read(&p).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].outcome, "dead");
        assert_eq!(bad.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "audit log must not be group/world readable"
            );
        }
    }

    #[test]
    fn missing_log_reads_empty() {
        let d = tempfile::tempdir().unwrap();
        let (r, b) = read(&d.path().join("none.jsonl")).unwrap();
        assert!(r.is_empty() && b.is_empty());
    }
}
