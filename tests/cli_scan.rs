//! End-to-end tests of `leakhound scan` as a user runs it: real files in temp directories,
//! every output format, exit codes, and hostile inputs.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use leakhound::rules::template::{Rng, expand};
use serde_json::Value;

fn lh(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run leakhound")
}

fn token(tpl: &str, seed: &str) -> String {
    expand(tpl, &mut Rng::from_seed(seed)).expect("template")
}

fn ghp(seed: &str) -> String {
    token("«token:github_crc32:ghp_»", seed)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stdout(o)))
}

fn rule_ids(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

/// A tree with one GitHub token, an AWS key pair and noise.
fn planted_tree() -> (tempfile::TempDir, Vec<String>) {
    let d = tempfile::tempdir().unwrap();
    let gh = ghp("tree-gh");
    let akid = token("AKIA«upper:16»", "tree-akid");
    let sak = token("«b64:40»", "tree-sak");
    fs::create_dir_all(d.path().join("src/deep")).unwrap();
    fs::write(
        d.path().join("src/deep/config.py"),
        format!("import os\n\nGITHUB_TOKEN = \"{gh}\"\n"),
    )
    .unwrap();
    fs::write(
        d.path().join(".env"),
        format!("AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={sak}\n"),
    )
    .unwrap();
    // Ignored by .gitignore: still scanned by default.
    fs::write(d.path().join(".gitignore"), ".env\n").unwrap();
    fs::write(
        d.path().join("README.md"),
        "Use AKIAIOSFODNN7EXAMPLE and ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx as examples.\n",
    )
    .unwrap();
    (d, vec![gh, akid, sak])
}

fn assert_no_secret(text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "a full secret leaked into output"
        );
    }
}

#[test]
fn text_report_with_remediation_and_exit_1() {
    let (d, secrets) = planted_tree();
    let o = lh(&["scan", ".", "--no-progress"], d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("github.pat.classic"), "{out}");
    assert!(out.contains("aws.secret_access_key"), "{out}");
    assert!(out.contains("src/deep/config.py:3:"), "{out}");
    assert!(out.contains("fix "), "remediation missing: {out}");
    assert!(!out.contains("AKIAIOSFODNN7EXAMPLE\n"), "{out}");
    assert_no_secret(&out, &secrets);
    assert_no_secret(&stderr(&o), &secrets);
}

