//! The one `Finding` model every source, the engine and every report share.
//!
//! A finding never prints its full secret unless it was built with `show_secrets`: the
//! [`Secret`] type redacts itself in `Debug`, `Display` and serialisation by default, so a
//! stray log line or panic message cannot leak what was found.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How bad a leak of this credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: public or near-harmless values.
    Info,
    /// Low impact (test-mode keys, encrypted private keys).
    Low,
    /// Medium impact (context-only and generic secrets).
    Medium,
    /// High impact (most provider API tokens).
    High,
    /// Critical impact (cloud root-like credentials, private keys, live payment keys).
    Critical,
}

impl Severity {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub code scanning's `security-severity` score for this level.
    pub fn security_score(self) -> &'static str {
        match self {
            Severity::Info => "1.0",
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the rule is that a match is a real credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Context-only or generic detection.
    Low,
    /// Distinctive shape, no checksum.
    Medium,
    /// Distinctive prefix or verified checksum.
    High,
}

impl Confidence {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A secret value that redacts itself unless it was explicitly made visible.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    value: String,
    shown: bool,
    /// False when read back from a report that held only the redacted form.
    known: bool,
}

/// Whether `s` has the shape [`redact`] produces.
fn looks_redacted(s: &str) -> bool {
    s.contains('…') && s.ends_with(" chars)")
}

impl Secret {
    /// Wraps a value; `shown` decides whether serialisation and `Display` reveal it.
    pub fn new(value: String, shown: bool) -> Self {
        Secret {
            value,
            shown,
            known: true,
        }
    }

    /// False when this value came from a report that held only the redacted form; the real
    /// secret must then be re-read from its location.
    pub fn is_known(&self) -> bool {
        self.known
    }

    /// The full value. Call only where the value is needed (validation, `--show-secrets`).
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Whether outputs may show the full value.
    pub fn is_shown(&self) -> bool {
        self.shown
    }

    /// Length in characters.
    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    /// True for an empty value.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// A short prefix plus the length, e.g. `ghp_ab…(40 chars)`.
    pub fn redacted(&self) -> String {
        if self.known {
            redact(&self.value)
        } else {
            self.value.clone()
        }
    }

    /// What outputs print: the value when shown, else the redacted form.
    pub fn display_value(&self) -> String {
        if self.shown {
            self.value.clone()
        } else {
            self.redacted()
        }
    }
}

/// The redacted form of any secret string: at most 6 leading characters (fewer for short
/// values) and the length.
pub fn redact(value: &str) -> String {
    let n = value.chars().count();
    let keep = (n / 5).min(6);
    let prefix: String = value.chars().take(keep).collect();
    format!("{prefix}…({n} chars)")
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_value())
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.display_value())
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// Reading a report back yields whatever the report held; a redacted value stays redacted
    /// (consumers re-read the secret from its location).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = String::deserialize(d)?;
        let known = !looks_redacted(&value);
        Ok(Secret {
            value,
            shown: false,
            known,
        })
    }
}

/// Stable identifier of a (rule, secret) pair: the same secret in 500 files shares one
/// fingerprint. It is a hash, never the secret itself.
pub fn fingerprint(rule_id: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Where in a blob a finding sits. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Display path of the file (relative as given on the command line, or the path inside a
    /// repository, image or transcript source).
    pub path: String,
    /// First line of the secret (or of the encoded text that contains it).
    pub line: usize,
    /// First column.
    pub column: usize,
    /// Last line.
    pub end_line: usize,
    /// Column just past the last character.
    pub end_column: usize,
    /// Byte offset of the start in the blob.
    pub offset: u64,
    /// Byte offset just past the end in the blob.
    pub end_offset: u64,
}

/// Where the blob came from. Each source fills in its own variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A file on disk.
    File {
        /// Path of the file as reached from the scan root.
        path: String,
    },
    /// A blob in a git repository: a commit in its history, the index, or an unreachable
    /// object. The finding's `location.path` is the path inside the repository.
    Git {
        /// The repository as given on the command line.
        repository: String,
        /// Where in the repository the blob was found.
        origin: GitOrigin,
        /// The commit that introduced the blob at `path` (absent for the index and for
        /// unreachable blobs no commit names).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        /// Author name of `commit`.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        author_name: String,
        /// Author email of `commit`.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        author_email: String,
        /// Committer date of `commit` (RFC 3339).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        date: String,
        /// First line of the commit message.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        summary: String,
        /// Path of the blob in the commit's tree (or the index).
        path: String,
        /// Object id of the blob.
        blob: String,
        /// How many other (commit, path) places introduced the same blob.
        #[serde(default)]
        other_places: u64,
    },
    /// A record of an AI-agent transcript, trace log or MCP config.
    Agent(Box<AgentOrigin>),
    /// Part of a container image: its config (Env, labels, Cmd/Entrypoint, build history) or a
    /// file in one of its layers.
    Image {
        /// The image reference as given (`docker-archive:app.tar`, `ghcr.io/org/app:1.2`, …).
        image: String,
        /// Digest of the image manifest, when the transport has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        manifest_digest: Option<String>,
        /// Digest of the image config (the image id).
        config_digest: String,
        /// `os/arch[/variant]` of a multi-platform image's member, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        platform: Option<String>,
        /// Which part of the image.
        part: ImagePart,
    },
}

