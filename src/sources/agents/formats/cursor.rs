//! Cursor `state.vscdb`: `cursorDiskKV` (`composerData:*`, `bubbleId:*:*`) and `ItemTable` rows.

use std::collections::HashMap;

use crate::sources::agents::attrib::{Attribution, Record, Tracker, starts_with};

use super::input_summary;

/// Row attribution; `order` maps a bubble id to its position in its composer.
#[derive(Default)]
pub struct Cursor {
    order: HashMap<String, u64>,
}

impl Cursor {
    /// Learns message order from a `composerData:*` value (`fullConversationHeadersOnly`).
    pub fn learn_order(&mut self, rec: &Record<'_>) {
        let Some(h) = rec
            .node(&["fullConversationHeadersOnly"])
            .or_else(|| rec.node(&["conversation"]))
        else {
            return;
        };
        for (i, b) in rec.doc.children(h).enumerate() {
            if let Some(id) = rec.str_at(b, &["bubbleId"]) {
                self.order.insert(id, i as u64);
            }
        }
    }
}

impl Tracker for Cursor {
    fn observe(&mut self, rec: &Record<'_>) {
        if rec.key.is_some_and(|k| k.starts_with("composerData:")) {
            self.learn_order(rec);
        }
    }

    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution::default();
        let key = rec.key.unwrap_or_default();
        let parts: Vec<&str> = key.splitn(3, ':').collect();
        match parts.as_slice() {
            ["bubbleId", composer, bubble] => {
                a.session = Some(composer.to_string());
                a.message_id = Some(bubble.to_string());
                a.message_index = self.order.get(*bubble).copied();
                a.role = match rec.str(&["type"]).as_deref() {
                    Some("1") => Some("user".into()),
                    Some("2") => Some("assistant".into()),
                    _ => None,
                };
                a.field = Some("message".into());
                if starts_with(path, &["toolFormerData"]) {
                    a.tool = rec.str(&["toolFormerData", "name"]);
                    a.tool_call_id = rec.str(&["toolFormerData", "toolCallId"]);
                    a.tool_input = ["rawArgs", "params"]
                        .iter()
                        .find_map(|k| rec.node(&["toolFormerData", k]))
                        .and_then(|n| input_summary(rec, n));
                    if path.get(1).map(String::as_str) == Some("result") {
                        a.role = Some("tool".into());
                        a.field = Some("tool_result".into());
                    } else {
                        a.field = Some("tool_input".into());
                    }
                } else if starts_with(path, &["thinking"]) {
                    a.field = Some("thinking".into());
                } else if starts_with(path, &["richText"]) {
                    a.field = Some("rich_text".into());
                }
            }
            ["composerData", composer, ..] => {
                a.session = Some(composer.to_string());
                a.field = Some("composer".into());
            }
            _ if key.starts_with("cursorAuth/") => {
                a.role = Some("config".into());
                a.field = Some("auth".into());
            }
            _ if key.starts_with("aiService.prompts") => {
                a.role = Some("user".into());
                a.field = Some("prompt_history".into());
            }
            _ if key.contains("chatdata") => {
                a.field = Some("legacy_chat".into());
                if let (Some(t), Some(b)) = (path.get(1), path.get(3)) {
                    a.session = rec.str(&["tabs", t, "tabId"]);
                    a.message_index = b.parse().ok();
                    a.role = rec
                        .str(&["tabs", t, "bubbles", b, "type"])
                        .map(|r| if r == "ai" { "assistant".into() } else { r });
                }
            }
            _ => {}
        }
        a
    }
}
