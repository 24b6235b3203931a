//! `leakhound install-hook` end to end: a real repository, a real `git commit` that the hook
//! blocks when the staged change adds a secret, and lets through otherwise.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use leakhound::rules::template::{Rng, expand};

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git")
}

#[test]
fn pre_commit_hook_blocks_secrets_and_allows_clean_commits() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    assert!(git(repo, &["init", "-q"]).status.success());
    let o = Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(["install-hook", "--repo", "."])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hook = repo.join(".git/hooks/pre-commit");
    assert!(
        fs::read_to_string(&hook)
            .unwrap()
            .contains(leakhound::hook::MARKER)
    );

    fs::write(repo.join("ok.txt"), "hello\n").unwrap();
    git(repo, &["add", "ok.txt"]);
    let o = git(repo, &["commit", "-qm", "clean"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let secret = expand("«token:github_crc32:ghp_»", &mut Rng::from_seed("hook")).unwrap();
    fs::write(repo.join("cfg.py"), format!("T = \"{secret}\"\n")).unwrap();
    git(repo, &["add", "cfg.py"]);
    let o = git(repo, &["commit", "-qm", "leak"]);
    assert!(!o.status.success(), "the hook let a secret through");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("github.pat.classic"), "{out}");
    assert!(!out.contains(&secret));
    assert_eq!(git(repo, &["rev-list", "--count", "HEAD"]).stdout, b"1\n");

    // A foreign hook is not replaced without --force.
    fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(["install-hook"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
}