/// Which part of a git repository a blob came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GitOrigin {
    /// History reachable from the scanned refs.
    History,
    /// Objects no ref reaches (dangling commits and blobs; `--all-objects`).
    Unreachable,
    /// The index (staged changes).
    Index,
}

/// The part of an image a finding sits in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum ImagePart {
    /// A field of the image config.
    Config {
        /// `env`, `label`, `cmd`, `entrypoint` or `history`.
        field: String,
        /// Index of the entry (Env entry, history entry); `None` for Cmd/Entrypoint and labels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<usize>,
        /// Env variable name or label key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// The Dockerfile instruction of a history entry (`ENV`, `RUN`, `ARG`, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instruction: Option<String>,
        /// The layer a history entry created (`None` for `empty_layer` entries).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layer: Option<usize>,
    },
    /// A file in a layer.
    Layer {
        /// 0-based layer index (bottom layer first).
        index: usize,
        /// Digest of the uncompressed layer tar (`rootfs.diff_ids`).
        diff_id: String,
        /// Digest of the layer blob as stored, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
        /// Path of the file inside the image.
        path: String,
        /// Whether a later layer deletes the file (it is still in the image's blobs).
        deleted: bool,
        /// The layer whose whiteout deletes it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deleted_in: Option<usize>,
        /// The history entry that created the layer, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        history: Option<usize>,
    },
}

/// `sha256:0123456789ab` — a digest cut to 12 hex digits for display.
pub fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((algo, hex)) => format!("{algo}:{}", hex.chars().take(12).collect::<String>()),
        None => d.chars().take(12).collect(),
    }
}

impl ImagePart {
    /// A one-line human description.
    pub fn describe(&self) -> String {
        match self {
            ImagePart::Config {
                field,
                index,
                key,
                instruction,
                layer,
            } => match field.as_str() {
                "history" => {
                    let mut s = format!(
                        "{} in history entry {}",
                        instruction.as_deref().unwrap_or("instruction"),
                        index.map_or_else(|| "?".to_string(), |i| i.to_string())
                    );
                    if let Some(l) = layer {
                        s.push_str(&format!(" → layer {l}"));
                    }
                    s
                }
                "env" => format!(
                    "config Env[{}] {}",
                    index.map_or_else(|| "?".to_string(), |i| i.to_string()),
                    key.as_deref().unwrap_or("")
                ),
                "label" => format!("config label {}", key.as_deref().unwrap_or("")),
                "cmd" => "config Cmd".to_string(),
                "entrypoint" => "config Entrypoint".to_string(),
                other => format!("config {other}"),
            },
            ImagePart::Layer {
                index,
                diff_id,
                path,
                deleted_in,
                deleted,
                history,
                ..
            } => {
                let mut s = format!("layer {index} ({}) {path}", short_digest(diff_id));
                if let Some(h) = history {
                    s.push_str(&format!(", created by history entry {h}"));
                }
                match (deleted, deleted_in) {
                    (true, Some(d)) => s.push_str(&format!(", deleted in layer {d}")),
                    (true, None) => s.push_str(", deleted"),
                    _ => {}
                }
                s
            }
        }
    }
}

