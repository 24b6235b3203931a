//! Aider's text histories: chat Markdown, prompt_toolkit input history and the LLM log.

use crate::sources::agents::attrib::{Attribution, TextTracker};

use super::Format;

/// Attribution by the headers and line prefixes Aider writes.
pub struct Aider {
    /// Which of the three files.
    pub format: Format,
}

/// Prefixes of the LLM log's content lines.
pub const LLM_PREFIXES: &[&str] = &["USER ", "ASSISTANT ", "SYSTEM "];

impl TextTracker for Aider {
    fn attribute(&self, src: &[u8], offset: usize) -> Attribution {
        let offset = offset.min(src.len());
        let before = String::from_utf8_lossy(&src[..offset]);
        // Found in the bytes: the lossy text is longer wherever the file is not UTF-8.
        let line_start = memchr::memrchr(b'\n', &src[..offset]).map_or(0, |i| i + 1);
        let line_end = src[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(src.len(), |i| line_start + i);
        let line = String::from_utf8_lossy(&src[line_start..line_end]);
        let mut a = Attribution::default();
        match self.format {
            Format::AiderChat => {
                a.session = before.rfind("# aider chat started at ").map(|i| {
                    before[i + 24..]
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_string()
                });
                a.timestamp = a.session.clone();
                if let Some(prompt) = line.strip_prefix("#### ") {
                    a.role = Some("user".into());
                    a.field = Some("user_prompt".into());
                    if let Some(cmd) = prompt.trim().strip_prefix('/') {
                        a.tool = cmd.split_whitespace().next().map(|c| format!("/{c}"));
                    }
                } else if line.starts_with('>') {
                    a.role = Some("tool".into());
                    a.field = Some("tool_output".into());
                } else {
                    a.role = Some("assistant".into());
                    a.field = Some("assistant_text".into());
                }
            }
            Format::AiderInput => {
                a.role = Some("user".into());
                a.field = Some("prompt_history".into());
                a.timestamp = before
                    .lines()
                    .rev()
                    .find_map(|l| l.strip_prefix("# "))
                    .map(|t| t.trim().to_string());
                let l = line.trim_start_matches('+');
                if let Some(cmd) = l.strip_prefix('/') {
                    a.tool = cmd.split_whitespace().next().map(|c| format!("/{c}"));
                }
            }
            _ => {
                a.session = before.rfind("TO LLM ").map(|i| {
                    before[i + 7..]
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_string()
                });
                a.timestamp = a.session.clone();
                a.role = LLM_PREFIXES
                    .iter()
                    .find(|p| line.starts_with(*p))
                    .map(|p| p.trim().to_lowercase());
                a.field = Some("llm_log".into());
            }
        }
        a
    }
}
