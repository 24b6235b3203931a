//! End-to-end tests of `leakhound agents` and `leakhound redact` on realistic transcripts of
//! every supported agent, with fake secrets generated at run time.

#[path = "support/agents_fixtures.rs"]
mod fixtures;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use assert_cmd::cargo::CommandCargoExt;
use leakhound::engine::{Engine, EngineOptions};
use leakhound::finding::fingerprint;
use leakhound::progress::Progress;
use leakhound::scan::{ScanOptions, Scanner};
use leakhound::sources::agents::{self, Options, emit::Edit, redact};
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::cargo_bin("leakhound").unwrap();
    c.env_remove("CLAUDE_CONFIG_DIR").env_remove("CODEX_HOME");
    c
}

fn run_json(args: &[&str], home: &Path, cwd: &Path) -> (Vec<Value>, i32, String) {
    let out = bin()
        .args(args)
        .args(["--format", "json", "--no-progress"])
        .env("HOME", home)
        .current_dir(cwd)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        v["findings"].as_array().unwrap().clone(),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn src<'a>(f: &'a Value, k: &str) -> Option<&'a str> {
    f["source"][k].as_str()
}

/// Checks every planted secret has a finding with the expected attribution, and that nothing
/// else was reported.
fn check_planted(findings: &[Value], planted: &[fixtures::Planted], root: &Path) {
    let mut expected = BTreeSet::new();
    for p in planted {
        let fp = fingerprint(p.rule, &p.secret);
        expected.insert(fp.clone());
        let file = root.join(&p.file);
        let hits: Vec<&Value> = findings
            .iter()
            .filter(|f| {
                f["fingerprint"] == fp.as_str()
                    && Path::new(f["location"]["path"].as_str().unwrap()) == file
            })
            .collect();
        assert!(
            !hits.is_empty(),
            "{}: not found in {}",
            p.label,
            file.display()
        );
        let ok = hits.iter().any(|f| {
            f["source"]["kind"] == "agent"
                && p.agent.is_none_or(|a| src(f, "agent") == Some(a))
                && p.role.is_none_or(|r| src(f, "role") == Some(r))
                && p.tool.is_none_or(|t| src(f, "tool") == Some(t))
                && p.session.is_none_or(|s| src(f, "session") == Some(s))
        });
        assert!(
            ok,
            "{}: attribution differs from agent={:?} role={:?} tool={:?} session={:?}: {:#?}",
            p.label,
            p.agent,
            p.role,
            p.tool,
            p.session,
            hits.iter().map(|f| &f["source"]).collect::<Vec<_>>()
        );
    }
    // Other rules may report the same material (a docker `auth`, a PKCS#8 block); anything
    // else must sit on a line holding a planted secret, and no decoy may fire.
    let place = |f: &Value| {
        (
            f["location"]["path"].as_str().unwrap().to_string(),
            f["location"]["line"].as_u64().unwrap(),
        )
    };
    let planted_places: BTreeSet<(String, u64)> = findings
        .iter()
        .filter(|f| expected.contains(f["fingerprint"].as_str().unwrap()))
        .map(place)
        .collect();
    let extra: Vec<String> = findings
        .iter()
        .filter(|f| !expected.contains(f["fingerprint"].as_str().unwrap()))
        .filter(|f| !planted_places.contains(&place(f)))
        .map(|f| {
            format!(
                "{} {} {}",
                f["rule_id"], f["location"]["path"], f["snippet"]
            )
        })
        .collect();
    for f in findings {
        let snip = f["snippet"].as_str().unwrap_or("");
        for d in [
            "EXAMPLE",
            "xxxxxxxx",
            "sk-...abcd",
            "[REDACTED]",
            "${HF_TOKEN}",
            "YOUR_API_KEY",
        ] {
            assert!(!snip.contains(d), "decoy {d} reported: {snip}");
        }
    }
    assert!(extra.is_empty(), "unexpected findings: {extra:#?}");
}

