//! Default locations of agent transcripts, trace logs and MCP configs under a home directory,
//! plus the per-project files of the current repository.

use std::path::{Path, PathBuf};

/// Where to look when `leakhound agents` gets no paths.
#[derive(Debug, Clone)]
pub struct Roots {
    /// The home directory.
    pub home: PathBuf,
    /// The project directory (git root of the working directory, or the working directory).
    pub project: Option<PathBuf>,
    /// `CLAUDE_CONFIG_DIR`, when set.
    pub claude_dir: Option<PathBuf>,
    /// `CODEX_HOME`, when set.
    pub codex_home: Option<PathBuf>,
}

impl Roots {
    /// From the environment (`HOME`, `CLAUDE_CONFIG_DIR`, `CODEX_HOME`) and the working
    /// directory.
    pub fn from_env() -> Option<Roots> {
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)?;
        let project = std::env::current_dir().ok().map(|cwd| {
            cwd.ancestors()
                .find(|a| a.join(".git").exists())
                .map(Path::to_path_buf)
                .unwrap_or(cwd)
        });
        Some(Roots {
            home,
            project,
            claude_dir: std::env::var_os("CLAUDE_CONFIG_DIR").map(PathBuf::from),
            codex_home: std::env::var_os("CODEX_HOME").map(PathBuf::from),
        })
    }
}

/// Editor user-data directory names (VS Code and its forks).
const EDITORS: &[&str] = &["Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf"];

/// Extension ids whose global storage holds Cline-style task folders.
const CLINE_IDS: &[&str] = &[
    "saoudrizwan.claude-dev",
    "rooveterinaryinc.roo-cline",
    "kilocode.kilo-code",
];

/// Files and directories directly under a project root.
const PROJECT_FILES: &[&str] = &[
    ".aider.chat.history.md",
    ".aider.input.history",
    ".aider.llm.history",
    ".mcp.json",
    ".cursor/mcp.json",
    ".vscode/mcp.json",
    ".gemini/settings.json",
    ".codex/config.toml",
    ".roo/mcp.json",
    ".claude/settings.json",
    ".claude/settings.local.json",
];

/// Every existing default location (files and directories to walk).
pub fn default_paths(r: &Roots) -> Vec<PathBuf> {
    let h = &r.home;
    // Claude Code.
    let mut c: Vec<PathBuf> = vec![
        r.claude_dir.clone().unwrap_or_else(|| h.join(".claude")),
        h.join(".claude.json"),
        h.join(".claude.json.backup"),
    ];
    // Codex CLI, Gemini CLI, Copilot CLI, Cline CLI, Aider at home.
    c.push(r.codex_home.clone().unwrap_or_else(|| h.join(".codex")));
    c.push(h.join(".gemini"));
    c.push(h.join(".copilot"));
    c.push(h.join(".cline"));
    for f in [
        ".aider.chat.history.md",
        ".aider.input.history",
        ".aider.llm.history",
    ] {
        c.push(h.join(f));
    }
    // Cursor's own directory: MCP config, project metadata, cursor-agent chats (not extensions).
    for f in ["mcp.json", "projects", "chats"] {
        c.push(h.join(".cursor").join(f));
    }
    // Claude Desktop and Windsurf MCP configs.
    c.push(h.join(".config/Claude/claude_desktop_config.json"));
    c.push(h.join("Library/Application Support/Claude/claude_desktop_config.json"));
    c.push(h.join(".codeium/windsurf/mcp_config.json"));
    // Editors: user data directories on Linux, macOS and remote servers.
    let mut users: Vec<PathBuf> = Vec::new();
    for e in EDITORS {
        users.push(h.join(".config").join(e).join("User"));
        users.push(h.join("Library/Application Support").join(e).join("User"));
    }
    users.push(h.join(".vscode-server/data/User"));
    for u in users {
        c.push(u.join("mcp.json"));
        c.push(u.join("settings.json"));
        c.push(u.join("globalStorage/state.vscdb"));
        c.push(u.join("globalStorage/emptyWindowChatSessions"));
        for id in CLINE_IDS {
            c.push(u.join("globalStorage").join(id));
        }
        if let Ok(rd) = std::fs::read_dir(u.join("workspaceStorage")) {
            let mut ws: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            ws.sort();
            for w in ws {
                for sub in ["chatSessions", "chatEditingSessions", "GitHub.copilot-chat"] {
                    c.push(w.join(sub));
                }
                if u.to_string_lossy().contains("Cursor") {
                    c.push(w.join("state.vscdb"));
                }
            }
        }
    }
    // Claude Code background-task output.
    #[cfg(unix)]
    {
        // Our uid, read from /proc without unsafe code.
        if let Ok(meta) = std::fs::metadata("/proc/self")
            && let Some(uid) = uid_of(&meta)
        {
            c.push(PathBuf::from(format!("/tmp/claude-{uid}")));
        }
    }
    if let Some(p) = &r.project {
        for f in PROJECT_FILES {
            c.push(p.join(f));
        }
    }
    let mut out: Vec<PathBuf> = Vec::new();
    for p in c {
        if p.exists() && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(unix)]
fn uid_of(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.uid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_existing_locations_only() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        std::fs::create_dir_all(h.join(".claude/projects/-x")).unwrap();
        std::fs::create_dir_all(h.join(".codex/sessions")).unwrap();
        std::fs::write(h.join(".claude.json"), "{}").unwrap();
        let ws = h.join(".config/Code/User/workspaceStorage/abc/chatSessions");
        std::fs::create_dir_all(&ws).unwrap();
        let proj = h.join("repo");
        std::fs::create_dir_all(proj.join(".vscode")).unwrap();
        std::fs::write(proj.join(".vscode/mcp.json"), "{}").unwrap();
        let r = Roots {
            home: h.to_path_buf(),
            project: Some(proj.clone()),
            claude_dir: None,
            codex_home: None,
        };
        let got = default_paths(&r);
        assert!(got.contains(&h.join(".claude")));
        assert!(got.contains(&h.join(".claude.json")));
        assert!(got.contains(&h.join(".codex")));
        assert!(got.contains(&ws));
        assert!(got.contains(&proj.join(".vscode/mcp.json")));
        assert!(!got.contains(&h.join(".gemini")));
    }
}
