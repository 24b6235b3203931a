//! Realistic agent-transcript fixtures with fake secrets generated at run time (shared by the
//! agent tests, the transcript generator example and the benchmark). Nothing token-shaped is
//! stored in the repository: every secret comes from `leakhound::rules::template`.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use leakhound::rules::template::{Rng, expand};
use serde_json::{Value, json};

/// One secret planted in a fixture and what its finding must say.
#[derive(Debug, Clone)]
pub struct Planted {
    /// Short label for failure messages.
    pub label: &'static str,
    /// The rule that must find it.
    pub rule: &'static str,
    /// The secret itself.
    pub secret: String,
    /// The file (relative to the fixture root).
    pub file: PathBuf,
    /// Expected attribution: agent, role, tool, session (each optional).
    pub agent: Option<&'static str>,
    /// Expected role.
    pub role: Option<&'static str>,
    /// Expected tool.
    pub tool: Option<&'static str>,
    /// Expected session.
    pub session: Option<&'static str>,
}

impl Planted {
    fn new(label: &'static str, rule: &'static str, secret: String, file: &str) -> Planted {
        Planted {
            label,
            rule,
            secret,
            file: PathBuf::from(file),
            agent: None,
            role: None,
            tool: None,
            session: None,
        }
    }
    fn agent(mut self, a: &'static str) -> Self {
        self.agent = Some(a);
        self
    }
    fn role(mut self, r: &'static str) -> Self {
        self.role = Some(r);
        self
    }
    fn tool(mut self, t: &'static str) -> Self {
        self.tool = Some(t);
        self
    }
    fn session(mut self, s: &'static str) -> Self {
        self.session = Some(s);
        self
    }
}

/// Generated token-shaped values.
pub struct Gen(Rng);

impl Gen {
    /// A generator seeded from `seed`.
    pub fn new(seed: &str) -> Gen {
        Gen(Rng::from_seed(seed))
    }
    /// Expands a template such as `«token:github_crc32:ghp_»`.
    pub fn t(&mut self, template: &str) -> String {
        expand(template, &mut self.0).expect("valid template")
    }
    pub fn ghp(&mut self) -> String {
        self.t("«token:github_crc32:ghp_»")
    }
    pub fn aws_id(&mut self) -> String {
        self.t("AKIA«upper:16»")
    }
    pub fn aws_secret(&mut self) -> String {
        self.t("«alnum:20»/«alnum:10»+«alnum:8»")
    }
    pub fn openai(&mut self) -> String {
        self.t("sk-proj-«b64url:74»T3BlbkFJ«b64url:74»")
    }
    pub fn anthropic(&mut self) -> String {
        self.t("sk-ant-api03-«b64url:93»AA")
    }
    pub fn hf(&mut self) -> String {
        self.t("hf_«alpha:34»")
    }
    pub fn glpat(&mut self) -> String {
        self.t("glpat-«alnum:20»")
    }
    pub fn google(&mut self) -> String {
        self.t("AIza«alnum:35»")
    }
    pub fn xai(&mut self) -> String {
        self.t("xai-«alnum:80»")
    }
    pub fn tavily(&mut self) -> String {
        self.t("tvly-«alnum:32»")
    }
    pub fn groq(&mut self) -> String {
        self.t("gsk_«alnum:52»")
    }
    pub fn fine_grained(&mut self) -> String {
        self.t("github_pat_11«alnum:20»_«alnum:59»")
    }
    pub fn pem_body(&mut self) -> String {
        self.t("«b64:64»\n«b64:64»\n«b64:64»\n«b64:40»==")
    }
    pub fn uuid(&mut self) -> String {
        self.t("«hex:8»-«hex:4»-4«hex:3»-a«hex:3»-«hex:12»")
    }
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, data).expect("write fixture");
}

fn jsonl(lines: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(serde_json::to_string(l).expect("json").as_bytes());
        out.push(b'\n');
    }
    out
}

