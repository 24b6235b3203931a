//! Adoption and CI features end to end: baselines, inline allow comments, `.leakhound.toml`
//! discovery, `.gitleaksignore` import, and re-rendering reports as GitHub annotations,
//! Markdown summaries and SARIF.

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

fn ghp(seed: &str) -> String {
    expand("«token:github_crc32:ghp_»", &mut Rng::from_seed(seed)).unwrap()
}

fn findings(o: &Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    v["findings"].as_array().unwrap().clone()
}

#[test]
fn baseline_reports_only_new_findings_even_after_lines_move() {
    let d = tempfile::tempdir().unwrap();
    let old = ghp("old");
    fs::write(d.path().join("a.py"), format!("T = \"{old}\"\n")).unwrap();
    let o = lh(
        &[
            "baseline",
            "create",
            ".",
            "-o",
            ".leakhound-baseline.json",
            "--no-progress",
        ],
        d.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let b: Value =
        serde_json::from_slice(&fs::read(d.path().join(".leakhound-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(b["version"], 1);
    assert_eq!(b["entries"].as_array().unwrap().len(), 1);
    assert!(
        !fs::read_to_string(d.path().join(".leakhound-baseline.json"))
            .unwrap()
            .contains(&old)
    );

    // The old secret moves down; a new one appears.
    let new = ghp("new");
    fs::write(
        d.path().join("a.py"),
        format!("\n\n\nT = \"{old}\"\nU = \"{new}\"\n"),
    )
    .unwrap();
    let args = [
        "scan",
        ".",
        "--baseline",
        ".leakhound-baseline.json",
        "--format",
        "json",
        "--no-progress",
    ];
    let o = lh(&args, d.path());
    assert_eq!(o.status.code(), Some(1));
    let f = findings(&o);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["location"]["line"], 5);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["suppressed"], 1);

    // An earlier JSON report works as a baseline too.
    let o = lh(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "-o",
            "report.json",
            "--no-progress",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let o = lh(
        &["scan", ".", "--baseline", "report.json", "--no-progress"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    // A broken baseline is a clear error.
    fs::write(d.path().join("broken.json"), "{").unwrap();
    let o = lh(&["scan", ".", "--baseline", "broken.json"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("broken.json"));
}

#[test]
fn inline_allow_comments_suppress_their_line() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("a.py"),
        format!(
            "A = \"{}\"  # leakhound:allow\nB = \"{}\"  // gitleaks:allow\nC = \"{}\"\n",
            ghp("a"),
            ghp("b"),
            ghp("c")
        ),
    )
    .unwrap();
    let f = findings(&lh(
        &["scan", ".", "--format", "json", "--no-progress"],
        d.path(),
    ));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["location"]["line"], 3);
}

#[test]
fn config_is_discovered_at_the_scan_root_and_gitleaksignore_is_imported() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("repo");
    fs::create_dir_all(root.join("vendor")).unwrap();
    fs::write(
        root.join("vendor/lib.py"),
        format!("K = \"{}\"\n", ghp("v")),
    )
    .unwrap();
    fs::write(
        root.join("app.py"),
        format!("x = 1\nK = \"{}\"\n", ghp("app")),
    )
    .unwrap();
    fs::write(
        root.join("custom.txt"),
        format!(
            "id {}\n",
            expand("acme_«lower:16»", &mut Rng::from_seed("acme")).unwrap()
        ),
    )
    .unwrap();
    fs::write(
        root.join(".leakhound.toml"),
        "[scan]\nexclude = [\"vendor\"]\n\n[[rules.custom]]\nid = \"acme.key\"\nname = \"ACME key\"\n\
         provider = \"ACME\"\npattern = '(?P<secret>acme_[a-z0-9]{16})'\nkeywords = [\"acme_\"]\n\
         confidence = \"high\"\nseverity = \"high\"\nexamples = ['acme_«lower:16»']\n\
         negative_examples = ['acme_x']\nremediation = \"Rotate it.\"\n",
    )
    .unwrap();
    // Scanning from outside: the config at the root given is used.
    let f = findings(&lh(
        &["scan", "repo", "--format", "json", "--no-progress"],
        d.path(),
    ));
    let ids: Vec<&str> = f.iter().map(|x| x["rule_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"acme.key"), "{ids:?}");
    assert!(
        !f.iter()
            .any(|x| x["location"]["path"].as_str().unwrap().contains("vendor"))
    );
    // A Gitleaks ignore entry for app.py line 2 (gitleaks' own rule name).
    fs::write(root.join(".gitleaksignore"), "app.py:github-pat:2\n").unwrap();
    let f = findings(&lh(
        &["scan", ".", "--format", "json", "--no-progress"],
        &root,
    ));
    assert!(
        !f.iter().any(|x| x["location"]["path"] == "./app.py"),
        "{f:?}"
    );
    // Unknown keys are errors naming the file.
    fs::write(root.join(".leakhound.toml"), "[scan]\nexcludes = []\n").unwrap();
    let o = lh(&["scan", ".", "--no-progress"], &root);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(".leakhound.toml") && err.contains("excludes"),
        "{err}"
    );
}

#[test]
fn report_rerenders_json_as_annotations_markdown_and_sarif() {
    let d = tempfile::tempdir().unwrap();
    let s = ghp("rr");
    fs::write(d.path().join("a.py"), format!("x = 1\nT = \"{s}\"\n")).unwrap();
    let o = lh(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "-o",
            "f.json",
            "--no-progress",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let o = lh(
        &["report", "--from", "f.json", "--format", "github"],
        d.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("::error file=a.py,line=2,"), "{out}");
    assert!(!out.contains(&s));
    let o = lh(
        &["report", "--from", "f.json", "--format", "markdown"],
        d.path(),
    );
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.contains("| high | GitHub") && md.contains("`a.py:2`"),
        "{md}"
    );
    assert!(!md.contains(&s));
    let o = lh(
        &[
            "report",
            "--from",
            "f.json",
            "--format",
            "sarif",
            "--sarif-category",
            "pr/secrets",
        ],
        d.path(),
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "pr/secrets");
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 1);
    let o = lh(&["report", "--from", "missing.json"], d.path());
    assert_eq!(o.status.code(), Some(2));
}
