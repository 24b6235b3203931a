//! Attribution: who wrote the text a secret was found in (session, message, role, tool call),
//! computed per format by a [`Tracker`] that sees every record of a file in order.

use super::json::Doc;

/// One record of a transcript: a JSONL line, a whole JSON file or a database value.
#[derive(Debug, Clone, Copy)]
pub struct Record<'r> {
    /// The record's raw bytes.
    pub raw: &'r [u8],
    /// Its parsed document.
    pub doc: &'r Doc,
    /// 0-based ordinal of the record in its file or table.
    pub index: u64,
    /// The database key of the row, for key/value stores.
    pub key: Option<&'r str>,
}

impl<'r> Record<'r> {
    /// The decoded string (or number/bool text) at `path` from the root.
    pub fn str(&self, path: &[&str]) -> Option<String> {
        self.doc.get_str(self.raw, 0, path).map(|s| s.into_owned())
    }

    /// The decoded string at `path` below `node`.
    pub fn str_at(&self, node: usize, path: &[&str]) -> Option<String> {
        self.doc
            .get_str(self.raw, node, path)
            .map(|s| s.into_owned())
    }

    /// The node at `path` from the root.
    pub fn node(&self, path: &[&str]) -> Option<usize> {
        self.doc.get(self.raw, 0, path)
    }
}

/// What is known about the text holding a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    /// Session, conversation, task or trace id.
    pub session: Option<String>,
    /// Position of the message in its session.
    pub message_index: Option<u64>,
    /// Message, record or span id.
    pub message_id: Option<String>,
    /// `user`, `assistant`, `tool`, `system`, `developer` or `config`.
    pub role: Option<String>,
    /// What the text is (`tool_result`, `tool_input`, `user_prompt`, …).
    pub field: Option<String>,
    /// Tool or MCP server name.
    pub tool: Option<String>,
    /// Tool-call id.
    pub tool_call_id: Option<String>,
    /// The tool call's command or target, unmasked (the caller masks secrets in it).
    pub tool_input: Option<String>,
    /// Record time (RFC 3339 when known, else as written).
    pub timestamp: Option<String>,
    /// Overrides the agent name (e.g. a sub-agent).
    pub agent: Option<String>,
}

/// Per-format attribution state for one file.
pub trait Tracker: Send {
    /// Sees every record of the file in order, before its findings are attributed.
    fn observe(&mut self, _rec: &Record<'_>) {}

    /// Attribution of the string leaf at `path` (segments from the record root) in `rec`.
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution;

    /// Leaves of this record that are pieces of a streamed value, with the key of their stream;
    /// consecutive pieces of one stream are reassembled before scanning.
    fn fragments(&self, _rec: &Record<'_>) -> Vec<(String, usize)> {
        Vec::new()
    }
}

/// Attribution for text files: the byte offset of the secret in the file.
pub trait TextTracker: Send + Sync {
    /// Attribution of the text at `offset` in `src`.
    fn attribute(&self, src: &[u8], offset: usize) -> Attribution;
}

/// No attribution beyond the file itself.
pub struct Plain;

impl Tracker for Plain {
    fn attribute(&self, rec: &Record<'_>, _path: &[String]) -> Attribution {
        Attribution {
            timestamp: ["timestamp", "time", "ts", "created_at", "createdAt"]
                .iter()
                .find_map(|k| rec.str(&[k])),
            ..Default::default()
        }
    }
}

impl TextTracker for Plain {
    fn attribute(&self, _src: &[u8], _offset: usize) -> Attribution {
        Attribution::default()
    }
}

/// Normalises a record time: RFC 3339 text stays; epoch seconds or milliseconds become RFC 3339.
pub fn normalize_time(t: &str) -> String {
    if let Ok(n) = t.parse::<i64>() {
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        if let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(secs)
            && let Ok(s) = dt.format(&time::format_description::well_known::Rfc3339)
        {
            return s;
        }
    }
    t.to_string()
}

/// At most `n` characters of `s` on one line, cut at a word boundary (so a long token is never
/// shown in part), with `…` when cut.
pub fn summarize(s: &str, n: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= n {
        return one;
    }
    let cut: String = one.chars().take(n).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => "…".to_string(),
    }
}

/// The segment of `path` at `i` as a number.
pub fn index_at(path: &[String], i: usize) -> Option<usize> {
    path.get(i)?.parse().ok()
}

/// Whether `path` starts with `prefix` (string segments; `*` matches any one segment).
pub fn starts_with(path: &[String], prefix: &[&str]) -> bool {
    path.len() >= prefix.len()
        && path
            .iter()
            .zip(prefix)
            .all(|(a, b)| *b == "*" || a.as_str() == *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_normalise() {
        assert_eq!(normalize_time("1778318043120"), "2026-05-09T09:14:03Z");
        assert_eq!(normalize_time("1778318043"), "2026-05-09T09:14:03Z");
        assert_eq!(
            normalize_time("2026-05-12T09:14:19.016Z"),
            "2026-05-12T09:14:19.016Z"
        );
    }

    #[test]
    fn summaries_are_short_and_single_line() {
        assert_eq!(summarize("cat  .env\n", 20), "cat .env");
        assert_eq!(summarize("abcdefghij", 4), "…");
        assert_eq!(summarize("cat abcdefghij", 8), "cat…");
    }
}