impl Source {
    /// A one-line human description used by the text report.
    pub fn describe(&self) -> String {
        match self {
            Source::File { path } => format!("file {path}"),
            Source::Git {
                origin,
                commit,
                author_name,
                author_email,
                date,
                summary,
                path,
                blob,
                other_places,
                ..
            } => {
                let short = |id: &str| id.chars().take(12).collect::<String>();
                let mut s = match (origin, commit) {
                    (GitOrigin::Index, _) => {
                        format!("git index (staged) {path}, blob {}", short(blob))
                    }
                    (_, Some(c)) => {
                        let reach = if *origin == GitOrigin::Unreachable {
                            "unreachable "
                        } else {
                            ""
                        };
                        format!(
                            "{reach}commit {} by {author_name} <{author_email}> on {date} \"{summary}\" at {path}",
                            short(c)
                        )
                    }
                    (_, None) => format!("unreachable git blob {blob}"),
                };
                if *other_places > 0 {
                    let plural = if *other_places == 1 { "" } else { "s" };
                    s.push_str(&format!(" (+{other_places} other place{plural})"));
                }
                s
            }
            Source::Agent(a) => a.describe(),
            Source::Image {
                image,
                manifest_digest,
                config_digest,
                platform,
                part,
            } => {
                let digest = manifest_digest.as_deref().unwrap_or(config_digest);
                let platform = platform
                    .as_deref()
                    .map(|p| format!(" [{p}]"))
                    .unwrap_or_default();
                format!(
                    "image {image}@{}{platform}: {}",
                    short_digest(digest),
                    part.describe()
                )
            }
        }
    }
}

/// Where in an agent transcript a finding sits, and who put it there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentOrigin {
    /// The agent or tool that wrote the file (`Claude Code`, `Codex CLI`, …).
    pub agent: String,
    /// The detected file format (`claude-code-session`, `cursor-state-db`, …).
    pub format: String,
    /// The transcript file.
    pub path: String,
    /// 1-based line of a JSONL record, or row id of a database row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// Database table and key of the row (SQLite stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// RFC 6901 pointer of the JSON string leaf within the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Pointers inside JSON held in that string, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inner_pointers: Vec<String>,
    /// Session, conversation, task or trace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Position of the message in its session (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_index: Option<u64>,
    /// Id of the message, record or span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// `user`, `assistant`, `tool`, `system`, `developer` or `config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// What the text is (`tool_result`, `tool_input`, `user_prompt`, `mcp_env`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Tool or MCP server name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Tool-call id joining a call to its result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// A short summary of the tool call (e.g. the shell command), secrets masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_input: Option<String>,
    /// When the record was written (RFC 3339), when the format says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Set when the secret was split across records and reassembled: which records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reassembled_from: Option<String>,
    /// How many times this secret was seen (grouped reports).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub occurrences: u64,
    /// Earliest record time among the occurrences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Latest record time among the occurrences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Other places the same secret was seen (`path:line`), capped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_seen: Vec<String>,
}

fn one() -> u64 {
    1
}

fn is_one(n: &u64) -> bool {
    *n == 1
}

/// Long opaque ids (UUIDs, hashes) shortened to 8 characters; paths, times and short ids kept.
fn short_id(id: &str) -> String {
    if id.chars().count() > 16
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("{}…", id.chars().take(8).collect::<String>())
    } else {
        id.to_string()
    }
}

impl AgentOrigin {
    /// e.g. `Claude Code session 3f2a81c0…, message 41 (tool result of Bash `cat .env`), line 83
    /// /message/content/0/content`.
    pub fn describe(&self) -> String {
        let mut s = self.agent.clone();
        let config = self.role.as_deref() == Some("config");
        if let Some(id) = &self.session {
            if config {
                s.push_str(&format!(" for project {id}"));
            } else {
                s.push_str(&format!(" session {}", short_id(id)));
            }
        }
        if let Some(i) = self.message_index {
            s.push_str(&format!(", message {i}"));
        }
        // `tool_result` reads "tool result"; dotted names (`gen_ai.input.messages`) stay.
        let words = |f: &str| {
            if f.contains('.') {
                f.to_string()
            } else {
                f.replace('_', " ")
            }
        };
        let what = match (
            self.role.as_deref(),
            self.field.as_deref(),
            self.tool.as_deref(),
        ) {
            (_, Some("tool_input"), Some(t)) => Some(format!("tool call {t}")),
            (Some("tool"), _, Some(t)) => Some(format!("tool result of {t}")),
            (Some("tool"), _, None) => Some("tool result".to_string()),
            (Some("config"), Some(f), Some(t)) if f.starts_with("mcp_") => {
                Some(format!("MCP server {t} {}", &f[4..]))
            }
            (Some("config"), f, t) => Some(
                ["config", f.unwrap_or(""), t.unwrap_or("")]
                    .iter()
                    .filter(|x| !x.is_empty())
                    .map(|x| words(x))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            (Some(r), Some(f), _) if f.starts_with(r) => Some(words(f)),
            (Some(r), Some(f), _) => Some(format!("{r} {}", words(f))),
            (Some(r), None, _) => Some(format!("{r} message")),
            (None, Some(f), _) => Some(words(f)),
            _ => None,
        };
        if let Some(mut w) = what {
            if let Some(inp) = &self.tool_input {
                w.push_str(&format!(" `{inp}`"));
            }
            s.push_str(&format!(" ({w})"));
        }
        if let Some(r) = self.record {
            let unit = if self.key.is_some() { "row" } else { "line" };
            s.push_str(&format!(", {unit} {r}"));
        }
        if let Some(k) = &self.key {
            s.push_str(&format!(" {k}"));
        }
        if let Some(p) = &self.pointer {
            s.push_str(&format!(" {p}"));
            for ip in &self.inner_pointers {
                s.push_str(&format!(" → {ip}"));
            }
        }
        if let Some(r) = &self.reassembled_from {
            s.push_str(&format!(", reassembled from {r}"));
        }
        if self.occurrences > 1 {
            s.push_str(&format!("; seen {} times", self.occurrences));
            if let (Some(a), Some(b)) = (&self.first_seen, &self.last_seen) {
                s.push_str(&format!(" ({a} … {b})"));
            }
        }
        s
    }
}

/// Outcome of a live check; filled in by the validation stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// `live`, `live_restricted`, `dead` or `unknown`.
    pub status: String,
    /// Why the status was chosen.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Identity and reach the provider revealed (login, account, scopes…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, String>,
}

