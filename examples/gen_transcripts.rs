//! Generates a year of realistic agent transcripts for benchmarks: Claude Code session JSONL and
//! Codex CLI rollouts laid out as under a home directory, with tool results holding source code
//! and logs, duplicated structured copies, JSON-in-string tool I/O, opaque base64 blobs, and one
//! fake secret every few megabytes.
//!
//!   cargo run --release --example gen_transcripts -- DIR [TOTAL_MB]     (default 2048)
//!   cargo run --example gen_transcripts -- --fixtures DIR   (one small file per supported format)

#[path = "../benches/support/corpus.rs"]
mod corpus;
#[path = "../tests/support/agents_fixtures.rs"]
mod fixtures;

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use leakhound::rules::template::Rng;
use serde_json::{Value, json};

const PROMPTS: &[&str] = &[
    "the webhook handler returns 500 on retries, can you look?",
    "add pagination to the orders endpoint and update the tests",
    "why is the CI build slow? check the cache settings",
    "refactor the config loader so env vars override the file",
    "write a migration that adds an index on created_at",
    "run the tests and fix whatever fails",
];

const COMMANDS: &[&str] = &[
    "cargo test -q",
    "git status --short",
    "rg -n 'fn handle' src",
    "ls -la",
    "npm run lint",
    "docker compose ps",
];

struct Out {
    w: BufWriter<fs::File>,
    bytes: usize,
}

impl Out {
    fn new(path: &Path) -> Out {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        Out {
            w: BufWriter::with_capacity(1 << 20, fs::File::create(path).expect("create")),
            bytes: 0,
        }
    }
    fn line(&mut self, v: &Value) {
        let s = serde_json::to_string(v).expect("json");
        self.w.write_all(s.as_bytes()).expect("write");
        self.w.write_all(b"\n").expect("write");
        self.bytes += s.len() + 1;
    }
}

fn pick<'a>(r: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[(r.next_u64() % xs.len() as u64) as usize]
}