/// Session ids used in the fixtures.
pub const CLAUDE_SESSION: &str = "3f2a81c0-9d4e-4b8e-a7f1-2c5d6e7f8091";
/// Codex session id.
pub const CODEX_SESSION: &str = "0199a3b2-7c1d-7e2f-8a9b-0c1d2e3f4a5b";
/// Gemini session id.
pub const GEMINI_SESSION: &str = "43c9e1f0-5a6b-4c7d-8e9f-a0b1c2d3e4f5";
/// Cursor composer id.
pub const CURSOR_COMPOSER: &str = "c0ffee00-1111-4222-8333-444455556666";

/// The Claude Code project directory (encoded cwd).
pub const CLAUDE_PROJECT: &str = ".claude/projects/-home-dana-src-acme-billing";

/// Writes every fixture under `root` (laid out like a home directory) and returns the planted
/// secrets. Non-secrets that look like secrets (placeholders, documented examples, redaction
/// markers, opaque blobs) are planted too and must not be reported.
pub fn build_home(root: &Path, seed: &str) -> Vec<Planted> {
    let mut g = Gen::new(seed);
    let mut planted = Vec::new();
    claude(root, &mut g, &mut planted);
    codex(root, &mut g, &mut planted);
    gemini(root, &mut g, &mut planted);
    cursor(root, &mut g, &mut planted);
    vscode_and_copilot(root, &mut g, &mut planted);
    cline(root, &mut g, &mut planted);
    aider(root, &mut g, &mut planted);
    traces(root, &mut g, &mut planted);
    mcp(root, &mut g, &mut planted);
    planted
}

/// Look-alikes that must never be reported.
pub fn decoys() -> Vec<&'static str> {
    vec![
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "OPENAI_API_KEY=sk-...abcd",
        "ANTHROPIC_API_KEY=[REDACTED]",
        "HF_TOKEN=${HF_TOKEN}",
        "api_key: <YOUR_API_KEY>",
    ]
}