/// One detected secret at one location.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id, e.g. `github.pat.classic`.
    pub rule_id: String,
    /// Human rule name.
    pub rule_name: String,
    /// Provider display name.
    pub provider: String,
    /// Severity of a leak.
    pub severity: Severity,
    /// Confidence that this is a real credential.
    pub confidence: Confidence,
    /// The secret (redacted unless the scan ran with `--show-secrets`).
    pub secret: Secret,
    /// Character length of the secret.
    pub secret_length: usize,
    /// Hash of rule id + secret.
    pub fingerprint: String,
    /// Paired parts (e.g. `key_id` for an AWS secret key), redacted like the secret.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts: BTreeMap<String, Secret>,
    /// Where in the blob.
    pub location: Location,
    /// Where the blob came from.
    pub source: Source,
    /// Decoders applied to reach the secret, outermost first (`json-string`, `base64`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decoding: Vec<String>,
    /// The line around the secret, with every secret on it masked (unless shown).
    #[serde(default)]
    pub snippet: String,
    /// Whether the rule's checksum verified the token (`None`: the rule has no checksum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_valid: Option<bool>,
    /// How to rotate the secret.
    pub remediation: String,
    /// Live-check outcome, when validation ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
}

impl Finding {
    /// The key findings are sorted and deduplicated by, so every output is deterministic.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str, u64) {
        (
            &self.location.path,
            self.location.line,
            self.location.column,
            &self.rule_id,
            &self.fingerprint,
            self.location.offset,
        )
    }

    /// The report order: [`Finding::sort_key`], then the source, so findings that differ only
    /// in where they came from (one blob introduced by two commits) come out in the same order
    /// whatever order the threads found them in, and duplicates end up side by side.
    pub fn report_order(&self, other: &Finding) -> std::cmp::Ordering {
        self.sort_key()
            .cmp(&other.sort_key())
            .then_with(|| format!("{:?}", self.source).cmp(&format!("{:?}", other.source)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_everywhere_by_default() {
        let s = Secret::new("abcdefghijklmnopqrstuvwxyz0123".into(), false);
        assert_eq!(s.redacted(), "abcdef…(30 chars)");
        assert!(!format!("{s:?}").contains("ghijkl"));
        assert!(!format!("{s}").contains("ghijkl"));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abcdef…(30 chars)\"");
        let shown = Secret::new("abcdefghijklmnopqrstuvwxyz0123".into(), true);
        assert!(format!("{shown}").contains("ghijkl"));
        assert!(!format!("{shown:?}").contains("ghijkl"));
    }

    #[test]
    fn redacted_values_read_back_stay_as_they_were() {
        let s: Secret = serde_json::from_str("\"ghp_ab…(40 chars)\"").unwrap();
        assert!(!s.is_known());
        assert_eq!(s.redacted(), "ghp_ab…(40 chars)");
        let full: Secret = serde_json::from_str("\"hunter2hunter2\"").unwrap();
        assert!(full.is_known());
        assert_eq!(full.redacted(), "hu…(14 chars)");
    }

    #[test]
    fn short_secrets_reveal_almost_nothing() {
        assert_eq!(redact("hunter2"), "h…(7 chars)");
        assert_eq!(redact("abc"), "…(3 chars)");
    }

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        assert_eq!(fingerprint("a", "x"), fingerprint("a", "x"));
        assert_ne!(fingerprint("a", "x"), fingerprint("b", "x"));
        assert_eq!(fingerprint("a", "x").len(), 32);
    }
}
