//! Codex CLI: rollout JSONL (`{timestamp, type, payload}` lines) and `history.jsonl`.

use std::collections::HashMap;

use crate::sources::agents::attrib::{Attribution, Record, Tracker, normalize_time, starts_with};

use super::input_summary;

/// A rollout file: joins `function_call_output` to its `function_call` by `call_id`.
#[derive(Default)]
pub struct Rollout {
    session: Option<String>,
    /// call_id → (tool name, input summary).
    calls: HashMap<String, (String, Option<String>)>,
    items: u64,
    current: Option<u64>,
}

const CALLS: &[&str] = &["function_call", "custom_tool_call", "local_shell_call"];

impl Tracker for Rollout {
    fn observe(&mut self, rec: &Record<'_>) {
        let t = rec.str(&["type"]);
        let pt = rec.str(&["payload", "type"]);
        self.current = None;
        match t.as_deref() {
            Some("session_meta") => self.session = rec.str(&["payload", "id"]),
            Some("response_item") => {
                self.current = Some(self.items);
                self.items += 1;
                if let Some(pt) = pt.filter(|p| CALLS.contains(&p.as_str()))
                    && let Some(id) = rec.str(&["payload", "call_id"])
                {
                    let name = rec.str(&["payload", "name"]).unwrap_or(pt.clone());
                    let input = ["arguments", "input", "action"]
                        .iter()
                        .find_map(|k| rec.node(&["payload", k]))
                        .and_then(|n| input_summary(rec, n));
                    self.calls.insert(id, (name, input));
                }
            }
            _ => {}
        }
    }

    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution {
            session: self.session.clone(),
            timestamp: rec.str(&["timestamp"]).map(|t| normalize_time(&t)),
            message_index: self.current,
            ..Default::default()
        };
        let t = rec.str(&["type"]).unwrap_or_default();
        let pt = rec.str(&["payload", "type"]).unwrap_or_default();
        let call = rec.str(&["payload", "call_id"]);
        let join = |a: &mut Attribution| {
            if let Some((name, input)) = call.as_ref().and_then(|c| self.calls.get(c)) {
                a.tool = Some(name.clone());
                a.tool_input = input.clone();
            }
            a.tool_call_id = call.clone();
        };
        match (t.as_str(), pt.as_str()) {
            ("response_item", "message") => {
                a.role = rec.str(&["payload", "role"]);
                a.field = Some("message".into());
            }
            ("response_item", p) if CALLS.contains(&p) => {
                a.role = Some("assistant".into());
                a.field = Some("tool_input".into());
                join(&mut a);
            }
            ("response_item", "function_call_output" | "custom_tool_call_output")
            | ("event_msg", "exec_command_end" | "patch_apply_end" | "mcp_tool_call_end") => {
                a.role = Some("tool".into());
                a.field = Some("tool_result".into());
                join(&mut a);
                if a.tool.is_none() && pt == "patch_apply_end" {
                    a.tool = Some("apply_patch".into());
                }
            }
            ("response_item", "reasoning") => {
                a.role = Some("assistant".into());
                a.field = Some("reasoning".into());
            }
            ("event_msg", "user_message") => {
                a.role = Some("user".into());
                a.field = Some("user_prompt".into());
            }
            ("event_msg", "agent_message" | "task_complete" | "agent_reasoning") => {
                a.role = Some("assistant".into());
                a.field = Some(pt.clone());
            }
            ("compacted", _) => {
                a.field = Some("compacted_history".into());
                if starts_with(path, &["payload", "replacement_history"]) {
                    a.role = None;
                }
            }
            ("turn_context", _) => {
                a.role = Some("developer".into());
                a.field = Some("instructions".into());
            }
            ("session_meta", _) => {
                a.role = Some("system".into());
                a.field = Some("session_meta".into());
            }
            (_, p) => {
                a.field = Some(if p.is_empty() {
                    t.clone()
                } else {
                    p.to_string()
                })
            }
        }
        a
    }
}

/// `~/.codex/history.jsonl`: `{session_id, ts, text}`.
pub struct History;

impl Tracker for History {
    fn attribute(&self, rec: &Record<'_>, _path: &[String]) -> Attribution {
        Attribution {
            session: rec.str(&["session_id"]),
            timestamp: rec.str(&["ts"]).map(|t| normalize_time(&t)),
            role: Some("user".into()),
            field: Some("prompt_history".into()),
            ..Default::default()
        }
    }
}