fn claude(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let sid = CLAUDE_SESSION;
    let (akid, aksecret) = (g.aws_id(), g.aws_secret());
    let env = format!(
        "PORT=8080\nAWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={aksecret}\nLOG_LEVEL=debug\n"
    );
    let gh_read = g.ghp();
    let pem = g.pem_body();
    let sa = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\",\n  \"client_email\": \"ci@acme-prod.iam.gserviceaccount.com\"\n}}",
        g.t("«hex:40»"),
        pem.replace('\n', "\\n")
    );
    let signature = g.t("«b64:400»");
    let base = |uuid: &str, ty: &str| {
        json!({"parentUuid": null, "isSidechain": false, "userType": "external",
               "cwd": "/home/dana/src/acme-billing", "sessionId": sid, "version": "2.1.42",
               "gitBranch": "main", "type": ty, "uuid": uuid,
               "timestamp": "2026-05-12T09:14:19.016Z"})
    };
    let mut lines =
        vec![json!({"type": "summary", "summary": "Fix billing webhook", "leafUuid": "e3a1"})];
    let mut u = base("u1", "user");
    u["message"] = json!({"role": "user", "content": format!(
        "deploy is failing with this service account, can you check?\n{sa}\n{}",
        decoys().join("\n"))});
    lines.push(u);
    let mut a = base("a1", "assistant");
    a["message"] = json!({"id": "msg_01Q", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5", "content": [
            {"type": "thinking", "thinking": "Let me look at the env file.", "signature": signature}]});
    lines.push(a);
    let mut a = base("a2", "assistant");
    a["message"] = json!({"id": "msg_01Q", "type": "message", "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_01ia", "name": "Bash",
                     "input": {"command": "cat .env", "description": "Show the environment file"}}]});
    lines.push(a);
    let mut r = base("u2", "user");
    r["message"] = json!({"role": "user", "content": [
        {"tool_use_id": "toolu_01ia", "type": "tool_result", "content": env, "is_error": false}]});
    r["toolUseResult"] =
        json!({"stdout": env, "stderr": "", "interrupted": false, "isImage": false});
    r["timestamp"] = json!("2026-05-12T09:15:02.000Z");
    lines.push(r);
    let mut a = base("a3", "assistant");
    a["message"] = json!({"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_02rd",
        "name": "Read", "input": {"file_path": "/home/dana/src/acme-billing/.github-token"}}]});
    lines.push(a);
    let mut r = base("u3", "user");
    r["message"] = json!({"role": "user", "content": [{"tool_use_id": "toolu_02rd", "type": "tool_result",
        "content": format!("     1→# deploy token\n     2→\u{1b}[0;32mGITHUB_TOKEN\u{1b}[0m=\u{1b}[31m{gh_read}\u{1b}[0m\n")}]});
    lines.push(r);
    write(
        root,
        &format!("{CLAUDE_PROJECT}/{sid}.jsonl"),
        &jsonl(&lines),
    );
    planted.push(
        Planted::new(
            "claude cat .env key id",
            "aws.access_key_id",
            akid,
            &format!("{CLAUDE_PROJECT}/{sid}.jsonl"),
        )
        .agent("Claude Code")
        .role("tool")
        .tool("Bash")
        .session(CLAUDE_SESSION),
    );
    planted.push(
        Planted::new(
            "claude cat .env secret",
            "aws.secret_access_key",
            aksecret,
            &format!("{CLAUDE_PROJECT}/{sid}.jsonl"),
        )
        .agent("Claude Code")
        .role("tool")
        .tool("Bash")
        .session(CLAUDE_SESSION),
    );
    planted.push(
        Planted::new(
            "claude Read with colours and line numbers",
            "github.pat.classic",
            gh_read,
            &format!("{CLAUDE_PROJECT}/{sid}.jsonl"),
        )
        .role("tool")
        .tool("Read")
        .session(CLAUDE_SESSION),
    );
    planted.push(
        Planted::new(
            "claude pasted service account (escaped PEM)",
            "gcp.service_account.private_key",
            format!(
                "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----",
                pem.replace('\n', "\\n")
            ),
            &format!("{CLAUDE_PROJECT}/{sid}.jsonl"),
        )
        .role("user")
        .session(CLAUDE_SESSION),
    );
    // Sub-agent transcript and a large-output sidecar.
    let ant = g.anthropic();
    let mut s = base("s1", "user");
    s["isSidechain"] = json!(true);
    s["agentId"] = json!("a7c");
    s["message"] =
        json!({"role": "user", "content": format!("use ANTHROPIC_API_KEY={ant} for the eval")});
    let sub = format!("{CLAUDE_PROJECT}/{sid}/subagents/agent-a7c.jsonl");
    write(root, &sub, &jsonl(&[s]));
    planted.push(
        Planted::new("claude sub-agent prompt", "anthropic.api_key", ant, &sub)
            .agent("Claude Code sub-agent")
            .role("user")
            .session(CLAUDE_SESSION),
    );
    let gl = g.glpat();
    let side = format!("{CLAUDE_PROJECT}/{sid}/tool-results/toolu_03big.txt");
    write(
        root,
        &side,
        format!(
            "{}\nCI_JOB_TOKEN ok\nGITLAB_TOKEN={gl}\n",
            "log line\n".repeat(300)
        )
        .as_bytes(),
    );
    planted.push(Planted::new(
        "claude tool-results sidecar",
        "gitlab.pat",
        gl,
        &side,
    ));
    // Prompt history with a pasted key.
    let oai = g.openai();
    write(
        root,
        ".claude/history.jsonl",
        &jsonl(&[
            json!({"display": "why does this key 401? [Pasted text #1 +1 lines]",
                   "pastedContents": {"1": {"id": 1, "type": "text", "content": format!("OPENAI_API_KEY={oai}")}},
                   "timestamp": 1778318043120u64, "project": "/home/dana/src/acme-billing", "sessionId": sid}),
            json!({"display": "/clear", "pastedContents": {}, "timestamp": 1778318049000u64,
                   "project": "/home/dana/src/acme-billing"}),
        ]),
    );
    planted.push(
        Planted::new(
            "claude history paste",
            "openai.api_key.project",
            oai,
            ".claude/history.jsonl",
        )
        .agent("Claude Code")
        .role("user")
        .session(CLAUDE_SESSION),
    );
}

