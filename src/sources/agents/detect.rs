//! Format detection from a file's path and its first bytes.

use std::path::Path;

use memchr::memmem;

use super::formats::{Container, Format};
use super::json;

/// How many leading bytes detection reads.
pub const HEAD_LEN: usize = 64 << 10;

/// File names that are agent settings, credentials or MCP client configs.
const CONFIG_NAMES: &[&str] = &[
    ".claude.json",
    ".mcp.json",
    "mcp.json",
    "claude_desktop_config.json",
    "settings.json",
    "settings.local.json",
    ".credentials.json",
    "auth.json",
    "oauth_creds.json",
    "mcp-oauth-tokens.json",
    "mcp_config.json",
    "mcp-config.json",
    "cline_mcp_settings.json",
    "mcp_settings.json",
];

/// The format of `path` (whose first bytes are `head`) and how to read it.
pub fn detect(path: &Path, head: &[u8]) -> (Format, Container) {
    let f = detect_format(path, head);
    let container = match f {
        // Trace exports may be pretty-printed JSON instead of JSON Lines.
        Format::Otel | Format::AgentsSdk | Format::LangSmith | Format::Langfuse
            if !first_line_parses(head) =>
        {
            Container::Json
        }
        Format::GenericJsonl if !first_line_parses(head) => Container::Json,
        _ => f.container(),
    };
    let f = match (f, container) {
        (Format::GenericJsonl, Container::Json) => Format::GenericJson,
        _ => f,
    };
    (f, container)
}

fn first_line(head: &[u8]) -> &[u8] {
    let t = head.trim_ascii_start();
    let end = memchr::memchr(b'\n', t).unwrap_or(t.len());
    t[..end].trim_ascii()
}

fn first_line_parses(head: &[u8]) -> bool {
    json::parse(first_line(head), json::MAX_DEPTH).is_ok()
}

fn has(head: &[u8], key: &str) -> bool {
    memmem::find(head, format!("\"{key}\"").as_bytes()).is_some()
}