fn ts(day: u64, sec: u64) -> String {
    let base = 1_767_225_600u64; // 2026-01-01
    let t = time::OffsetDateTime::from_unix_timestamp((base + day * 86_400 + sec) as i64)
        .expect("time");
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

/// A Claude Code session of about `size` bytes; returns the secrets planted.
fn claude(path: &Path, size: usize, seed: u64, day: u64, g: &mut fixtures::Gen) -> usize {
    let mut r = Rng::from_seed(&format!("claude-{seed}"));
    let sid = g.uuid();
    let mut out = Out::new(path);
    let mut n = 0u64;
    let mut planted = 0;
    let mut next_plant = 3 << 20;
    while out.bytes < size {
        n += 1;
        let base = |ty: &str, n: u64| {
            json!({"parentUuid": format!("p{n}"), "isSidechain": false, "userType": "external",
                   "cwd": "/home/dana/src/acme-billing", "sessionId": sid, "version": "2.1.42",
                   "gitBranch": "main", "type": ty, "uuid": format!("u{n}"),
                   "timestamp": ts(day, n)})
        };
        let mut u = base("user", n);
        u["message"] = json!({"role": "user", "content": pick(&mut r, PROMPTS)});
        out.line(&u);
        let mut a = base("assistant", n);
        a["message"] = json!({"id": format!("msg_{n}"), "role": "assistant", "content": [
            {"type": "thinking", "thinking": corpus::noise(seed, n as usize, 3),
             "signature": g.t("«b64:600»")}]});
        out.line(&a);
        let tool = r.next_u64() % 3;
        let (name, input, result) = match tool {
            0 => {
                let c = pick(&mut r, COMMANDS);
                (
                    "Bash",
                    json!({"command": c, "description": "Run it"}),
                    corpus::noise(seed ^ 7, n as usize, 20 + (r.next_u64() % 120) as usize),
                )
            }
            1 => {
                let body = corpus::noise(seed ^ 11, n as usize, 40 + (r.next_u64() % 300) as usize);
                let numbered: String = body
                    .lines()
                    .enumerate()
                    .map(|(i, l)| format!("{:>6}→{l}\n", i + 1))
                    .collect();
                (
                    "Read",
                    json!({"file_path": "/home/dana/src/acme-billing/src/lib.rs"}),
                    numbered,
                )
            }
            _ => (
                "Edit",
                json!({"file_path": "src/handler.rs", "old_string": corpus::noise(seed, 1, 4),
                       "new_string": corpus::noise(seed, 2, 5)}),
                "The file src/handler.rs has been updated.".to_string(),
            ),
        };
        let id = format!("toolu_{n:08}");
        let mut a = base("assistant", n);
        a["message"] = json!({"id": format!("msg_{n}"), "role": "assistant", "content": [
            {"type": "tool_use", "id": id, "name": name, "input": input}]});
        out.line(&a);
        let mut result = result;
        if out.bytes >= next_plant {
            result.push_str(&format!("GITHUB_TOKEN={}\n", g.ghp()));
            planted += 1;
            next_plant += 4 << 20;
        }
        let mut t = base("user", n);
        t["message"] = json!({"role": "user", "content": [
            {"tool_use_id": id, "type": "tool_result", "content": result, "is_error": false}]});
        t["toolUseResult"] = if tool == 0 {
            json!({"stdout": result, "stderr": "", "interrupted": false, "isImage": false})
        } else {
            json!({"type": "text", "file": {"filePath": "src/lib.rs", "content": result}})
        };
        out.line(&t);
        let mut a = base("assistant", n);
        a["message"] = json!({"id": format!("msg_{n}b"), "role": "assistant", "content": [
            {"type": "text", "text": format!("Here is what I found:\n\n```rust\n{}```\n",
                corpus::noise(seed ^ 3, n as usize, 12))}]});
        out.line(&a);
    }
    out.w.flush().expect("flush");
    planted
}

/// A Codex CLI rollout of about `size` bytes; returns the secrets planted.
fn codex(path: &Path, size: usize, seed: u64, day: u64, g: &mut fixtures::Gen) -> usize {
    let mut r = Rng::from_seed(&format!("codex-{seed}"));
    let mut out = Out::new(path);
    out.line(
        &json!({"timestamp": ts(day, 0), "type": "session_meta", "payload": {
        "id": g.uuid(), "cwd": "/home/dana/src/orders-api", "originator": "codex_cli_rs",
        "cli_version": "0.46.0", "base_instructions": {"text": corpus::noise(seed, 0, 40)}}}),
    );
    let mut n = 0u64;
    let mut planted = 0;
    let mut next_plant = 3 << 20;
    while out.bytes < size {
        n += 1;
        let t = ts(day, n);
        out.line(
            &json!({"timestamp": t, "type": "response_item", "payload": {"type": "message",
            "role": "user", "content": [{"type": "input_text", "text": pick(&mut r, PROMPTS)}]}}),
        );
        out.line(
            &json!({"timestamp": t, "type": "event_msg", "payload": {"type": "user_message",
            "message": pick(&mut r, PROMPTS)}}),
        );
        let cmd = pick(&mut r, COMMANDS);
        let call = format!("call_{n:08}");
        let args =
            serde_json::to_string(&json!({"cmd": cmd, "workdir": "/home/dana/src/orders-api"}))
                .expect("json");
        out.line(
            &json!({"timestamp": t, "type": "response_item", "payload": {"type": "function_call",
            "name": "exec_command", "arguments": args, "call_id": call}}),
        );
        let mut text = corpus::noise(seed ^ 5, n as usize, 30 + (r.next_u64() % 200) as usize);
        if out.bytes >= next_plant {
            text.push_str(&format!("export GITHUB_TOKEN={}\n", g.ghp()));
            planted += 1;
            next_plant += 4 << 20;
        }
        let output = serde_json::to_string(&json!({"output": text,
            "metadata": {"exit_code": 0, "duration_seconds": 0.4}}))
        .expect("json");
        out.line(
            &json!({"timestamp": t, "type": "response_item", "payload": {
            "type": "function_call_output", "call_id": call, "output": output}}),
        );
        out.line(
            &json!({"timestamp": t, "type": "event_msg", "payload": {"type": "exec_command_end",
            "call_id": call, "command": ["bash", "-lc", cmd], "aggregated_output": text}}),
        );
        out.line(
            &json!({"timestamp": t, "type": "response_item", "payload": {"type": "reasoning",
            "summary": [], "encrypted_content": format!("gAAAAA{}", g.t("«b64url:800»"))}}),
        );
        out.line(
            &json!({"timestamp": t, "type": "response_item", "payload": {"type": "message",
            "role": "assistant", "content": [{"type": "output_text",
            "text": corpus::noise(seed ^ 9, n as usize, 8)}]}}),
        );
    }
    out.w.flush().expect("flush");
    planted
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--fixtures") {
        let Some(dir) = args.get(2).map(PathBuf::from) else {
            eprintln!("usage: gen_transcripts --fixtures DIR");
            std::process::exit(2);
        };
        let planted = fixtures::build_home(&dir, "demo");
        println!("{} planted secrets under {}", planted.len(), dir.display());
        return;
    }
    let Some(dir) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: gen_transcripts DIR [TOTAL_MB]");
        std::process::exit(2);
    };
    let total: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2048) << 20;
    let mut g = fixtures::Gen::new("bench-transcripts");
    let mut r = Rng::from_seed("bench-layout");
    let (mut written, mut planted, mut files) = (0usize, 0usize, 0usize);
    let mut i = 0u64;
    while written < total {
        let size = ((2 + r.next_u64() % 22) as usize) << 20;
        let size = size.min(total - written).max(64 << 10);
        let day = i * 365 / (total as u64 / (12 << 20)).max(1) % 365;
        let p = if i % 5 < 3 {
            dir.join(format!(
                ".claude/projects/-home-dana-src-proj{}/{}.jsonl",
                i % 7,
                g.uuid()
            ))
        } else {
            let d = ts(day, 0);
            dir.join(format!(
                ".codex/sessions/{}/{}/{}/rollout-{}-{}.jsonl",
                &d[0..4],
                &d[5..7],
                &d[8..10],
                d[..19].replace(':', "-"),
                g.uuid()
            ))
        };
        planted += if i % 5 < 3 {
            claude(&p, size, i, day, &mut g)
        } else {
            codex(&p, size, i, day, &mut g)
        };
        written += fs::metadata(&p).map(|m| m.len() as usize).unwrap_or(size);
        files += 1;
        i += 1;
    }
    println!(
        "{} bytes in {files} transcripts under {}, {planted} planted secrets",
        written,
        dir.display()
    );
}
