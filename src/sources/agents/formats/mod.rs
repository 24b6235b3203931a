//! The transcript formats leakhound knows, how each is stored, and its attribution tracker.

pub mod aider;
pub mod claude;
pub mod cline;
pub mod codex;
pub mod cursor;
pub mod gemini;
pub mod mcp;
pub mod traces;
pub mod vscode;

use std::path::Path;

use super::attrib::{Plain, TextTracker, Tracker};

/// How a format's records are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// One JSON value per line.
    Jsonl,
    /// One JSON value per file.
    Json,
    /// An SQLite database.
    Sqlite,
    /// Text.
    Text,
}

/// A recognised file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Claude Code session (`~/.claude/projects/*/*.jsonl`, sub-agents).
    ClaudeSession,
    /// Claude Code prompt history (`~/.claude/history.jsonl`).
    ClaudeHistory,
    /// Codex CLI rollout (`~/.codex/sessions/…/rollout-*.jsonl`).
    CodexRollout,
    /// Codex CLI prompt history (`~/.codex/history.jsonl`).
    CodexHistory,
    /// Gemini CLI chat recording (JSONL).
    GeminiChat,
    /// Gemini CLI legacy chat (one JSON conversation record).
    GeminiChatJson,
    /// Gemini CLI `logs.json` prompt log.
    GeminiLogs,
    /// Gemini CLI `checkpoint-*.json`.
    GeminiCheckpoint,
    /// Cursor `state.vscdb`.
    CursorDb,
    /// VS Code chat session mutation log (JSONL).
    VsCodeChat,
    /// VS Code chat session (legacy JSON).
    VsCodeChatJson,
    /// GitHub Copilot CLI `events.jsonl`.
    CopilotEvents,
    /// Cline / Roo Code `api_conversation_history.json`.
    ClineApi,
    /// Cline / Roo Code `ui_messages.json`.
    ClineUi,
    /// OpenTelemetry OTLP/JSON traces (GenAI conventions).
    Otel,
    /// OpenAI Agents SDK trace export.
    AgentsSdk,
    /// LangSmith run export.
    LangSmith,
    /// Langfuse trace or observation export.
    Langfuse,
    /// An MCP client configuration or agent settings/credentials file (JSON).
    McpConfig,
    /// Agent configuration in TOML (`~/.codex/config.toml`).
    TomlConfig,
    /// Aider `.aider.chat.history.md`.
    AiderChat,
    /// Aider `.aider.input.history`.
    AiderInput,
    /// Aider `.aider.llm.history`.
    AiderLlm,
    /// JSON Lines of unknown shape.
    GenericJsonl,
    /// JSON of unknown shape.
    GenericJson,
    /// SQLite of unknown shape (e.g. an Agents SDK session store).
    GenericSqlite,
    /// Claude Code side files: `tool-results/<id>.txt` (full tool output) and
    /// `paste-cache/<hash>.txt` (long pasted prompts).
    ClaudeSideFile,
    /// Any other text (file-history copies, shell snapshots, …).
    Text,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 28] = [
        Format::ClaudeSession,
        Format::ClaudeHistory,
        Format::CodexRollout,
        Format::CodexHistory,
        Format::GeminiChat,
        Format::GeminiChatJson,
        Format::GeminiLogs,
        Format::GeminiCheckpoint,
        Format::CursorDb,
        Format::VsCodeChat,
        Format::VsCodeChatJson,
        Format::CopilotEvents,
        Format::ClineApi,
        Format::ClineUi,
        Format::Otel,
        Format::AgentsSdk,
        Format::LangSmith,
        Format::Langfuse,
        Format::McpConfig,
        Format::TomlConfig,
        Format::AiderChat,
        Format::AiderInput,
        Format::AiderLlm,
        Format::GenericJsonl,
        Format::GenericJson,
        Format::GenericSqlite,
        Format::ClaudeSideFile,
        Format::Text,
    ];

    /// Stable name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::ClaudeSession => "claude-code-session",
            Format::ClaudeHistory => "claude-code-history",
            Format::CodexRollout => "codex-rollout",
            Format::CodexHistory => "codex-history",
            Format::GeminiChat => "gemini-chat",
            Format::GeminiChatJson => "gemini-chat-json",
            Format::GeminiLogs => "gemini-logs",
            Format::GeminiCheckpoint => "gemini-checkpoint",
            Format::CursorDb => "cursor-state-db",
            Format::VsCodeChat => "vscode-chat",
            Format::VsCodeChatJson => "vscode-chat-json",
            Format::CopilotEvents => "copilot-cli-events",
            Format::ClineApi => "cline-api-history",
            Format::ClineUi => "cline-ui-messages",
            Format::Otel => "otel-traces",
            Format::AgentsSdk => "openai-agents-trace",
            Format::LangSmith => "langsmith-runs",
            Format::Langfuse => "langfuse-export",
            Format::McpConfig => "agent-config",
            Format::TomlConfig => "agent-config-toml",
            Format::AiderChat => "aider-chat-history",
            Format::AiderInput => "aider-input-history",
            Format::AiderLlm => "aider-llm-history",
            Format::GenericJsonl => "jsonl",
            Format::GenericJson => "json",
            Format::GenericSqlite => "sqlite",
            Format::ClaudeSideFile => "claude-code-side-file",
            Format::Text => "text",
        }
    }

    /// The agent (or tool) that writes it.
    pub fn agent(self) -> &'static str {
        match self {
            Format::ClaudeSession | Format::ClaudeHistory | Format::ClaudeSideFile => "Claude Code",
            Format::CodexRollout | Format::CodexHistory => "Codex CLI",
            Format::GeminiChat
            | Format::GeminiChatJson
            | Format::GeminiLogs
            | Format::GeminiCheckpoint => "Gemini CLI",
            Format::CursorDb => "Cursor",
            Format::VsCodeChat | Format::VsCodeChatJson => "VS Code chat",
            Format::CopilotEvents => "Copilot CLI",
            Format::ClineApi | Format::ClineUi => "Cline",
            Format::Otel => "OpenTelemetry trace",
            Format::AgentsSdk => "OpenAI Agents SDK trace",
            Format::LangSmith => "LangSmith",
            Format::Langfuse => "Langfuse",
            Format::McpConfig | Format::TomlConfig => "Agent config",
            Format::AiderChat | Format::AiderInput | Format::AiderLlm => "Aider",
            Format::GenericJsonl | Format::GenericJson => "JSON",
            Format::GenericSqlite => "SQLite",
            Format::Text => "Text",
        }
    }

    /// How its records are stored.
    pub fn container(self) -> Container {
        match self {
            Format::ClaudeSession
            | Format::ClaudeHistory
            | Format::CodexRollout
            | Format::CodexHistory
            | Format::GeminiChat
            | Format::VsCodeChat
            | Format::CopilotEvents
            | Format::GenericJsonl => Container::Jsonl,
            // OTLP, Agents SDK, LangSmith and Langfuse exports come as either; each record is
            // parsed on its own, and a whole-file document is one record.
            Format::Otel | Format::AgentsSdk | Format::LangSmith | Format::Langfuse => {
                Container::Jsonl
            }
            Format::GeminiChatJson
            | Format::GeminiLogs
            | Format::GeminiCheckpoint
            | Format::VsCodeChatJson
            | Format::ClineApi
            | Format::ClineUi
            | Format::McpConfig
            | Format::GenericJson => Container::Json,
            Format::CursorDb | Format::GenericSqlite => Container::Sqlite,
            Format::TomlConfig
            | Format::AiderChat
            | Format::AiderInput
            | Format::AiderLlm
            | Format::ClaudeSideFile
            | Format::Text => Container::Text,
        }
    }

    /// A fresh attribution tracker for one file of this format.
    pub fn tracker(self, path: &Path) -> Box<dyn Tracker> {
        match self {
            Format::ClaudeSession => Box::new(claude::Session::default()),
            Format::ClaudeHistory => Box::new(claude::History),
            Format::CodexRollout => Box::new(codex::Rollout::default()),
            Format::CodexHistory => Box::new(codex::History),
            Format::GeminiChat | Format::GeminiChatJson => Box::new(gemini::Chat::default()),
            Format::GeminiLogs => Box::new(gemini::Logs),
            Format::GeminiCheckpoint => Box::new(gemini::Checkpoint),
            Format::VsCodeChat | Format::VsCodeChatJson => {
                Box::new(vscode::Chat::new(file_stem(path)))
            }
            Format::CopilotEvents => Box::new(vscode::CopilotCli::new(parent_name(path))),
            Format::ClineApi => Box::new(cline::Api {
                task: parent_name(path),
            }),
            Format::ClineUi => Box::new(cline::Ui {
                task: parent_name(path),
            }),
            Format::Otel => Box::new(traces::Otel),
            Format::AgentsSdk => Box::new(traces::AgentsSdk),
            Format::LangSmith => Box::new(traces::LangSmith),
            Format::Langfuse => Box::new(traces::Langfuse),
            Format::McpConfig => Box::new(mcp::Config),
            Format::CursorDb => Box::new(cursor::Cursor::default()),
            _ => Box::new(Plain),
        }
    }

    /// Attribution for text formats.
    pub fn text_tracker(self, path: &Path) -> Box<dyn TextTracker> {
        match self {
            Format::ClaudeSideFile => Box::new(claude::SideFile::new(path)),
            Format::AiderChat | Format::AiderInput | Format::AiderLlm => {
                Box::new(aider::Aider { format: self })
            }
            Format::TomlConfig => Box::new(mcp::Toml),
            _ => Box::new(Plain),
        }
    }
}