#[test]
fn every_planted_secret_is_found_with_attribution() {
    let home = tempfile::tempdir().unwrap();
    let planted = fixtures::build_home(home.path(), "agents-e2e");
    let (findings, code, stderr) = run_json(
        &[
            "agents",
            "--every-occurrence",
            home.path().to_str().unwrap(),
        ],
        home.path(),
        home.path(),
    );
    assert_eq!(code, 1, "{stderr}");
    check_planted(&findings, &planted, home.path());
    // Exact raw locations: the reported byte range holds the secret (or its encoded form).
    for f in &findings {
        let path = f["location"]["path"].as_str().unwrap();
        if path.ends_with(".vscdb") {
            continue;
        }
        let data = fs::read(path).unwrap();
        let (a, b) = (
            f["location"]["offset"].as_u64().unwrap() as usize,
            f["location"]["end_offset"].as_u64().unwrap() as usize,
        );
        assert!(a < b && b <= data.len(), "{f:#}");
        // The line reported is the line the offset is on.
        let line = data[..a].iter().filter(|&&c| c == b'\n').count() + 1;
        assert_eq!(
            f["location"]["line"].as_u64().unwrap() as usize,
            line,
            "{f:#}"
        );
    }
    // Pointers and inner pointers for JSON-in-string.
    let docker = findings
        .iter()
        .find(|f| {
            src(f, "format") == Some("codex-rollout")
                && src(f, "role") == Some("tool")
                && f["decoding"].as_array().is_some_and(|d| !d.is_empty())
        })
        .expect("docker auth finding");
    assert_eq!(src(docker, "pointer"), Some("/payload/output"));
    assert_eq!(
        docker["source"]["inner_pointers"],
        serde_json::json!(["/output", "/auths/ghcr.io/auth"])
    );
    assert_eq!(
        src(docker, "tool_input"),
        Some("cat /home/dana/.docker/config.json")
    );
    let split = findings
        .iter()
        .find(|f| src(f, "reassembled_from").is_some() && src(f, "format") == Some("vscode-chat"))
        .expect("reassembled finding");
    assert_eq!(src(split, "reassembled_from"), Some("lines 3–4"));
}

#[test]
fn default_locations_under_home_and_project() {
    let home = tempfile::tempdir().unwrap();
    let planted = fixtures::build_home(home.path(), "agents-default");
    // Traces are not in a default location; Aider files are found from the project directory.
    let planted: Vec<_> = planted
        .into_iter()
        .filter(|p| !p.file.starts_with("traces"))
        .collect();
    let project = home.path().join("src/shop");
    let (findings, code, stderr) =
        run_json(&["agents", "--every-occurrence"], home.path(), &project);
    assert_eq!(code, 1, "{stderr}");
    check_planted(&findings, &planted, home.path());
}

#[test]
fn repeats_group_into_one_finding_with_counts() {
    let home = tempfile::tempdir().unwrap();
    fixtures::build_home(home.path(), "agents-group");
    let (findings, _, _) = run_json(
        &["agents", home.path().to_str().unwrap()],
        home.path(),
        home.path(),
    );
    let fps: Vec<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = fps.iter().copied().collect();
    assert_eq!(fps.len(), unique.len(), "one finding per secret");
    let aws = findings
        .iter()
        .find(|f| f["rule_id"] == "aws.secret_access_key")
        .unwrap();
    assert_eq!(aws["source"]["occurrences"], 2, "{:#}", aws["source"]);
    assert_eq!(src(aws, "first_seen"), Some("2026-05-12T09:15:02.000Z"));
    // Gemini re-appends whole messages: the kubectl secret is seen in two records, and in
    // both the function response and its display copy.
    let gem = findings
        .iter()
        .find(|f| src(f, "format") == Some("gemini-chat") && src(f, "role") == Some("tool"))
        .unwrap();
    assert!(gem["source"]["occurrences"].as_u64().unwrap() >= 2);
}

