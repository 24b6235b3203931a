//! Runs the GitHub Action's scan step (`scripts/action-scan.sh`) the way a runner does: with
//! `GITHUB_*` variables, an event payload, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, and
//! checks outputs, summary, annotations, SARIF and the exit code.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use leakhound::rules::template::{Rng, expand};

struct Run {
    code: i32,
    stdout: String,
    outputs: HashMap<String, String>,
    summary: String,
    sarif: serde_json::Value,
}

fn action(workspace: &Path, event_name: &str, event: &str, inputs: &[(&str, &str)]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let event_path = tmp.path().join("event.json");
    fs::write(&event_path, event).unwrap();
    let output = tmp.path().join("output");
    let summary = tmp.path().join("summary.md");
    fs::write(&output, "").unwrap();
    fs::write(&summary, "").unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/action-scan.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .current_dir(workspace)
        .env("LEAKHOUND_BIN", env!("CARGO_BIN_EXE_leakhound"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_WORKSPACE", workspace)
        .env("RUNNER_TEMP", tmp.path());
    for (k, v) in inputs {
        cmd.env(format!("INPUT_{}", k.to_uppercase().replace('-', "_")), v);
    }
    let o = cmd.output().unwrap();
    let outputs = fs::read_to_string(&output)
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect();
    let sarif_path = workspace.join(
        inputs
            .iter()
            .find(|(k, _)| *k == "sarif-file")
            .map_or("leakhound.sarif", |(_, v)| v),
    );
    let sarif = fs::read(&sarif_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        outputs,
        summary: fs::read_to_string(&summary).unwrap(),
        sarif,
    }
}

fn ghp(seed: &str) -> String {
    expand("«token:github_crc32:ghp_»", &mut Rng::from_seed(seed)).unwrap()
}

#[test]
fn files_mode_fails_with_annotations_summary_outputs_and_sarif() {
    let d = tempfile::tempdir().unwrap();
    let secret = ghp("action-files");
    fs::write(
        d.path().join("app.py"),
        format!("x = 1\nTOKEN = \"{secret}\"\n"),
    )
    .unwrap();
    let r = action(
        d.path(),
        "schedule",
        "{}",
        &[("mode", "files"), ("fail-on", "any")],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("::error file=app.py,line=2,"),
        "{}",
        r.stdout
    );
    assert_eq!(r.outputs["findings-count"], "1");
    assert_eq!(r.outputs["live-count"], "0");
    assert_eq!(r.outputs["sarif-file"], "leakhound.sarif");
    assert!(r.summary.contains("1 secret found"), "{}", r.summary);
    assert_eq!(
        r.sarif["runs"][0]["automationDetails"]["id"],
        "leakhound/files/"
    );
    for text in [&r.stdout, &r.summary, &r.sarif.to_string()] {
        assert!(!text.contains(&secret), "full secret leaked");
    }
    // fail-on above the finding's severity passes the check but still reports.
    let r = action(
        d.path(),
        "schedule",
        "{}",
        &[("mode", "files"), ("fail-on", "critical")],
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.outputs["findings-count"], "1");
}

#[test]
fn clean_tree_passes_and_bad_mode_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("ok.txt"), "nothing here\n").unwrap();
    let r = action(d.path(), "schedule", "{}", &[("mode", "files")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.outputs["findings-count"], "0");
    assert!(r.summary.contains("no secrets found"));
    let r = action(d.path(), "schedule", "{}", &[("mode", "sideways")]);
    assert_eq!(r.code, 2);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn pull_request_diff_mode_reports_only_the_new_commits() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    git(repo, &["init", "-q", "-b", "main"]);
    // An old secret on the base branch: not this PR's doing.
    let old = ghp("pr-old");
    fs::write(repo.join("old.py"), format!("OLD = \"{old}\"\n")).unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "base"]);
    let base = git(repo, &["rev-parse", "HEAD"]);
    let event = format!("{{\"pull_request\": {{\"base\": {{\"sha\": \"{base}\"}}}}}}");

    // A clean PR passes.
    git(repo, &["checkout", "-q", "-b", "feature"]);
    fs::write(repo.join("feature.py"), "x = 1\n").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "clean change"]);
    let r = action(repo, "pull_request", &event, &[("mode", "auto")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.outputs["findings-count"], "0");

    // A PR adding a secret (even one removed again in a later commit) fails with an annotation.
    let new = ghp("pr-new");
    fs::write(
        repo.join("feature.py"),
        format!("x = 1\nTOKEN = \"{new}\"\n"),
    )
    .unwrap();
    git(repo, &["commit", "-qam", "add token"]);
    fs::write(repo.join("feature.py"), "x = 1\n").unwrap();
    git(repo, &["commit", "-qam", "remove token"]);
    let r = action(
        repo,
        "pull_request",
        &event,
        &[("mode", "auto"), ("sarif-file", "out.sarif")],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.outputs["findings-count"], "1");
    assert!(
        r.stdout.contains("::error file=feature.py,line=2,"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.sarif["runs"][0]["automationDetails"]["id"],
        "leakhound/diff/"
    );
    let loc = &r.sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "feature.py");
    assert!(r.sarif["runs"][0]["results"][0]["properties"]["source"]["commit"].is_string());
    for text in [&r.stdout, &r.summary, &r.sarif.to_string()] {
        assert!(
            !text.contains(&new) && !text.contains(&old),
            "full secret leaked"
        );
    }
    // Push events use the `before` commit; a scheduled run scans the whole history.
    let push = format!("{{\"before\": \"{base}\"}}");
    assert_eq!(
        action(repo, "push", &push, &[]).outputs["findings-count"],
        "1"
    );
    assert_eq!(
        action(repo, "schedule", "{}", &[]).outputs["findings-count"],
        "2"
    );
}