fn codex(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let file = ".codex/sessions/2026/05/14/rollout-2026-05-14T10-14-40-0199a3b2-7c1d-7e2f-8a9b-0c1d2e3f4a5b.jsonl";
    let bearer = g.ghp();
    let docker_tok = g.ghp();
    let auth = base64_std(&format!("dana:{docker_tok}"));
    let docker_cfg = format!(
        "{{\n\t\"auths\": {{\n\t\t\"ghcr.io\": {{\n\t\t\t\"auth\": \"{auth}\"\n\t\t}}\n\t}}\n}}\n"
    );
    let args = serde_json::to_string(&json!({
        "cmd": format!("curl -s -H \"Authorization: Bearer {bearer}\" https://api.github.com/user"),
        "workdir": "/home/dana/src/orders-api"}))
    .expect("json");
    let shell_out = serde_json::to_string(
        &json!({"output": docker_cfg, "metadata": {"exit_code": 0, "duration_seconds": 0.0}}),
    )
    .expect("json");
    let ts = |s: &str| format!("2026-05-14T10:{s}.105Z");
    let lines = vec![
        json!({"timestamp": ts("14:40"), "type": "session_meta", "payload": {"id": CODEX_SESSION, "cwd": "/home/dana/src/orders-api", "originator": "codex_cli_rs", "cli_version": "0.46.0", "base_instructions": {"text": "You are Codex."}}}),
        json!({"timestamp": ts("14:41"), "type": "response_item", "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "check my GitHub auth and docker login"}]}}),
        json!({"timestamp": ts("14:42"), "type": "response_item", "payload": {"type": "function_call", "name": "exec_command", "arguments": args, "call_id": "call_Kx1"}}),
        json!({"timestamp": ts("14:43"), "type": "response_item", "payload": {"type": "function_call", "name": "shell", "arguments": "{\"command\":[\"cat\",\"/home/dana/.docker/config.json\"]}", "call_id": "call_F3"}}),
        json!({"timestamp": ts("14:44"), "type": "response_item", "payload": {"type": "function_call_output", "call_id": "call_F3", "output": shell_out}}),
        json!({"timestamp": ts("14:45"), "type": "event_msg", "payload": {"type": "exec_command_end", "call_id": "call_F3", "command": ["cat", "/home/dana/.docker/config.json"], "aggregated_output": docker_cfg}}),
        json!({"timestamp": ts("14:46"), "type": "response_item", "payload": {"type": "reasoning", "summary": [], "encrypted_content": format!("gAAAAA{}", g.t("«b64url:300»"))}}),
    ];
    write(root, file, &jsonl(&lines));
    planted.push(
        Planted::new(
            "codex function_call arguments (JSON in string)",
            "github.pat.classic",
            bearer,
            file,
        )
        .agent("Codex CLI")
        .role("assistant")
        .tool("exec_command")
        .session(CODEX_SESSION),
    );
    planted.push(
        Planted::new(
            "codex docker auth, three levels deep + base64",
            "github.pat.classic",
            docker_tok,
            file,
        )
        .agent("Codex CLI")
        .role("tool")
        .tool("shell")
        .session(CODEX_SESSION),
    );
    let key = g.groq();
    write(
        root,
        ".codex/history.jsonl",
        &jsonl(&[
            json!({"session_id": CODEX_SESSION, "ts": 1778753680u64, "text": format!("export GROQ_API_KEY={key} and retry")}),
        ]),
    );
    planted.push(
        Planted::new(
            "codex prompt history",
            "groq.api_key",
            key,
            ".codex/history.jsonl",
        )
        .role("user")
        .session(CODEX_SESSION),
    );
    let tok = g.ghp();
    write(
        root,
        ".codex/config.toml",
        format!("model = \"gpt-5-codex\"\n\n[mcp_servers.github]\ncommand = \"npx\"\nargs = [\"-y\", \"@modelcontextprotocol/server-github\"]\n\n[mcp_servers.github.env]\nGITHUB_PERSONAL_ACCESS_TOKEN = \"{tok}\"\n").as_bytes(),
    );
    planted.push(
        Planted::new(
            "codex config.toml MCP env",
            "github.pat.classic",
            tok,
            ".codex/config.toml",
        )
        .role("config")
        .tool("github"),
    );
}

fn base64_std(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn gemini(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let file = ".gemini/tmp/payments-worker/chats/session-2026-05-20T14-14-43c9e1f0.jsonl";
    let gl = g.glpat();
    let db_tok = g.ghp();
    let kube = format!(
        "apiVersion: v1\ndata:\n  GIT_TOKEN: {}\nkind: Secret\n",
        base64_std(&format!("token={db_tok}\n"))
    );
    let msg = json!({"id": "229f", "timestamp": "2026-05-20T14:15:00.000Z", "type": "gemini", "content": "",
        "toolCalls": [{"id": "run_shell_command-1779", "name": "run_shell_command",
            "args": {"command": "kubectl get secret payments-git -o yaml"},
            "result": [{"functionResponse": {"id": "run_shell_command-1779", "name": "run_shell_command",
                "response": {"output": format!("Command: kubectl get secret payments-git -o yaml\nDirectory: (root)\nOutput: {kube}\nError: (none)\nExit Code: 0")}}}],
            "status": "success", "resultDisplay": kube}], "model": "gemini-2.5-pro"});
    let lines = vec![
        json!({"sessionId": GEMINI_SESSION, "projectHash": "390b", "startTime": "2026-05-20T14:14:03.120Z", "lastUpdated": "2026-05-20T14:16:00.000Z", "kind": "main"}),
        json!({"id": "0087", "timestamp": "2026-05-20T14:14:30.000Z", "type": "user", "content": [{"text": format!("my gitlab token is {gl}, mirror the repo")}]}),
        msg.clone(),
        msg,
        json!({"$set": {"lastUpdated": "2026-05-20T14:16:00.000Z"}}),
    ];
    write(root, file, &jsonl(&lines));
    planted.push(
        Planted::new("gemini user prompt", "gitlab.pat", gl, file)
            .agent("Gemini CLI")
            .role("user")
            .session(GEMINI_SESSION),
    );
    planted.push(
        Planted::new(
            "gemini kubectl secret (base64)",
            "github.pat.classic",
            db_tok,
            file,
        )
        .agent("Gemini CLI")
        .role("tool")
        .tool("run_shell_command")
        .session(GEMINI_SESSION),
    );
}

fn cursor(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let rel = ".config/Cursor/User/globalStorage/state.vscdb";
    let p = root.join(rel);
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    let conn = rusqlite::Connection::open(&p).expect("sqlite");
    conn.execute_batch(
        "CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
         CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);",
    )
    .expect("schema");
    let ant = g.anthropic();
    let xai = g.xai();
    let composer = json!({"_v": 3, "composerId": CURSOR_COMPOSER, "name": "env debugging",
        "fullConversationHeadersOnly": [{"bubbleId": "b-user", "type": 1}, {"bubbleId": "b-tool", "type": 2}]});
    let result = serde_json::to_string(&json!({"output": format!("ANTHROPIC_API_KEY={ant}\nREPORTS_URL=https://reports.local\n"), "exitCode": 0})).expect("json");
    let tool = json!({"_v": 3, "type": 2, "bubbleId": "b-tool", "text": "",
        "toolFormerData": {"tool": 15, "toolCallId": "toolu_01Vb", "status": "completed", "name": "run_terminal_cmd",
            "rawArgs": "{\"command\":\"cat .env.local\",\"is_background\":false}", "result": result}});
    let user = json!({"_v": 3, "type": 1, "bubbleId": "b-user", "text": format!("here is my xai key {xai}"),
        "richText": serde_json::to_string(&json!({"root": {"children": [{"children": [{"text": format!("here is my xai key {xai}"), "type": "text"}], "type": "paragraph"}]}})).expect("json")});
    let ins = |k: &str, v: &Value| {
        conn.execute(
            "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
            rusqlite::params![k, serde_json::to_string(v).expect("json")],
        )
        .expect("insert");
    };
    ins(&format!("composerData:{CURSOR_COMPOSER}"), &composer);
    ins(&format!("bubbleId:{CURSOR_COMPOSER}:b-user"), &user);
    ins(&format!("bubbleId:{CURSOR_COMPOSER}:b-tool"), &tool);
    conn.execute("INSERT INTO ItemTable (key, value) VALUES ('workbench.panel.aichat.view.aichat.chatdata', '{\"tabs\":[]}')", []).expect("insert");
    drop(conn);
    planted.push(
        Planted::new(
            "cursor terminal result (JSON in string)",
            "anthropic.api_key",
            ant,
            rel,
        )
        .agent("Cursor")
        .role("tool")
        .tool("run_terminal_cmd")
        .session(CURSOR_COMPOSER),
    );
    planted.push(
        Planted::new("cursor user text + richText", "xai.api_key", xai, rel)
            .agent("Cursor")
            .role("user")
            .session(CURSOR_COMPOSER),
    );
}

fn vscode_and_copilot(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let file = ".config/Code/User/workspaceStorage/9f1e2d3c/chatSessions/5b6c7d8e.jsonl";
    let split = g.ghp();
    let (a, b) = split.split_at(17);
    let hf = g.hf();
    let lines = vec![
        json!({"kind": 0, "v": {"version": 3, "sessionId": "5b6c7d8e", "creationDate": 1778753680000u64, "requests": []}}),
        json!({"kind": 2, "k": ["requests"], "v": [{"requestId": "r1", "message": {"text": format!("login with HF_TOKEN={hf}"), "parts": []}, "response": []}]}),
        json!({"kind": 2, "k": ["requests", 0, "response"], "v": [{"value": format!("Set it like this:\n\nexport GITHUB_TOKEN={a}"), "supportThemeIcons": false}]}),
        json!({"kind": 2, "k": ["requests", 0, "response"], "v": [{"value": format!("{b}\n\nthen run the deploy."), "supportThemeIcons": false}]}),
    ];
    write(root, file, &jsonl(&lines));
    planted.push(
        Planted::new("vscode user prompt", "huggingface.access_token", hf, file)
            .agent("VS Code chat")
            .role("user"),
    );
    planted.push(
        Planted::new(
            "vscode token split across two kind:2 records",
            "github.pat.classic",
            split,
            file,
        )
        .agent("VS Code chat")
        .role("assistant"),
    );
    let file = ".copilot/session-state/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d/events.jsonl";
    let split = g.tavily();
    let (a, b) = split.split_at(12);
    let lines = vec![
        json!({"type": "session.start", "data": {"sessionId": "7a8b9c0d"}, "id": "e1", "timestamp": "2026-05-21T08:00:00.000Z"}),
        json!({"type": "user.message", "data": {"content": "search the docs"}, "id": "e2", "timestamp": "2026-05-21T08:00:01.000Z"}),
        json!({"type": "assistant.message_delta", "data": {"messageId": "m1", "deltaContent": format!("Use TAVILY_API_KEY={a}")}, "id": "e3", "timestamp": "2026-05-21T08:00:02.000Z"}),
        json!({"type": "assistant.message_delta", "data": {"messageId": "m1", "deltaContent": format!("{b} in the header.")}, "id": "e4", "timestamp": "2026-05-21T08:00:02.100Z"}),
    ];
    write(root, file, &jsonl(&lines));
    planted.push(
        Planted::new("copilot cli split delta", "tavily.api_key", split, file)
            .agent("Copilot CLI")
            .role("assistant"),
    );
}

fn cline(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let dir = ".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/1778753680123";
    let key = g.openai();
    let api = json!([
        {"role": "user", "content": [{"type": "text", "text": "<task>fix the build</task>"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "<execute_command><command>cat .env</command></execute_command>"}]},
        {"role": "user", "content": [{"type": "text", "text": "[execute_command for 'cat .env'] Result:"},
                                     {"type": "text", "text": format!("Command executed.\nOutput:\nOPENAI_API_KEY={key}\n")}]}
    ]);
    write(
        root,
        &format!("{dir}/api_conversation_history.json"),
        serde_json::to_string_pretty(&api).expect("json").as_bytes(),
    );
    planted.push(
        Planted::new(
            "cline XML-era tool result",
            "openai.api_key.project",
            key,
            &format!("{dir}/api_conversation_history.json"),
        )
        .agent("Cline")
        .role("tool")
        .tool("execute_command")
        .session("1778753680123"),
    );
    let fg = g.fine_grained();
    let ui = json!([
        {"ts": 1778753680200u64, "type": "say", "say": "task", "text": "fix the build"},
        {"ts": 1778753680300u64, "type": "say", "say": "tool", "text": serde_json::to_string(&json!({"tool": "newFileCreated", "path": ".npmrc", "content": format!("//npm.pkg.github.com/:_authToken={fg}\n")})).expect("json")}
    ]);
    write(
        root,
        &format!("{dir}/ui_messages.json"),
        serde_json::to_string(&ui).expect("json").as_bytes(),
    );
    planted.push(
        Planted::new(
            "cline ui say:tool JSON string",
            "github.pat.fine_grained",
            fg,
            &format!("{dir}/ui_messages.json"),
        )
        .agent("Cline")
        .role("tool")
        .tool("newFileCreated"),
    );
}

fn aider(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let tok = g.ghp();
    write(
        root,
        "src/shop/.aider.chat.history.md",
        format!(
            "\n# aider chat started at 2026-05-02 10:11:12\n\n> Aider v0.86.1\n> Main model: sonnet\n\n#### /run curl -H 'Authorization: token {tok}' https://api.github.com/user  \n\n> Add 0.2k tokens of command output to the chat? (Y)es/(N)o [Yes]: y\n\nThe token works.\n"
        )
        .as_bytes(),
    );
    planted.push(
        Planted::new(
            "aider /run in chat history",
            "github.pat.classic",
            tok,
            "src/shop/.aider.chat.history.md",
        )
        .agent("Aider")
        .role("user"),
    );
    let pem = g.pem_body();
    let body: String = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"shop\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\"\n}}",
        pem.replace('\n', "\\n")
    );
    let llm: String = body.lines().map(|l| format!("USER {l}\n")).collect();
    write(
        root,
        "src/shop/.aider.llm.history",
        format!("TO LLM 2026-05-02T10:12:00\n-------\nSYSTEM Act as an expert developer.\n{llm}-------\nLLM RESPONSE 2026-05-02T10:12:09\nASSISTANT ok\n").as_bytes(),
    );
    planted.push(
        Planted::new(
            "aider LLM log with role prefixes",
            "gcp.service_account.private_key",
            format!(
                "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----",
                pem.replace('\n', "\\n")
            ),
            "src/shop/.aider.llm.history",
        )
        .agent("Aider")
        .role("user"),
    );
}

fn traces(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let key = g.google();
    let msgs = serde_json::to_string(&json!([{"role": "user", "parts": [{"type": "text",
        "content": format!("fetch https://maps.googleapis.com/maps/api/geocode/json?address=x&key={key}")}]}])).expect("json");
    let req = json!({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agent"}}]},
        "scopeSpans": [{"scope": {"name": "genai"}, "spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "name": "chat gpt-4o", "kind": 3, "startTimeUnixNano": "1778753680000000000", "endTimeUnixNano": "1778753681000000000",
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                           {"key": "gen_ai.input.messages", "value": {"stringValue": msgs}}]}]}]}]});
    // The collector is written in Go: `&` is escaped as \u0026.
    let line = serde_json::to_string(&req)
        .expect("json")
        .replace('&', "\\u0026");
    write(
        root,
        "traces/otel-2026-05-14.jsonl",
        format!("{line}\n").as_bytes(),
    );
    planted.push(
        Planted::new(
            "otel gen_ai.input.messages with Go escapes",
            "google.api_key",
            key,
            "traces/otel-2026-05-14.jsonl",
        )
        .agent("OpenTelemetry trace")
        .role("user")
        .session("5b8efff798038103d269b633813fc60c"),
    );
    let split = g.hf();
    let (a, b) = split.split_at(10);
    let run = json!({"id": "run-1", "trace_id": "trace-1", "name": "ChatOpenAI", "run_type": "llm",
        "inputs": {"messages": [[{"lc": 1, "type": "constructor", "kwargs": {"content": "what is my HF token?"}}]]},
        "events": [{"name": "new_token", "kwargs": {"token": "HF_TOKEN="}}, {"name": "new_token", "kwargs": {"token": a}}, {"name": "new_token", "kwargs": {"token": b}}]});
    write(root, "traces/langsmith-runs.jsonl", &jsonl(&[run]));
    planted.push(
        Planted::new(
            "langsmith tokens split across events",
            "huggingface.access_token",
            split,
            "traces/langsmith-runs.jsonl",
        )
        .agent("LangSmith"),
    );
}

