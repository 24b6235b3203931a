//! Claude Code: session JSONL (main and sub-agent files) and `history.jsonl`.

use std::collections::HashMap;

use std::path::Path;

use crate::sources::agents::attrib::{
    Attribution, Record, TextTracker, Tracker, index_at, normalize_time, starts_with,
};

use super::input_summary;

/// A session file: joins `tool_result` blocks to the `tool_use` that asked for them.
#[derive(Default)]
pub struct Session {
    /// tool_use id → (tool name, input summary).
    tools: HashMap<String, (String, Option<String>)>,
    messages: u64,
    current: Option<u64>,
}

impl Tracker for Session {
    fn observe(&mut self, rec: &Record<'_>) {
        let t = rec.str(&["type"]);
        self.current = None;
        if matches!(t.as_deref(), Some("user" | "assistant")) {
            self.current = Some(self.messages);
            self.messages += 1;
        }
        if t.as_deref() != Some("assistant") {
            return;
        }
        let Some(content) = rec.node(&["message", "content"]) else {
            return;
        };
        for b in rec.doc.children(content) {
            if rec.str_at(b, &["type"]).as_deref() != Some("tool_use") {
                continue;
            }
            if let (Some(id), Some(name)) = (rec.str_at(b, &["id"]), rec.str_at(b, &["name"])) {
                let input = rec
                    .doc
                    .child(rec.raw, b, "input")
                    .and_then(|n| input_summary(rec, n));
                self.tools.insert(id, (name, input));
            }
        }
    }

    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution {
            session: rec.str(&["sessionId"]),
            message_id: rec.str(&["uuid"]),
            timestamp: rec.str(&["timestamp"]).map(|t| normalize_time(&t)),
            message_index: self.current,
            ..Default::default()
        };
        if rec.str(&["isSidechain"]).as_deref() == Some("true") {
            a.agent = Some("Claude Code sub-agent".into());
        }
        let t = rec.str(&["type"]).unwrap_or_default();
        let block = |i: usize| rec.node(&["message", "content", &i.to_string()]);
        let join = |a: &mut Attribution, id: Option<String>| {
            if let Some((name, input)) = id.as_ref().and_then(|i| self.tools.get(i)) {
                a.tool = Some(name.clone());
                a.tool_input = input.clone();
            }
            a.tool_call_id = id;
        };
        match t.as_str() {
            "user" => {
                if starts_with(path, &["toolUseResult"]) {
                    a.role = Some("tool".into());
                    a.field = Some("tool_use_result".into());
                    let id = block(0).and_then(|b| rec.str_at(b, &["tool_use_id"]));
                    join(&mut a, id);
                } else if let Some(b) = index_at(path, 2)
                    .filter(|_| starts_with(path, &["message", "content"]))
                    .and_then(block)
                {
                    match rec.str_at(b, &["type"]).as_deref() {
                        Some("tool_result") => {
                            a.role = Some("tool".into());
                            a.field = Some("tool_result".into());
                            join(&mut a, rec.str_at(b, &["tool_use_id"]));
                        }
                        Some(other) => {
                            a.role = Some("user".into());
                            a.field = Some(if rec.str(&["isMeta"]).as_deref() == Some("true") {
                                "injected_context".into()
                            } else if other == "text" {
                                "user_prompt".into()
                            } else {
                                other.into()
                            });
                        }
                        None => a.role = Some("user".into()),
                    }
                } else {
                    a.role = Some("user".into());
                    a.field = Some("user_prompt".into());
                }
            }
            "assistant" => {
                a.role = Some("assistant".into());
                if let Some(b) = index_at(path, 2)
                    .filter(|_| starts_with(path, &["message", "content"]))
                    .and_then(block)
                {
                    match rec.str_at(b, &["type"]).as_deref() {
                        Some("tool_use") => {
                            a.field = Some("tool_input".into());
                            a.tool = rec.str_at(b, &["name"]);
                            a.tool_call_id = rec.str_at(b, &["id"]);
                            a.tool_input = rec
                                .doc
                                .child(rec.raw, b, "input")
                                .and_then(|n| input_summary(rec, n));
                        }
                        Some("text") => a.field = Some("assistant_text".into()),
                        Some(x) => a.field = Some(x.into()),
                        None => {}
                    }
                }
            }
            "system" => {
                a.role = Some("system".into());
                a.field = rec.str(&["subtype"]).or(Some("system".into()));
            }
            "queue-operation" => {
                a.role = Some("user".into());
                a.field = Some("queued_prompt".into());
            }
            "progress" => {
                a.role = Some("tool".into());
                a.field = Some("tool_progress".into());
                join(&mut a, rec.str(&["toolUseID"]));
            }
            "" => {}
            other => a.field = Some(other.replace('-', "_")),
        }
        a
    }
}

/// `~/.claude/history.jsonl`: prompts as typed, with pasted text.
pub struct History;

impl Tracker for History {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        Attribution {
            session: rec.str(&["sessionId"]),
            timestamp: rec.str(&["timestamp"]).map(|t| normalize_time(&t)),
            role: Some("user".into()),
            field: Some(if starts_with(path, &["pastedContents"]) {
                "pasted_text".into()
            } else {
                "prompt_history".into()
            }),
            ..Default::default()
        }
    }
}

/// `projects/<cwd>/<session>/tool-results/<tool_use_id>.txt` (the full output of a tool whose
/// transcript entry keeps only a preview) and `paste-cache/<hash>.txt` (long pasted prompts).
pub struct SideFile {
    attribution: Attribution,
}

impl SideFile {
    /// Attribution from the file's place in the tree.
    pub fn new(path: &Path) -> SideFile {
        let name = |p: Option<&Path>| {
            p.and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        };
        let dir = path.parent();
        let mut a = Attribution::default();
        if name(dir).as_deref() == Some("tool-results") {
            a.session = name(dir.and_then(Path::parent));
            a.role = Some("tool".into());
            a.field = Some("tool_result".into());
            a.tool_call_id = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        } else {
            a.role = Some("user".into());
            a.field = Some("pasted_text".into());
        }
        SideFile { attribution: a }
    }
}

impl TextTracker for SideFile {
    fn attribute(&self, _src: &[u8], _offset: usize) -> Attribution {
        self.attribution.clone()
    }
}