fn file_stem(path: &Path) -> Option<String> {
    path.file_stem().map(|s| s.to_string_lossy().into_owned())
}

fn parent_name(path: &Path) -> Option<String> {
    path.parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
}

/// Fields that best summarise a tool call's input, in order of preference.
const INPUT_KEYS: &[&str] = &[
    "command",
    "cmd",
    "file_path",
    "filePath",
    "path",
    "target_file",
    "url",
    "pattern",
    "query",
    "description",
];

/// A one-line summary (command, file or URL) of the tool input object at `node`.
pub fn input_summary(rec: &super::attrib::Record<'_>, node: usize) -> Option<String> {
    use super::json::Kind;
    let doc = rec.doc;
    match doc.nodes.get(node)?.kind {
        Kind::String { .. } => {
            let s = doc.str(rec.raw, node)?;
            // JSON inside a string (Codex `arguments`, Cursor `rawArgs`).
            match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(v) if v.is_object() => value_summary(&v),
                _ => Some(super::attrib::summarize(&s, 2000)),
            }
        }
        Kind::Object => INPUT_KEYS.iter().find_map(|k| {
            let c = doc.child(rec.raw, node, k)?;
            match doc.nodes[c].kind {
                Kind::Array => Some(
                    doc.children(c)
                        .filter_map(|e| doc.str(rec.raw, e).map(|s| s.into_owned()))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => doc.str(rec.raw, c).map(|s| s.into_owned()),
            }
            .map(|s| super::attrib::summarize(&s, 2000))
        }),
        _ => None,
    }
}

/// [`input_summary`] for an already decoded value.
pub fn value_summary(v: &serde_json::Value) -> Option<String> {
    INPUT_KEYS.iter().find_map(|k| {
        let x = v.get(k)?;
        let s = match x {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            _ => return None,
        };
        Some(super::attrib::summarize(&s, 2000))
    })
}
