//! MCP client configurations and agent settings/credential files (JSON and TOML).

use crate::sources::agents::attrib::{Attribution, Record, TextTracker, Tracker};

/// `mcpServers` / `servers` (VS Code) / `projects[p].mcpServers` (Claude Code) and any other
/// configuration key.
pub struct Config;

impl Tracker for Config {
    fn attribute(&self, _rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution {
            role: Some("config".into()),
            ..Default::default()
        };
        // Strip a project scope first.
        let mut p = path;
        if p.first().map(String::as_str) == Some("projects") && p.len() > 2 {
            a.session = Some(p[1].clone());
            p = &p[2..];
        }
        if p.first().map(String::as_str) == Some("mcp") && p.len() > 1 {
            p = &p[1..];
        }
        match p {
            [top, name, part, ..] if top == "mcpServers" || top == "servers" => {
                a.tool = Some(name.clone());
                a.field = Some(format!("mcp_{}", part.to_lowercase()));
            }
            [top, ..] => a.field = Some(top.clone()),
            [] => {}
        }
        a
    }
}

/// TOML configuration (`~/.codex/config.toml`): the table header above the secret.
pub struct Toml;

impl TextTracker for Toml {
    fn attribute(&self, src: &[u8], offset: usize) -> Attribution {
        let before = &src[..offset.min(src.len())];
        let text = String::from_utf8_lossy(before);
        let header = text
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('[') && l.ends_with(']'))
            .map(|l| l.trim_matches(|c| c == '[' || c == ']').to_string());
        let mut a = Attribution {
            role: Some("config".into()),
            ..Default::default()
        };
        if let Some(h) = header {
            let parts: Vec<&str> = h.split('.').map(|s| s.trim_matches('"')).collect();
            match parts.as_slice() {
                ["mcp_servers", name, rest @ ..] => {
                    a.tool = Some(name.to_string());
                    a.field = Some(format!("mcp_{}", rest.first().copied().unwrap_or("server")));
                }
                _ => a.field = Some(h),
            }
        }
        a
    }
}
