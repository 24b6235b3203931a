//! Cline and Roo Code task folders: `api_conversation_history.json` and `ui_messages.json`.

use crate::sources::agents::attrib::{Attribution, Record, Tracker, index_at, normalize_time};

use super::input_summary;

/// `api_conversation_history.json`: an array of `{role, content}` API messages.
pub struct Api {
    /// The task id (the folder name).
    pub task: Option<String>,
}

impl Tracker for Api {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution {
            session: self.task.clone(),
            message_index: index_at(path, 0).map(|i| i as u64),
            ..Default::default()
        };
        let Some(i) = index_at(path, 0) else {
            return a;
        };
        let i = i.to_string();
        a.role = rec.str(&[&i, "role"]);
        a.timestamp = rec.str(&[&i, "ts"]).map(|t| normalize_time(&t));
        a.field = Some("message".into());
        if let Some(b) = path.get(2)
            && let Some(block) = rec.node(&[&i, "content", b])
        {
            match rec.str_at(block, &["type"]).as_deref() {
                Some("tool_use") => {
                    a.field = Some("tool_input".into());
                    a.tool = rec.str_at(block, &["name"]);
                    a.tool_call_id = rec.str_at(block, &["id"]);
                    a.tool_input = rec
                        .doc
                        .child(rec.raw, block, "input")
                        .and_then(|n| input_summary(rec, n));
                }
                Some("tool_result") => {
                    a.role = Some("tool".into());
                    a.field = Some("tool_result".into());
                    a.tool_call_id = rec.str_at(block, &["tool_use_id"]);
                }
                _ => {
                    // XML-tool era: results come back as user text "[tool for 'x'] Result:",
                    // the output in the same or a following text block.
                    let header = (0..=index_at(path, 2).unwrap_or(0)).rev().find_map(|j| {
                        let t = rec.str(&[&i, "content", &j.to_string(), "text"])?;
                        let rest = t.strip_prefix('[')?;
                        rest.split_once("] Result:").map(|(h, _)| h.to_string())
                    });
                    if let Some(head) = header {
                        a.role = Some("tool".into());
                        a.field = Some("tool_result".into());
                        let (tool, arg) = head.split_once(" for ").unwrap_or((&head, ""));
                        a.tool = Some(tool.to_string());
                        if !arg.is_empty() {
                            a.tool_input = Some(arg.trim_matches('\'').to_string());
                        }
                    }
                }
            }
        }
        a
    }
}

/// `ui_messages.json`: an array of `{ts, type: ask|say, ask|say, text}`.
pub struct Ui {
    /// The task id (the folder name).
    pub task: Option<String>,
}

impl Tracker for Ui {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution {
            session: self.task.clone(),
            message_index: index_at(path, 0).map(|i| i as u64),
            ..Default::default()
        };
        let Some(i) = index_at(path, 0) else {
            return a;
        };
        let i = i.to_string();
        a.timestamp = rec.str(&[&i, "ts"]).map(|t| normalize_time(&t));
        let kind = rec.str(&[&i, "say"]).or_else(|| rec.str(&[&i, "ask"]));
        a.field = kind.clone();
        a.role = match kind.as_deref() {
            Some("task" | "user_feedback") => Some("user".into()),
            Some("command_output" | "mcp_server_response") => Some("tool".into()),
            Some("tool") => {
                a.tool = rec
                    .node(&[&i, "text"])
                    .and_then(|n| rec.doc.str(rec.raw, n))
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .and_then(|v| v.get("tool").and_then(|t| t.as_str()).map(String::from));
                Some("tool".into())
            }
            Some("command") => {
                a.tool = Some("execute_command".into());
                Some("assistant".into())
            }
            Some("api_req_started") => Some("user".into()),
            Some(_) => Some("assistant".into()),
            None => None,
        };
        if kind.as_deref() == Some("command_output") {
            a.tool = Some("execute_command".into());
        }
        a
    }
}