fn detect_format(path: &Path, head: &[u8]) -> Format {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let p = path.to_string_lossy().replace('\\', "/");
    let lp = p.to_lowercase();
    if head.starts_with(b"SQLite format 3\0") {
        return if name.ends_with(".vscdb") || lp.contains("cursor") {
            Format::CursorDb
        } else {
            Format::GenericSqlite
        };
    }
    match name.as_str() {
        n if n.ends_with(".chat.history.md") => return Format::AiderChat,
        n if n.ends_with(".input.history") && n.starts_with(".aider") => {
            return Format::AiderInput;
        }
        n if n.ends_with(".llm.history") => return Format::AiderLlm,
        n if n.ends_with(".toml") => return Format::TomlConfig,
        "api_conversation_history.json" | "claude_messages.json" => return Format::ClineApi,
        "ui_messages.json" => return Format::ClineUi,
        "logs.json" if lp.contains("/.gemini/") => return Format::GeminiLogs,
        n if n.starts_with("checkpoint-") && n.ends_with(".json") && lp.contains(".gemini") => {
            return Format::GeminiCheckpoint;
        }
        "events.jsonl" if lp.contains("session-state") => return Format::CopilotEvents,
        n if CONFIG_NAMES.contains(&n) || n.starts_with(".claude.json") => {
            return Format::McpConfig;
        }
        _ => {}
    }
    if lp.contains("/.claude/")
        && (lp.contains("/tool-results/") || lp.contains("/paste-cache/"))
        && !name.ends_with(".json")
    {
        return Format::ClaudeSideFile;
    }
    let t = head.trim_ascii_start();
    if !matches!(t.first(), Some(b'{' | b'[')) {
        return Format::Text;
    }
    let line = first_line(head);
    if let Ok(doc) = json::parse(line, json::MAX_DEPTH) {
        let key = |k: &str| doc.child(line, 0, k).is_some();
        let s = |k: &str| doc.get_str(line, 0, &[k]).map(|x| x.into_owned());
        let f = if key("type") && key("payload") && key("timestamp") {
            Format::CodexRollout
        } else if key("session_id") && key("ts") && key("text") {
            Format::CodexHistory
        } else if key("display") && (key("timestamp") || key("project")) {
            Format::ClaudeHistory
        } else if key("sessionId") && key("projectHash") {
            if key("messages") {
                Format::GeminiChatJson
            } else {
                Format::GeminiChat
            }
        } else if key("type")
            && (key("parentUuid") || key("leafUuid") || key("snapshot") || key("sessionId"))
        {
            Format::ClaudeSession
        } else if key("kind") && key("v") {
            Format::VsCodeChat
        } else if key("type")
            && key("data")
            && key("id")
            && s("type").is_some_and(|t| t.contains('.'))
        {
            Format::CopilotEvents
        } else if key("resourceSpans") || key("resourceLogs") {
            Format::Otel
        } else if s("object").is_some_and(|o| o.starts_with("trace")) {
            Format::AgentsSdk
        } else if key("run_type") {
            Format::LangSmith
        } else if key("observations") || (key("traceId") && key("input")) {
            Format::Langfuse
        } else if key("mcpServers") || key("servers") && name.contains("mcp") {
            return Format::McpConfig;
        } else if key("requests") && key("sessionId") {
            Format::VsCodeChatJson
        } else if lp.contains("/.claude/projects/") && name.ends_with(".jsonl") {
            Format::ClaudeSession
        } else if lp.contains("/.gemini/") && key("id") && key("type") {
            Format::GeminiChat
        } else {
            Format::GenericJsonl
        };
        // A single-line file that is one whole document.
        return f;
    }
    // Pretty-printed JSON: sniff keys.
    if has(head, "mcpServers") {
        Format::McpConfig
    } else if has(head, "requests") && has(head, "sessionId") {
        Format::VsCodeChatJson
    } else if has(head, "projectHash") && has(head, "messages") {
        Format::GeminiChatJson
    } else if has(head, "history") && has(head, "parts") {
        Format::GeminiCheckpoint
    } else if has(head, "resourceSpans") {
        Format::Otel
    } else if has(head, "run_type") {
        Format::LangSmith
    } else if has(head, "observations") || has(head, "traceId") && has(head, "input") {
        Format::Langfuse
    } else if memmem::find(head, b"\"trace.span\"").is_some() {
        Format::AgentsSdk
    } else if lp.contains("/.claude/projects/") && name.ends_with(".jsonl") {
        Format::ClaudeSession
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Format::GenericJsonl
    } else {
        Format::GenericJson
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(path: &str, head: &str) -> (Format, Container) {
        detect(Path::new(path), head.as_bytes())
    }

    #[test]
    fn detects_by_content_and_path() {
        assert_eq!(
            d(
                "/h/.claude/projects/-x/a.jsonl",
                "{\"type\":\"user\",\"sessionId\":\"s\",\"parentUuid\":null}\n"
            )
            .0,
            Format::ClaudeSession
        );
        assert_eq!(
            d(
                "x.jsonl",
                "{\"timestamp\":\"t\",\"type\":\"session_meta\",\"payload\":{}}\n"
            )
            .0,
            Format::CodexRollout
        );
        assert_eq!(
            d(
                "/h/.codex/history.jsonl",
                "{\"session_id\":\"a\",\"ts\":1,\"text\":\"x\"}\n"
            )
            .0,
            Format::CodexHistory
        );
        assert_eq!(
            d(
                "/h/.claude/history.jsonl",
                "{\"display\":\"x\",\"timestamp\":1}\n"
            )
            .0,
            Format::ClaudeHistory
        );
        assert_eq!(
            d("a/.mcp.json", "{\n \"mcpServers\": {}\n}").0,
            Format::McpConfig
        );
        assert_eq!(
            d("t.json", "{\n \"resourceSpans\": []\n}"),
            (Format::Otel, Container::Json)
        );
        assert_eq!(
            d("t.jsonl", "{\"resourceSpans\": []}\n"),
            (Format::Otel, Container::Jsonl)
        );
        assert_eq!(
            d("x/.aider.chat.history.md", "# aider").0,
            Format::AiderChat
        );
        assert_eq!(d("x/notes.txt", "hello").0, Format::Text);
        assert_eq!(
            d("/h/.claude/projects/-x/s1/tool-results/toolu_1.txt", "out").0,
            Format::ClaudeSideFile
        );
        assert_eq!(
            d("x/state.vscdb", "SQLite format 3\0...").0,
            Format::CursorDb
        );
        assert_eq!(
            d("x.json", "{\n \"a\": 1\n}"),
            (Format::GenericJson, Container::Json)
        );
        assert_eq!(
            d("x.jsonl", "{\"a\": 1}\n{\"a\": 2}\n"),
            (Format::GenericJsonl, Container::Jsonl)
        );
    }
}
