//! Gemini CLI: chat recordings (JSONL, legacy JSON), `logs.json` and `checkpoint-*.json`.

use std::collections::HashMap;

use crate::sources::agents::attrib::{
    Attribution, Record, Tracker, index_at, normalize_time, starts_with,
};

use super::input_summary;

/// A chat recording. Messages are re-appended whole when they change; the message index is the
/// order in which each id first appears.
#[derive(Default)]
pub struct Chat {
    session: Option<String>,
    ids: HashMap<String, u64>,
    current: Option<u64>,
}

impl Chat {
    fn index_of(&self, id: Option<&String>) -> Option<u64> {
        id.and_then(|i| self.ids.get(i)).copied()
    }

    /// Attribution of `rel` (a path inside message node `msg`).
    fn message(&self, rec: &Record<'_>, msg: usize, rel: &[String], a: &mut Attribution) {
        a.message_id = rec.str_at(msg, &["id"]);
        a.timestamp = rec.str_at(msg, &["timestamp"]).map(|t| normalize_time(&t));
        let role = match rec.str_at(msg, &["type"]).as_deref() {
            Some("user") => "user",
            Some("gemini") => "assistant",
            Some(_) => "system",
            None => return,
        };
        a.role = Some(role.into());
        a.field = Some(
            if role == "user" {
                "user_prompt"
            } else {
                "message"
            }
            .into(),
        );
        if starts_with(rel, &["toolCalls"])
            && let Some(n) = index_at(rel, 1)
            && let Some(call) = rec.doc.get(rec.raw, msg, &["toolCalls", &n.to_string()])
        {
            a.tool = rec.str_at(call, &["name"]);
            a.tool_call_id = rec.str_at(call, &["id"]);
            a.tool_input = rec
                .doc
                .child(rec.raw, call, "args")
                .and_then(|n| input_summary(rec, n));
            if rel.get(2).map(String::as_str) == Some("args") {
                a.field = Some("tool_input".into());
            } else {
                a.role = Some("tool".into());
                a.field = Some("tool_result".into());
            }
        } else if starts_with(rel, &["thoughts"]) {
            a.field = Some("thinking".into());
        }
    }
}

impl Tracker for Chat {
    fn observe(&mut self, rec: &Record<'_>) {
        if rec.node(&["projectHash"]).is_some() || rec.node(&["messages"]).is_some() {
            if let Some(s) = rec.str(&["sessionId"]) {
                self.session = Some(s);
            }
            // Legacy single-document chats: number every message.
            if let Some(ms) = rec.node(&["messages"]) {
                for m in rec.doc.children(ms) {
                    if let Some(id) = rec.str_at(m, &["id"]) {
                        let n = self.ids.len() as u64;
                        self.ids.entry(id).or_insert(n);
                    }
                }
            }
        }
        self.current = None;
        if let Some(id) = rec.str(&["id"]) {
            let n = self.ids.len() as u64;
            self.current = Some(*self.ids.entry(id).or_insert(n));
        }
    }

    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution {
            session: self.session.clone(),
            ..Default::default()
        };
        if starts_with(path, &["messages"])
            && let Some(n) = index_at(path, 1)
            && let Some(m) = rec.node(&["messages", &n.to_string()])
        {
            self.message(rec, m, &path[2..], &mut a);
            a.message_index = self.index_of(a.message_id.as_ref());
        } else if rec.node(&["$set"]).is_some() || rec.node(&["$rewindTo"]).is_some() {
            a.field = Some("$set".into());
        } else {
            a.message_index = self.current;
            self.message(rec, 0, path, &mut a);
        }
        a
    }
}

/// `logs.json`: an array of typed prompts.
pub struct Logs;

impl Tracker for Logs {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let el = index_at(path, 0).and_then(|i| rec.node(&[&i.to_string()]));
        let get = |k: &str| el.and_then(|e| rec.str_at(e, &[k]));
        Attribution {
            session: get("sessionId"),
            message_index: get("messageId").and_then(|m| m.parse().ok()),
            timestamp: get("timestamp").map(|t| normalize_time(&t)),
            role: Some("user".into()),
            field: Some("prompt_history".into()),
            ..Default::default()
        }
    }
}

/// `checkpoint-<tag>.json`: `{history: [{role, parts}]}` in Gemini API shape.
pub struct Checkpoint;

impl Tracker for Checkpoint {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution::default();
        if !starts_with(path, &["history"]) {
            return a;
        }
        let Some(i) = index_at(path, 1) else {
            return a;
        };
        a.message_index = Some(i as u64);
        a.role = rec
            .str(&["history", &i.to_string(), "role"])
            .map(|r| if r == "model" { "assistant".into() } else { r });
        a.field = Some("message".into());
        if let (Some(p), Some(kind)) = (index_at(path, 3), path.get(4)) {
            let part = rec.node(&["history", &i.to_string(), "parts", &p.to_string(), kind]);
            match kind.as_str() {
                "functionCall" => {
                    a.field = Some("tool_input".into());
                    a.tool = part.and_then(|n| rec.str_at(n, &["name"]));
                }
                "functionResponse" => {
                    a.role = Some("tool".into());
                    a.field = Some("tool_result".into());
                    a.tool = part.and_then(|n| rec.str_at(n, &["name"]));
                }
                _ => {}
            }
        }
        a
    }
}
