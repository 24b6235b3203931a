//! `leakhound remediate` and `leakhound audit` end to end.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use leakhound::rules::template::{Rng, expand};

fn lh(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run leakhound")
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn plan_covers_every_secret_with_rotation_places_and_source_advice() {
    let d = tempfile::tempdir().unwrap();
    let gh = expand("«token:github_crc32:ghp_»", &mut Rng::from_seed("plan")).unwrap();
    let sak = expand("«b64:40»", &mut Rng::from_seed("plan-aws")).unwrap();
    let akid = expand("AKIA«upper:16»", &mut Rng::from_seed("plan-akid")).unwrap();
    git(d.path(), &["init", "-q"]);
    fs::write(d.path().join("a.py"), format!("T = \"{gh}\"\n")).unwrap();
    fs::write(d.path().join("b.py"), format!("# copy\nT = \"{gh}\"\n")).unwrap();
    fs::write(
        d.path().join(".env"),
        format!("AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={sak}\n"),
    )
    .unwrap();
    git(d.path(), &["add", "."]);
    git(d.path(), &["commit", "-qm", "leak"]);
    let o = lh(
        &[
            "git",
            ".",
            "--format",
            "json",
            "-o",
            "git.json",
            "--no-progress",
        ],
        d.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = lh(&["remediate", "--from", "git.json"], d.path());
    assert_eq!(o.status.code(), Some(0));
    let plan = String::from_utf8_lossy(&o.stdout);
    // The GitHub token is one item with two places; the AWS secret is critical and comes first.
    let aws = plan.find("aws.secret_access_key").unwrap();
    let ghi = plan.find("github.pat.classic").unwrap();
    assert!(aws < ghi, "{plan}");
    assert!(plan.contains("Leaked at (2)"), "{plan}");
    assert!(plan.contains("git filter-repo"), "{plan}");
    assert!(plan.contains("CloudTrail"), "{plan}");
    for s in [&gh, &sak, &akid] {
        assert!(!plan.contains(s.as_str()));
    }
    let o = lh(
        &["remediate", "--from", "git.json", "--format", "markdown"],
        d.path(),
    );
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.starts_with("# Secret remediation plan") && md.contains("- [ ] `a.py:1`"),
        "{md}"
    );

    let o = lh(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "-o",
            "files.json",
            "--no-progress",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let plan =
        String::from_utf8_lossy(&lh(&["remediate", "--from", "files.json"], d.path()).stdout)
            .into_owned();
    assert!(plan.contains("secret manager"), "{plan}");
    let o = lh(&["remediate", "--from", "nope.json"], d.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn audit_lists_records_and_survives_a_torn_line() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("audit.jsonl");
    let mut r = leakhound::audit::Record::now("validate", "github.pat.classic", "ab12cd", "a.py:1");
    r.outcome = "live".into();
    r.endpoint_host = "api.github.com".into();
    leakhound::audit::append(&log, &r).unwrap();
    fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"broken"))
        .unwrap();
    r.action = "revoke".into();
    r.outcome = "revoked".into();
    leakhound::audit::append(&log, &r).unwrap();
    let o = lh(&["audit", "--audit-log", log.to_str().unwrap()], d.path());
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("revoked") && out.contains("-> api.github.com"),
        "{out}"
    );
    assert!(out.contains("2 records"), "{out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2"));
    let o = lh(
        &[
            "audit",
            "--audit-log",
            log.to_str().unwrap(),
            "--fingerprint",
            "zz",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
}
