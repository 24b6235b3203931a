//! VS Code chat sessions (the `{kind, k, v}` mutation log and the legacy JSON document) and the
//! GitHub Copilot CLI `events.jsonl`.

use std::collections::HashMap;

use crate::sources::agents::attrib::{Attribution, Record, Tracker, normalize_time, starts_with};
use crate::sources::agents::json::Kind;

/// A chat session. The request index comes from the path (`requests/N/…`) or, in mutation
/// lines, from `k`.
pub struct Chat {
    session: Option<String>,
}

impl Chat {
    /// A tracker; `stem` (the file name) is the session id until the log names one.
    pub fn new(stem: Option<String>) -> Self {
        Chat { session: stem }
    }

    /// The full path of a leaf inside the session object, for document and mutation lines.
    fn session_path(rec: &Record<'_>, path: &[String]) -> Vec<String> {
        match rec.str(&["kind"]).as_deref() {
            Some("1" | "2") if starts_with(path, &["v"]) => {
                let mut k: Vec<String> = rec
                    .node(&["k"])
                    .map(|n| {
                        rec.doc
                            .children(n)
                            .filter_map(|c| rec.doc.str(rec.raw, c).map(|s| s.into_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                let rest = &path[1..];
                if rec.str(&["kind"]).as_deref() == Some("2") && !rest.is_empty() {
                    // Appended items: the first segment indexes the appended batch.
                    k.push("+".into());
                    k.extend(rest[1..].iter().cloned());
                } else {
                    k.extend(rest.iter().cloned());
                }
                k
            }
            Some("0") if starts_with(path, &["v"]) => path[1..].to_vec(),
            _ => path.to_vec(),
        }
    }
}

impl Tracker for Chat {
    fn observe(&mut self, rec: &Record<'_>) {
        if let Some(s) = rec
            .str(&["v", "sessionId"])
            .or_else(|| rec.str(&["sessionId"]))
        {
            self.session = Some(s);
        }
    }

    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let p = Self::session_path(rec, path);
        let mut a = Attribution {
            session: self.session.clone(),
            ..Default::default()
        };
        if starts_with(&p, &["requests"]) {
            a.message_index = p.get(1).and_then(|s| s.parse().ok());
            match p.get(2).map(String::as_str) {
                Some("message") => {
                    a.role = Some("user".into());
                    a.field = Some("user_prompt".into());
                }
                Some("variableData") => {
                    a.role = Some("user".into());
                    a.field = Some("attachment".into());
                }
                Some("response") => {
                    a.role = Some("assistant".into());
                    a.field = Some("response".into());
                    if path
                        .iter()
                        .any(|s| s == "toolSpecificData" || s == "resultDetails")
                    {
                        a.role = Some("tool".into());
                        a.field = Some("tool_result".into());
                    }
                }
                Some("result") => {
                    a.role = Some("tool".into());
                    a.field = Some("tool_result".into());
                }
                Some(x) => a.field = Some(x.into()),
                None => {}
            }
        } else if starts_with(&p, &["inputState"]) {
            a.role = Some("user".into());
            a.field = Some("draft".into());
        }
        a
    }

    fn fragments(&self, rec: &Record<'_>) -> Vec<(String, usize)> {
        // `{"kind":2,"k":["requests",N,"response"],"v":[{"value":"…"}…]}`: markdown pieces.
        if rec.str(&["kind"]).as_deref() != Some("2") {
            return Vec::new();
        }
        let k = rec.node(&["k"]).map(|n| {
            rec.doc
                .children(n)
                .filter_map(|c| rec.doc.str(rec.raw, c).map(|s| s.into_owned()))
                .collect::<Vec<_>>()
        });
        let Some(k) = k.filter(|k| k.last().map(String::as_str) == Some("response")) else {
            return Vec::new();
        };
        let key = k.join("/");
        let Some(v) = rec.node(&["v"]) else {
            return Vec::new();
        };
        rec.doc
            .children(v)
            .filter_map(|item| rec.doc.child(rec.raw, item, "value"))
            .filter(|&n| matches!(rec.doc.nodes[n].kind, Kind::String { .. }))
            .map(|n| (key.clone(), n))
            .collect()
    }
}

/// Copilot CLI `session-state/<id>/events.jsonl`.
pub struct CopilotCli {
    session: Option<String>,
    tools: HashMap<String, String>,
    messages: u64,
    current: Option<u64>,
}

impl CopilotCli {
    /// A tracker; `dir` (the session folder name) is the session id.
    pub fn new(dir: Option<String>) -> Self {
        CopilotCli {
            session: dir,
            tools: HashMap::new(),
            messages: 0,
            current: None,
        }
    }
}

impl Tracker for CopilotCli {
    fn observe(&mut self, rec: &Record<'_>) {
        let t = rec.str(&["type"]).unwrap_or_default();
        self.current = None;
        if t == "user.message" || t == "assistant.message" {
            self.current = Some(self.messages);
            self.messages += 1;
        }
        if t == "session.start"
            && let Some(s) = rec.str(&["data", "sessionId"])
        {
            self.session = Some(s);
        }
        if t == "tool.execution_start"
            && let (Some(id), Some(name)) = (
                rec.str(&["data", "toolCallId"]),
                rec.str(&["data", "toolName"]),
            )
        {
            self.tools.insert(id, name);
        }
    }

    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let t = rec.str(&["type"]).unwrap_or_default();
        let mut a = Attribution {
            session: self.session.clone(),
            message_id: rec.str(&["id"]),
            timestamp: rec.str(&["timestamp"]).map(|t| normalize_time(&t)),
            message_index: self.current,
            field: Some(t.clone()),
            ..Default::default()
        };
        match t.as_str() {
            "user.message" => {
                a.role = Some("user".into());
                a.field = Some("user_prompt".into());
            }
            "assistant.message" | "assistant.message_delta" => {
                a.role = Some("assistant".into());
                if starts_with(path, &["data", "toolRequests"])
                    && let Some(i) = path.get(2)
                {
                    a.field = Some("tool_input".into());
                    a.tool = rec.str(&["data", "toolRequests", i, "name"]);
                    a.tool_call_id = rec.str(&["data", "toolRequests", i, "toolCallId"]);
                }
            }
            x if x.starts_with("tool.") => {
                a.tool_call_id = rec.str(&["data", "toolCallId"]);
                a.tool = rec.str(&["data", "toolName"]).or_else(|| {
                    a.tool_call_id
                        .as_ref()
                        .and_then(|i| self.tools.get(i).cloned())
                });
                if starts_with(path, &["data", "arguments"]) {
                    a.role = Some("assistant".into());
                    a.field = Some("tool_input".into());
                } else {
                    a.role = Some("tool".into());
                    a.field = Some("tool_result".into());
                }
            }
            _ => {}
        }
        a
    }

    fn fragments(&self, rec: &Record<'_>) -> Vec<(String, usize)> {
        if rec.str(&["type"]).as_deref() != Some("assistant.message_delta") {
            return Vec::new();
        }
        let key = rec
            .str(&["data", "messageId"])
            .unwrap_or_else(|| "delta".into());
        rec.node(&["data", "deltaContent"])
            .map(|n| vec![(key, n)])
            .unwrap_or_default()
    }
}