#[test]
fn clean_tree_exits_0_and_missing_path_exits_2() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("a.txt"), "nothing to see\n").unwrap();
    let o = lh(&["scan", ".", "--no-progress"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = lh(&["scan", "does-not-exist", "--no-progress"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist"), "{}", stderr(&o));
    // One bad path among good ones: warning, scan goes on.
    let o = lh(
        &["scan", "does-not-exist", "a.txt", "--no-progress"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: does-not-exist"),
        "{}",
        stderr(&o)
    );
    // Usage error.
    let o = lh(&["scan", "--format", "yaml"], d.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn json_jsonl_and_output_file() {
    let (d, secrets) = planted_tree();
    let o = lh(
        &["scan", ".", "--format", "json", "--no-progress"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let ids = rule_ids(&v);
    assert!(ids.contains(&"github.pat.classic".to_string()), "{ids:?}");
    assert_eq!(
        v["summary"]["findings"].as_u64().unwrap() as usize,
        ids.len()
    );
    let sak = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "aws.secret_access_key")
        .expect("aws secret finding");
    assert!(sak["parts"]["key_id"].is_string(), "pair missing: {sak}");
    assert_eq!(sak["location"]["path"], "./.env");
    assert_eq!(sak["location"]["line"], 2);
    assert_eq!(sak["source"]["kind"], "file");
    assert_eq!(sak["fingerprint"].as_str().unwrap().len(), 32);
    assert_no_secret(&stdout(&o), &secrets);

    let o = lh(
        &["scan", ".", "--format", "jsonl", "--no-progress"],
        d.path(),
    );
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), ids.len());

    let out = d.path().join("report.json");
    let o = lh(
        &[
            "scan",
            "src",
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
            "--no-progress",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let v: Value = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
    assert_eq!(rule_ids(&v), vec!["github.pat.classic"]);
}

#[test]
fn show_secrets_reveals_only_when_asked() {
    let (d, secrets) = planted_tree();
    let o = lh(
        &[
            "scan",
            "src",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    let v = json(&o);
    assert_eq!(v["findings"][0]["secret"], secrets[0].as_str());
    // SARIF never carries full secrets.
    let o = lh(
        &[
            "scan",
            ".",
            "--format",
            "sarif",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    assert_no_secret(&stdout(&o), &secrets);
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let (d, secrets) = planted_tree();
    let o = lh(
        &["scan", ".", "--format", "sarif", "--no-progress"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let sarif = json(&o);
    // The official schema's `run.language` pattern has a stray `]` that strict regex checking
    // of the schema itself rejects; it does not constrain anything we emit, so relax just it.
    let text = include_str!("data/sarif-schema-2.1.0.json")
        .replace("^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}-[a-zA-Z]{2}$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            !loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
        assert!(r["partialFingerprints"]["leakhoundFingerprint/v1"].is_string());
    }
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .all(|r| r["properties"]["security-severity"].is_string())
    );
    assert!(rules.iter().all(|r| r["help"]["markdown"].is_string()));
    assert_eq!(run["automationDetails"]["id"], "leakhound/scan/");
    assert_no_secret(&stdout(&o), &secrets);
}

#[test]
fn sarif_fingerprints_survive_line_moves() {
    let d = tempfile::tempdir().unwrap();
    let gh = ghp("move");
    let fp = |text: String| {
        fs::write(d.path().join("a.py"), text).unwrap();
        let v = json(&lh(
            &["scan", "a.py", "--format", "sarif", "--no-progress"],
            d.path(),
        ));
        v["runs"][0]["results"][0]["partialFingerprints"]["leakhoundFingerprint/v1"].clone()
    };
    let a = fp(format!("T = \"{gh}\"\n"));
    let b = fp(format!("\n\n# moved\nT = \"{gh}\"\n"));
    assert!(a.is_string());
    assert_eq!(a, b);
}

#[test]
fn respects_gitignore_only_when_asked_and_skips_git_and_node_modules() {
    let (d, _) = planted_tree();
    let o = lh(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--respect-gitignore",
            "--no-progress",
        ],
        d.path(),
    );
    let ids = rule_ids(&json(&o));
    assert!(!ids.iter().any(|i| i.starts_with("aws.")), "{ids:?}");
    for dir in [".git", "node_modules"] {
        fs::create_dir_all(d.path().join(dir)).unwrap();
        fs::write(d.path().join(dir).join("x"), format!("t={}\n", ghp(dir))).unwrap();
    }
    let v = json(&lh(
        &["scan", ".", "--format", "json", "--no-progress"],
        d.path(),
    ));
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths
            .iter()
            .any(|p| p.contains(".git/") || p.contains("node_modules")),
        "{paths:?}"
    );
    let v = json(&lh(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--no-default-skips",
            "--no-progress",
        ],
        d.path(),
    ));
    let n = v["findings"].as_array().unwrap().len();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"]["path"]
                .as_str()
                .unwrap()
                .contains("node_modules")),
        "{n}"
    );
}

#[test]
fn identical_findings_whatever_the_thread_count() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..200 {
        let sub = d.path().join(format!("d{}", i % 7));
        fs::create_dir_all(&sub).unwrap();
        let body = if i % 9 == 0 {
            format!("x = 1\ntoken = \"{}\"\n", ghp(&format!("t{i}")))
        } else {
            "x = 1\n".repeat(50)
        };
        fs::write(sub.join(format!("f{i}.py")), body).unwrap();
    }
    let run = |t: &str| {
        let mut v = json(&lh(
            &[
                "scan",
                ".",
                "--format",
                "json",
                "--threads",
                t,
                "--no-progress",
            ],
            d.path(),
        ));
        v["summary"]["duration_ms"] = Value::Null;
        v
    };
    let one = run("1");
    assert_eq!(one["findings"].as_array().unwrap().len(), 23);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
}

#[test]
fn hostile_inputs_warn_and_the_scan_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let gh = ghp("hostile");
    fs::write(p.join("good.txt"), format!("token {gh}\n")).unwrap();
    // Invalid UTF-8 around a secret.
    let mut bad = b"\xfd\xfe\xff garbage \xc3\x28 ".to_vec();
    bad.extend_from_slice(format!("key={}\n", ghp("utf8")).as_bytes());
    bad.push(0xff);
    fs::write(p.join("invalid-utf8.txt"), bad).unwrap();
    // UTF-16LE with BOM.
    let mut u16 = vec![0xFF, 0xFE];
    for u in format!("GITHUB_TOKEN={}\r\n", ghp("utf16")).encode_utf16() {
        u16.extend_from_slice(&u.to_le_bytes());
    }
    fs::write(p.join("utf16.txt"), u16).unwrap();
    // Binary with an embedded secret: skipped unless --scan-binary.
    let mut bin = vec![0u8, 1, 2, 3, 0x7f, b'E', b'L', b'F', 0, 0];
    bin.extend_from_slice(format!("\0\0{}\0\0", ghp("binary")).as_bytes());
    bin.extend(std::iter::repeat_n(0u8, 100));
    fs::write(p.join("blob.bin"), bin).unwrap();
    // Symlink loop and a dangling link.
    fs::create_dir(p.join("loop")).unwrap();
    std::os::unix::fs::symlink("..", p.join("loop/up")).unwrap();
    std::os::unix::fs::symlink("nowhere", p.join("dangling")).unwrap();
    // A FIFO: never opened, never blocks.
    let fifo = p.join("fifo");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());

    let o = lh(&["scan", ".", "--format", "json", "--no-progress"], p);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    for want in ["./good.txt", "./invalid-utf8.txt", "./utf16.txt"] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    assert!(!paths.contains(&"./blob.bin"));
    assert_eq!(v["summary"]["skipped_binary"], 1);
    assert!(
        v["summary"]["skipped_other"].as_u64().unwrap() >= 3,
        "{}",
        v["summary"]
    );

    let v = json(&lh(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--scan-binary",
            "--no-progress",
        ],
        p,
    ));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"]["path"] == "./blob.bin")
    );

    // Following links finds the loop and says so, naming the path.
    let o = lh(
        &[
            "scan",
            ".",
            "--follow-symlinks",
            "--format",
            "json",
            "--no-progress",
        ],
        p,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("loop") && err.contains("up"), "{err}");

    // An unreadable file (reading /proc/self/mem at offset 0 fails with EIO, even for root).
    let o = lh(&["scan", "/proc/self/mem", "good.txt", "--no-progress"], p);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("/proc/self/mem"), "{}", stderr(&o));
    let o = lh(&["scan", "/proc/self/mem", "--no-progress"], p);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn huge_files_are_streamed_in_overlapping_chunks() {
    let d = tempfile::tempdir().unwrap();
    let chunk = 1 << 20;
    let line = "let value = compute(alpha, beta); // filler filler filler filler\n";
    let mut text = String::new();
    let mut secrets = Vec::new();
    let mut want_lines = Vec::new();
    let mut lineno = 0;
    // Place secrets right across several chunk boundaries.
    for k in 1..=5 {
        while text.len() + line.len() < k * (chunk - 2048) + k * 37 {
            text.push_str(line);
            lineno += 1;
        }
        let s = ghp(&format!("huge{k}"));
        text.push_str(&format!("secret_{k} = {s}\n"));
        lineno += 1;
        want_lines.push(lineno);
        secrets.push(s);
    }
    for _ in 0..1000 {
        text.push_str(line);
    }
    fs::write(d.path().join("big.rs"), &text).unwrap();
    let o = lh(
        &[
            "scan",
            "big.rs",
            "--format",
            "json",
            "--chunk-size",
            &chunk.to_string(),
            "--no-progress",
        ],
        d.path(),
    );
    let v = json(&o);
    let mut lines: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        want_lines.iter().map(|&l| l as u64).collect::<Vec<_>>()
    );
    assert_eq!(
        v["summary"]["bytes_scanned"].as_u64().unwrap(),
        text.len() as u64
    );
    // The size limit skips with a warning.
    let o = lh(
        &["scan", "big.rs", "--max-file-size", "1000", "--no-progress"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("big.rs") && stderr(&o).contains("max-file-size"));
}

#[test]
fn config_file_excludes_and_allowlists() {
    let (d, _) = planted_tree();
    let v = json(&lh(
        &["scan", ".", "--format", "json", "--no-progress"],
        d.path(),
    ));
    let gh_fp = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "github.pat.classic")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    fs::write(
        d.path().join("lh.toml"),
        format!("[scan]\nexclude = [\"**/.env\"]\n[allowlist]\nfingerprints = [\"{gh_fp}\"]\n"),
    )
    .unwrap();
    let o = lh(
        &[
            "scan",
            ".",
            "--config",
            "lh.toml",
            "--format",
            "json",
            "--no-progress",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    fs::write(d.path().join("bad.toml"), "[scan]\nexclud = []\n").unwrap();
    let o = lh(&["scan", ".", "--config", "bad.toml"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml"), "{}", stderr(&o));
}

#[test]
fn user_rules_load_and_bad_rules_fail_clearly() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("mine.yml"),
        r#"rules:
  - id: acme.token
    name: ACME internal token
    provider: ACME
    pattern: '(?P<secret>acme_[a-z0-9]{24})'
    keywords: [acme_]
    confidence: high
    severity: high
    examples: ['t = acme_«lower:24»']
    negative_examples: ['acme_short']
    remediation: Rotate it in the ACME console.
"#,
    )
    .unwrap();
    fs::write(
        d.path().join("x.txt"),
        format!("t = {}\n", token("acme_«lower:24»", "acme")),
    )
    .unwrap();
    let v = json(&lh(
        &[
            "scan",
            "x.txt",
            "--rules",
            "mine.yml",
            "--format",
            "json",
            "--no-progress",
        ],
        d.path(),
    ));
    assert_eq!(rule_ids(&v), vec!["acme.token"]);
    let o = lh(&["rules", "check", "--rules", "mine.yml"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    fs::write(
        d.path().join("bad.yml"),
        "rules:\n  - id: x\n    pattern: '('\n",
    )
    .unwrap();
    let o = lh(&["scan", "x.txt", "--rules", "bad.yml"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.yml"), "{}", stderr(&o));
}

#[test]
fn rules_list_and_check_cover_the_catalogue() {
    let d = tempfile::tempdir().unwrap();
    let o = lh(&["rules", "list", "--format", "json"], d.path());
    assert_eq!(o.status.code(), Some(0));
    let list = json(&o);
    assert!(list.as_array().unwrap().len() >= 60);
    let o = lh(&["rules", "check"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}