fn mcp(root: &Path, g: &mut Gen, planted: &mut Vec<Planted>) {
    let hf = g.hf();
    let fg = g.fine_grained();
    let cfg = json!({"numStartups": 12, "mcpServers": {"hf": {"type": "stdio", "command": "npx", "args": ["-y", "@llmindset/hf-mcp-server"], "env": {"HF_TOKEN": hf}}},
        "projects": {"/home/dana/src/acme-billing": {"mcpServers": {"github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/", "headers": {"Authorization": format!("Bearer {fg}")}}}}},
        "customApiKeyResponses": {"approved": [g.t("«alnum:20»")], "rejected": []}});
    write(
        root,
        ".claude.json",
        serde_json::to_string_pretty(&cfg).expect("json").as_bytes(),
    );
    planted.push(
        Planted::new(
            "~/.claude.json user MCP env",
            "huggingface.access_token",
            hf,
            ".claude.json",
        )
        .role("config")
        .tool("hf"),
    );
    planted.push(
        Planted::new(
            "~/.claude.json project MCP headers",
            "github.pat.fine_grained",
            fg,
            ".claude.json",
        )
        .role("config")
        .tool("github")
        .session("/home/dana/src/acme-billing"),
    );
    let tv = g.tavily();
    let cur = json!({"mcpServers": {"tavily": {"command": "npx", "args": ["-y", "tavily-mcp"], "env": {"TAVILY_API_KEY": tv}},
        "gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}});
    write(
        root,
        ".cursor/mcp.json",
        serde_json::to_string_pretty(&cur).expect("json").as_bytes(),
    );
    planted.push(
        Planted::new(
            "cursor mcp.json env",
            "tavily.api_key",
            tv,
            ".cursor/mcp.json",
        )
        .role("config")
        .tool("tavily"),
    );
}