#[test]
fn text_report_reads_like_attribution_and_hides_secrets() {
    let home = tempfile::tempdir().unwrap();
    let planted = fixtures::build_home(home.path(), "agents-text");
    let out = bin()
        .args(["agents", "--no-progress"])
        .arg(home.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Claude Code session 3f2a81c0…, message 3 (tool result of Bash `cat .env`)"),
        "{text}"
    );
    assert!(text.contains("Codex CLI session 0199a3b2…"), "{text}");
    assert!(text.contains("Cursor session c0ffee00…"), "{text}");
    for p in &planted {
        assert!(
            !text.contains(&p.secret),
            "{} leaked in the text report",
            p.label
        );
    }
    // SARIF carries the attribution in result properties and validates.
    let out = bin()
        .args(["agents", "--no-progress", "--format", "sarif"])
        .arg(home.path())
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        serde_json::to_string(&sarif)
            .unwrap()
            .contains("\"kind\":\"agent\""),
        "source embedded"
    );
}

fn engine() -> Engine {
    Engine::new(
        leakhound::rules::load_all(&[]).unwrap(),
        EngineOptions::default(),
    )
    .unwrap()
}

/// Scans `root` with the library and returns the redaction edits.
fn plan_edits(engine: &Engine, root: &Path) -> Vec<Edit> {
    let scanner = Scanner::new(engine, ScanOptions::default(), Progress::hidden());
    let edits = Mutex::new(Vec::new());
    agents::scan_paths(
        &[root.to_path_buf()],
        &scanner,
        &Options::default(),
        Some(&edits),
    );
    edits.into_inner().unwrap()
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn redact_keeps_files_valid_and_changes_only_secrets() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("h");
    let planted = fixtures::build_home(&root, "agents-redact");
    let before: Vec<(PathBuf, Vec<u8>)> = files_under(&root)
        .into_iter()
        .map(|p| {
            let d = fs::read(&p).unwrap();
            (p, d)
        })
        .collect();
    let engine = engine();
    let plan = redact::Plan::new(plan_edits(&engine, &root));
    assert!(!plan.is_empty());
    // Dry run changes nothing.
    let out = bin()
        .args(["redact", "--dry-run", "--no-progress"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("dry run"));
    for (p, d) in &before {
        assert_eq!(&fs::read(p).unwrap(), d, "dry run touched {}", p.display());
    }
    // Without --yes and without a terminal, nothing happens.
    let out = bin()
        .args(["redact", "--no-progress"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let backups = home.path().join("bk");
    let out = bin()
        .args(["redact", "--yes", "--no-progress", "--backup-dir"])
        .arg(&backups)
        .arg(&root)
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("replacements in"), "{stdout}");
    for (p, old) in &before {
        let new = fs::read(p).unwrap();
        if p.extension().is_some_and(|e| e == "vscdb") {
            continue;
        }
        // Every other byte is unchanged: the new file is exactly the old one with the planned
        // ranges replaced by their markers.
        match plan.files.get(p) {
            Some(edits) => {
                let refs: Vec<&Edit> = edits.iter().collect();
                assert_eq!(new, redact::apply(old, &refs).unwrap(), "{}", p.display());
                let bk = redact::backup_path(&backups, p);
                assert_eq!(&fs::read(&bk).unwrap(), old, "backup of {}", p.display());
            }
            None => assert_eq!(&new, old, "{} changed without a plan", p.display()),
        }
        // Still parses, record count unchanged.
        let old_lines: Vec<&[u8]> = old.split(|&b| b == b'\n').collect();
        let new_lines: Vec<&[u8]> = new.split(|&b| b == b'\n').collect();
        assert_eq!(old_lines.len(), new_lines.len());
        for (o, n) in old_lines.iter().zip(&new_lines) {
            if serde_json::from_slice::<Value>(o).is_ok() {
                serde_json::from_slice::<Value>(n)
                    .unwrap_or_else(|e| panic!("{}: line no longer JSON: {e}", p.display()));
            }
        }
        if serde_json::from_slice::<Value>(old).is_ok() {
            serde_json::from_slice::<Value>(&new).unwrap();
        }
        for pl in &planted {
            if root.join(&pl.file) == *p {
                assert!(
                    !String::from_utf8_lossy(&new).contains(&pl.secret),
                    "{} still in {}",
                    pl.label,
                    p.display()
                );
            }
        }
    }
    // The Cursor database: values are still JSON and hold markers.
    let db = rusqlite::Connection::open(root.join(".config/Cursor/User/globalStorage/state.vscdb"))
        .unwrap();
    let mut st = db.prepare("SELECT value FROM cursorDiskKV").unwrap();
    let vals: Vec<String> = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(vals.len(), 3);
    for v in &vals {
        serde_json::from_str::<Value>(v).unwrap();
    }
    assert!(
        vals.iter()
            .any(|v| v.contains("[REDACTED:anthropic.api_key:"))
    );
    // The audit log names every replaced secret by fingerprint, never by value.
    let log = fs::read_to_string(home.path().join("data/leakhound/audit.jsonl")).unwrap();
    for pl in &planted {
        assert!(!log.contains(&pl.secret), "{} in the audit log", pl.label);
        assert!(
            log.contains(&fingerprint(pl.rule, &pl.secret)),
            "{} not audited",
            pl.label
        );
    }
    assert!(log.lines().all(|l| l.contains("\"action\":\"redact\"")));
    // Rescanning finds nothing.
    let (findings, code, stderr) = run_json(
        &["agents", "--every-occurrence", root.to_str().unwrap()],
        home.path(),
        home.path(),
    );
    assert_eq!(code, 0, "{findings:#?}\n{stderr}");
    assert!(findings.is_empty());
}

#[test]
fn crash_mid_write_leaves_the_old_file() {
    let home = tempfile::tempdir().unwrap();
    let g = &mut fixtures::Gen::new("crash");
    let tok = g.ghp();
    let mut data = Vec::new();
    for i in 0..4000 {
        data.extend_from_slice(
            serde_json::json!({"type": "user", "sessionId": "s", "uuid": format!("u{i}"),
                "message": {"role": "user", "content": format!("line {i} padding padding padding")}})
                .to_string()
                .as_bytes(),
        );
        data.push(b'\n');
    }
    data.extend_from_slice(
        serde_json::json!({"type": "user", "sessionId": "s", "message": {"role": "user", "content": format!("export GITHUB_TOKEN={tok}")}})
            .to_string()
            .as_bytes(),
    );
    data.push(b'\n');
    let p = home.path().join("s.jsonl");
    fs::write(&p, &data).unwrap();
    let out = bin()
        .args(["redact", "--yes", "--no-backup", "--no-progress"])
        .arg(&p)
        .env("XDG_DATA_HOME", home.path())
        .env(redact::ABORT_ENV, "100000")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the child must have crashed");
    assert_eq!(fs::read(&p).unwrap(), data, "a crash left a torn file");
    let out = bin()
        .args(["redact", "--yes", "--no-backup", "--no-progress"])
        .arg(&p)
        .env("XDG_DATA_HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = fs::read(&p).unwrap();
    assert!(!String::from_utf8_lossy(&new).contains(&tok));
    assert_eq!(
        new.len(),
        data.len() - tok.len() + "[REDACTED:github.pat.classic:12345678]".len()
    );
}

#[test]
fn redaction_is_audited_where_asked_and_refused_without_a_trail() {
    let home = tempfile::tempdir().unwrap();
    let g = &mut fixtures::Gen::new("audit");
    let tok = g.ghp();
    let p = home.path().join("s.jsonl");
    let data = serde_json::json!({"type": "user", "sessionId": "s", "message":
        {"role": "user", "content": format!("export GITHUB_TOKEN={tok}")}})
    .to_string()
        + "\n";
    fs::write(&p, &data).unwrap();
    let redact = |log: &Path| {
        bin()
            .args([
                "redact",
                "--yes",
                "--no-backup",
                "--no-progress",
                "--audit-log",
            ])
            .arg(log)
            .arg(&p)
            .env("XDG_DATA_HOME", home.path().join("default"))
            .output()
            .unwrap()
    };
    // A log that cannot be opened (its parent is a file): nothing changes, exit 2.
    let blocker = home.path().join("not-a-dir");
    fs::write(&blocker, "").unwrap();
    let out = redact(&blocker.join("audit.jsonl"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("needs an audit trail"), "{stderr}");
    assert!(stderr.contains("not-a-dir"), "{stderr}");
    assert_eq!(fs::read_to_string(&p).unwrap(), data);
    // The asked-for log gets the record; the default one is not touched.
    let log = home.path().join("logs/redact.jsonl");
    let out = redact(&log);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!fs::read_to_string(&p).unwrap().contains(&tok));
    let text = fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(&fingerprint("github.pat.classic", &tok)));
    assert!(!text.contains(&tok));
    assert!(!home.path().join("default").exists());
}

#[test]
fn files_changed_since_the_scan_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let g = &mut fixtures::Gen::new("stale");
    let p = home.path().join("x.jsonl");
    fs::write(
        &p,
        format!(
            "{{\"display\":\"GITHUB_TOKEN={}\",\"timestamp\":1}}\n",
            g.ghp()
        ),
    )
    .unwrap();
    let engine = engine();
    let stamp = redact::Stamp::of(&p).unwrap();
    let edits = plan_edits(&engine, home.path());
    assert_eq!(edits.len(), 1);
    // Another process appends a record after the scan.
    let mut d = fs::read(&p).unwrap();
    d.extend_from_slice(b"{\"display\":\"more\",\"timestamp\":2}\n");
    fs::write(&p, &d).unwrap();
    let err = redact::redact_file(&p, &edits, stamp, None).unwrap_err();
    assert!(
        format!("{err:#}").contains("changed since the scan"),
        "{err:#}"
    );
    assert_eq!(fs::read(&p).unwrap(), d);
}

#[test]
fn bad_input_warns_and_scans_the_rest() {
    let home = tempfile::tempdir().unwrap();
    let g = &mut fixtures::Gen::new("bad");
    let d = home.path().join(".claude/projects/-x");
    fs::create_dir_all(&d).unwrap();
    let (t1, t2, t3, t4) = (g.ghp(), g.ghp(), g.ghp(), g.ghp());
    let mut s = Vec::new();
    s.extend_from_slice(format!("{{\"type\":\"user\",\"sessionId\":\"s\",\"message\":{{\"role\":\"user\",\"content\":\"a {t1}\"}}}}\n").as_bytes());
    // Invalid UTF-8 inside a record.
    s.extend_from_slice(b"{\"type\":\"user\",\"sessionId\":\"s\",\"message\":{\"role\":\"user\",\"content\":\"\xff\xfe ");
    s.extend_from_slice(t2.as_bytes());
    s.extend_from_slice(b"\"}}\n");
    // Deeply nested JSON.
    s.extend_from_slice(&b"[".repeat(100_000));
    s.extend_from_slice(b"\n");
    // A large single-line record.
    let big = format!(
        "{{\"type\":\"user\",\"sessionId\":\"s\",\"message\":{{\"role\":\"user\",\"content\":\"{} {t3}\"}}}}\n",
        "x".repeat(12 << 20)
    );
    s.extend_from_slice(big.as_bytes());
    // Truncated last line.
    s.extend_from_slice(format!("{{\"type\":\"user\",\"message\":{{\"content\":\"{t4}").as_bytes());
    fs::write(d.join("s.jsonl"), &s).unwrap();
    // Corrupt and locked SQLite databases.
    fs::write(
        home.path().join("corrupt.vscdb"),
        b"SQLite format 3\0garbage garbage",
    )
    .unwrap();
    let locked = home.path().join("locked.vscdb");
    let t5 = g.ghp();
    rusqlite::Connection::open(&locked)
        .unwrap()
        .execute_batch(&format!(
            "CREATE TABLE ItemTable (key TEXT, value BLOB);
             INSERT INTO ItemTable VALUES ('k', '{{\"t\":\"GITHUB_TOKEN={t5}\"}}');"
        ))
        .unwrap();
    // Read before locking: closing any descriptor of the file drops this process's locks.
    let before = fs::read(&locked).unwrap();
    let holder = rusqlite::Connection::open(&locked).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO ItemTable VALUES ('k2', 'x');")
        .unwrap();
    let (findings, code, stderr) = run_json(
        &[
            "agents",
            "--every-occurrence",
            home.path().to_str().unwrap(),
        ],
        home.path(),
        home.path(),
    );
    assert_eq!(code, 1, "{stderr}");
    for t in [&t1, &t2, &t3, &t4, &t5] {
        let fp = fingerprint("github.pat.classic", t);
        assert!(
            findings.iter().any(|f| f["fingerprint"] == fp.as_str()),
            "missing {fp}\n{stderr}"
        );
    }
    assert!(stderr.contains("invalid UTF-8"), "{stderr}");
    assert!(stderr.contains("nested deeper"), "{stderr}");
    assert!(stderr.contains("truncated last record"), "{stderr}");
    assert!(stderr.contains("corrupt.vscdb"), "{stderr}");
    // Redacting the locked database fails cleanly and leaves it as it was.
    let out = bin()
        .args(["redact", "--yes", "--no-backup", "--no-progress"])
        .arg(&locked)
        .env("XDG_DATA_HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("locked"));
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(fs::read(&locked).unwrap(), before);
}

/// The body of the `fuzz/` target: parse, decode, and map every view byte back into the input.
fn parse_and_map(data: &[u8]) {
    use agents::{json, view::View};
    use std::borrow::Cow;
    let Ok(doc) = json::parse(data, json::MAX_DEPTH) else {
        return;
    };
    for i in 0..doc.nodes.len() {
        let _ = json::pointer(&doc.path(data, i));
    }
    let v = View::json(Cow::Borrowed(data), doc, 3);
    let n = v.text().len();
    for k in (0..n).step_by((n / 64).max(1)) {
        let (a, b) = v.map_range(k, (k + 7).min(n));
        assert!(a <= b && b <= data.len(), "{k}: {a}..{b} of {}", data.len());
        let _ = v.pointers(k);
    }
}

/// Deterministic fuzzing of the transcript parser: mutated fixtures never panic or hang.
#[test]
fn mutated_transcripts_never_panic() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("h");
    fixtures::build_home(&root, "agents-fuzz");
    let engine = engine();
    let mut rng = leakhound::rules::template::Rng::from_seed("fuzz");
    let files: Vec<PathBuf> = files_under(&root)
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "vscdb"))
        .collect();
    let out = home.path().join("m");
    fs::create_dir_all(&out).unwrap();
    for round in 0..60 {
        let f = &files[(rng.next_u64() as usize) % files.len()];
        let mut d = fs::read(f).unwrap();
        for _ in 0..1 + rng.next_u64() % 8 {
            if d.is_empty() {
                break;
            }
            let i = (rng.next_u64() as usize) % d.len();
            match rng.next_u64() % 5 {
                0 => d.truncate(i),
                1 => d[i] = (rng.next_u64() & 0xff) as u8,
                2 => d.insert(i, b"\"\\{[]},:u"[(rng.next_u64() % 9) as usize]),
                3 => {
                    let n = (rng.next_u64() % 64) as usize;
                    d.drain(i..(i + n).min(d.len()));
                }
                _ => d.splice(i..i, b"\\u00".iter().copied()).for_each(drop),
            }
        }
        for line in d.split(|&b| b == b'\n') {
            parse_and_map(line);
        }
        parse_and_map(&d);
        // Keep the name so detection picks the same format.
        let dest = out
            .join(format!("{round}"))
            .join(f.strip_prefix(&root).unwrap());
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(&dest, &d).unwrap();
    }
    let scanner = Scanner::new(&engine, ScanOptions::default(), Progress::hidden());
    agents::scan_paths(&[out], &scanner, &Options::default(), None);
    let (_, summary) = scanner.finish();
    assert!(summary.files_scanned > 0);
}
