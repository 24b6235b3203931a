//! `leakhound git` end to end on real repositories built with the git CLI: history,
//! branches, tags, stashes, unreachable objects, merges, renames, CI mode, shallow, bare and
//! mirror clones, the index, and damaged repositories.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use leakhound::rules::template::{Rng, expand};
use serde_json::Value;

/// A fake GitHub token with a valid checksum, made at run time.
fn token(seed: &str) -> String {
    expand("«token:github_crc32:ghp_»", &mut Rng::from_seed(seed)).unwrap()
}

/// A fake AWS access key id.
fn aws_key_id(seed: &str) -> String {
    expand("AKIA«upper:16»", &mut Rng::from_seed(seed)).unwrap()
}

/// A repository built with the git CLI, isolated from the user's configuration, with
/// deterministic, increasing commit dates.
struct Repo {
    _dir: tempfile::TempDir,
    path: PathBuf,
    clock: Cell<u64>,
}

fn git_in(dir: &Path, args: &[&str], date: u64) -> Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Alice Example")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice Example")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .env("GIT_AUTHOR_DATE", format!("{date} +0000"))
        .env("GIT_COMMITTER_DATE", format!("{date} +0000"))
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        std::fs::create_dir(&path).unwrap();
        let r = Repo {
            _dir: dir,
            path,
            clock: Cell::new(1_700_000_000),
        };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn git(&self, args: &[&str]) -> String {
        self.clock.set(self.clock.get() + 60);
        let out = git_in(&self.path, args, self.clock.get());
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    /// Writes files, stages everything and commits; returns the commit id.
    fn commit(&self, files: &[(&str, &str)], msg: &str) -> String {
        for (rel, text) in files {
            self.write(rel, text);
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.head()
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// A sibling directory for clones.
    fn sibling(&self, name: &str) -> PathBuf {
        self.path.parent().unwrap().join(name)
    }
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn findings(&self) -> &Vec<Value> {
        self.json["findings"].as_array().expect("findings array")
    }

    /// Findings whose secret is `secret`.
    fn of(&self, secret: &str) -> Vec<&Value> {
        self.findings()
            .iter()
            .filter(|f| f["secret"] == secret)
            .collect()
    }

    fn summary(&self, key: &str) -> u64 {
        self.json["summary"][key].as_u64().unwrap_or(0)
    }
}

fn leakhound(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(args)
        .current_dir(cwd)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("leakhound runs")
}

/// `leakhound git <repo> --format json --show-secrets <extra>`.
fn scan(repo: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "git",
        repo.to_str().unwrap(),
        "--format",
        "json",
        "--show-secrets",
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    let out = leakhound(&args, repo.parent().unwrap());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json output ({e}); stderr: {stderr}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        json,
        stderr,
    }
}

#[test]
fn secret_added_then_removed_is_attributed_to_the_commit_that_added_it() {
    let r = Repo::new();
    let t = token("removed");
    r.commit(&[("src/app.py", "print('hi')\n")], "init");
    let added = r.commit(
        &[("src/app.py", &format!("print('hi')\nTOKEN = \"{t}\"\n"))],
        "Add deploy token\n\nlonger body",
    );
    r.commit(&[("src/app.py", "print('hi')\n")], "Remove token");
    let run = scan(&r.path, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let f = run.of(&t);
    assert_eq!(f.len(), 1, "{:#?}", run.json);
    let f = f[0];
    assert_eq!(f["rule_id"], "github.pat.classic");
    assert_eq!(f["location"]["path"], "src/app.py");
    assert_eq!(f["location"]["line"], 2);
    let s = &f["source"];
    assert_eq!(s["kind"], "git");
    assert_eq!(s["origin"], "history");
    assert_eq!(s["commit"], added.as_str());
    assert_eq!(s["author_name"], "Alice Example");
    assert_eq!(s["author_email"], "alice@example.com");
    assert_eq!(s["summary"], "Add deploy token");
    assert_eq!(s["path"], "src/app.py");
    assert_eq!(s["other_places"], 0);
    let date = s["date"].as_str().unwrap();
    assert!(
        date.starts_with("2023-11-14T") && date.ends_with('Z'),
        "{date}"
    );
    // Two distinct blobs of src/app.py exist; the first one twice (init and removal).
    assert_eq!(run.summary("files_scanned"), 2);
}

#[test]
fn text_report_names_the_commit() {
    let r = Repo::new();
    let t = token("text");
    let c = r.commit(&[("config.env", &format!("GH={t}\n"))], "Add config");
    let out = leakhound(&["git", r.path.to_str().unwrap(), "--no-progress"], &r.path);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("at       config.env:1:4"), "{text}");
    assert!(
        text.contains(&format!("commit {} by Alice Example", &c[..12])),
        "{text}"
    );
    assert!(text.contains("\"Add config\""), "{text}");
    assert!(!text.contains(&t), "the secret must be redacted: {text}");
}

#[test]
fn secrets_only_on_a_side_branch_in_a_tag_or_in_stashes_are_found() {
    let r = Repo::new();
    let (on_branch, in_tag, in_annotated, stashed_old, stashed_new) = (
        token("branch"),
        token("tag"),
        token("annotated"),
        token("stash-old"),
        token("stash-new"),
    );
    r.commit(&[("README.md", "hello\n")], "init");
    r.git(&["checkout", "-q", "-b", "feature"]);
    let side = r.commit(&[("feature.txt", &format!("k={on_branch}\n"))], "side work");
    r.git(&["checkout", "-q", "main"]);
    // Commits reachable only from tags: their branches are deleted.
    r.git(&["checkout", "-q", "-b", "tmp"]);
    let tagged = r.commit(&[("t.txt", &format!("k={in_tag}\n"))], "tagged");
    r.git(&["tag", "light"]);
    let annotated = r.commit(&[("t.txt", &format!("k={in_annotated}\n"))], "annotated");
    r.git(&["tag", "-a", "v1", "-m", "release"]);
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-q", "-D", "tmp"]);
    // Two stashes: the older one survives only in the stash reflog.
    r.write("README.md", &format!("hello\n{stashed_old}\n"));
    r.git(&["stash", "-q"]);
    r.write("README.md", &format!("hello\n{stashed_new}\n"));
    r.git(&["stash", "-q"]);
    let run = scan(&r.path, &[]);
    let commit_of = |s: &str| {
        let f = run.of(s);
        assert!(!f.is_empty(), "{s:.8} not found: {:#?}", run.json);
        f[0]["source"]["commit"].as_str().unwrap().to_string()
    };
    assert_eq!(commit_of(&on_branch), side);
    assert_eq!(commit_of(&in_tag), tagged);
    assert_eq!(commit_of(&in_annotated), annotated);
    commit_of(&stashed_old);
    commit_of(&stashed_new);
    // --branch main sees none of them.
    let main_only = scan(&r.path, &["--branch", "main"]);
    assert!(main_only.findings().is_empty(), "{:#?}", main_only.json);
    assert_eq!(main_only.code, 0);
    let feature_only = scan(&r.path, &["--branch", "feature"]);
    assert_eq!(feature_only.findings().len(), 1);
}

#[test]
fn unreachable_commits_and_dangling_blobs_need_all_objects() {
    let r = Repo::new();
    let (in_commit, in_blob) = (token("dropped-commit"), token("dangling-blob"));
    r.commit(&[("a.txt", "base\n")], "init");
    let dropped = r.commit(&[("a.txt", &format!("base\n{in_commit}\n"))], "oops");
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    // A blob written to the object database but never committed.
    r.write("loose.txt", &format!("x={in_blob}\n"));
    r.git(&["hash-object", "-w", "loose.txt"]);
    std::fs::remove_file(r.path.join("loose.txt")).unwrap();
    let normal = scan(&r.path, &[]);
    assert!(normal.findings().is_empty(), "{:#?}", normal.json);
    let all = scan(&r.path, &["--all-objects"]);
    let c = all.of(&in_commit);
    assert_eq!(c.len(), 1, "{:#?}", all.json);
    assert_eq!(c[0]["source"]["origin"], "unreachable");
    assert_eq!(c[0]["source"]["commit"], dropped.as_str());
    assert_eq!(c[0]["location"]["path"], "a.txt");
    let b = all.of(&in_blob);
    assert_eq!(b.len(), 1, "{:#?}", all.json);
    assert_eq!(b[0]["source"]["origin"], "unreachable");
    assert!(b[0]["source"].get("commit").is_none());
    assert!(
        b[0]["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("(unreachable blob ")
    );
}

#[test]
fn merges_attribute_to_the_side_commit_or_to_the_merge_that_made_the_change() {
    let r = Repo::new();
    let (from_side, in_merge) = (token("side-merged"), token("evil-merge"));
    r.commit(&[("a.txt", "one\n"), ("b.txt", "two\n")], "init");
    r.git(&["checkout", "-q", "-b", "side"]);
    let side = r.commit(&[("side.txt", &format!("{from_side}\n"))], "side adds");
    r.git(&["checkout", "-q", "main"]);
    r.commit(&[("a.txt", "one changed\n")], "main moves");
    // The merge itself adds a secret that neither parent has (an "evil merge").
    r.git(&["merge", "-q", "--no-commit", "--no-ff", "side"]);
    r.write("b.txt", &format!("two\n{in_merge}\n"));
    r.git(&["add", "b.txt"]);
    r.git(&["commit", "-q", "-m", "Merge side"]);
    let merge = r.head();
    let run = scan(&r.path, &[]);
    let side_f = run.of(&from_side);
    assert_eq!(side_f.len(), 1, "{:#?}", run.json);
    assert_eq!(side_f[0]["source"]["commit"], side.as_str());
    assert_eq!(side_f[0]["source"]["other_places"], 0);
    let merge_f = run.of(&in_merge);
    assert_eq!(merge_f.len(), 1, "{:#?}", run.json);
    assert_eq!(merge_f[0]["source"]["commit"], merge.as_str());
}

#[test]
fn a_renamed_file_is_reported_at_each_path_with_the_count_of_other_places() {
    let r = Repo::new();
    let t = token("renamed");
    let content = format!("key = {t}\n");
    let first = r.commit(&[("old/name.cfg", &content)], "add");
    std::fs::create_dir(r.path.join("new")).unwrap();
    r.git(&["mv", "old/name.cfg", "new/name.cfg"]);
    let renamed = r.commit(&[], "rename");
    // The same content at a second path in one commit is still one blob, scanned once.
    let copied = r.commit(&[("copy.cfg", &content)], "copy");
    let run = scan(&r.path, &[]);
    let mut f = run.of(&t);
    f.sort_by_key(|f| f["location"]["path"].as_str().unwrap().to_string());
    let got: Vec<(&str, &str, u64)> = f
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap(),
                f["source"]["commit"].as_str().unwrap(),
                f["source"]["other_places"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("copy.cfg", copied.as_str(), 2),
            ("new/name.cfg", renamed.as_str(), 2),
            ("old/name.cfg", first.as_str(), 2),
        ]
    );
    assert_eq!(run.summary("files_scanned"), 1);
    // The same answer once everything is packed (the one-pass pack traversal).
    r.git(&["gc", "-q"]);
    assert!(!r.path.join(".git/objects").join(&first[..2]).exists());
    let packed = scan(&r.path, &[]);
    assert_eq!(packed.findings(), run.findings());
    assert_eq!(packed.json["summary"]["files_scanned"], 1);
}

#[test]
fn since_commit_reports_only_what_the_new_commits_introduced() {
    let r = Repo::new();
    let (old, new, elsewhere) = (token("ci-old"), token("ci-new"), token("ci-elsewhere"));
    r.commit(&[("a.txt", &format!("{old}\n"))], "old secret");
    let base = r.head();
    r.git(&["checkout", "-q", "-b", "other"]);
    r.commit(&[("o.txt", &format!("{elsewhere}\n"))], "elsewhere");
    r.git(&["checkout", "-q", "main"]);
    r.git(&["checkout", "-q", "-b", "pr"]);
    r.commit(&[("b.txt", "clean\n")], "clean change");
    let pr = r.commit(&[("b.txt", &format!("clean\n{new}\n"))], "new secret");
    let run = scan(&r.path, &["--since-commit", &base]);
    let secrets: Vec<&str> = run
        .findings()
        .iter()
        .map(|f| f["secret"].as_str().unwrap())
        .collect();
    assert_eq!(secrets, vec![new.as_str()], "{:#?}", run.json);
    assert_eq!(run.of(&new)[0]["source"]["commit"], pr.as_str());
    assert_eq!(run.code, 1);
    // Nothing new: clean exit.
    let none = scan(&r.path, &["--since-commit", "HEAD"]);
    assert!(none.findings().is_empty());
    assert_eq!(none.code, 0);
    // An explicit branch range.
    let ranged = scan(&r.path, &["--since-commit", &base, "--branch", "other"]);
    assert_eq!(ranged.findings().len(), 1);
    assert_eq!(ranged.findings()[0]["secret"], elsewhere.as_str());
    // A base that does not exist is a usage error.
    let out = leakhound(
        &["git", r.path.to_str().unwrap(), "--since-commit", "nope"],
        &r.path,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

#[test]
fn shallow_bare_and_mirror_clones() {
    let r = Repo::new();
    let (old, recent) = (token("shallow-old"), token("shallow-recent"));
    r.commit(&[("a.txt", &format!("{old}\n"))], "old");
    r.commit(&[("a.txt", "gone\n")], "remove");
    r.commit(&[("b.txt", &format!("{recent}\n"))], "recent");
    let url = format!("file://{}", r.path.display());
    let shallow = r.sibling("shallow");
    let bare = r.sibling("bare.git");
    let mirror = r.sibling("mirror.git");
    let parent = r.path.parent().unwrap();
    git_in(
        parent,
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
        1_700_000_000,
    );
    git_in(
        parent,
        &["clone", "-q", "--bare", &url, bare.to_str().unwrap()],
        1_700_000_000,
    );
    git_in(
        parent,
        &["clone", "-q", "--mirror", &url, mirror.to_str().unwrap()],
        1_700_000_000,
    );
    let s = scan(&shallow, &[]);
    assert_eq!(s.of(&recent).len(), 1, "{:#?}", s.json);
    assert!(s.of(&old).is_empty());
    assert!(s.stderr.contains("shallow"), "{}", s.stderr);
    for clone in [&bare, &mirror] {
        let run = scan(clone, &[]);
        assert_eq!(
            run.of(&old).len(),
            1,
            "{}: {:#?}",
            clone.display(),
            run.json
        );
        assert_eq!(run.of(&recent).len(), 1);
        assert_eq!(run.summary("warnings"), 0, "{}", run.stderr);
    }
}

#[test]
fn a_corrupt_loose_object_is_a_warning_and_the_rest_is_scanned() {
    let r = Repo::new();
    let (good, lost) = (token("survives"), token("corrupted"));
    r.commit(&[("good.txt", &format!("{good}\n"))], "good");
    r.commit(&[("bad.txt", &format!("{lost}\n"))], "bad");
    let blob = r.git(&["rev-parse", "HEAD:bad.txt"]);
    let obj = r
        .path
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let mut perms = std::fs::metadata(&obj).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&obj, perms).unwrap();
    std::fs::write(&obj, b"this is not zlib data at all").unwrap();
    let run = scan(&r.path, &[]);
    assert_eq!(run.of(&good).len(), 1, "{:#?}", run.json);
    assert!(run.of(&lost).is_empty());
    assert!(
        run.stderr.contains(&blob),
        "warning names the object: {}",
        run.stderr
    );
    assert!(run.summary("warnings") >= 1);
    assert_eq!(run.code, 1);
}

#[test]
fn broken_refs_and_missing_alternates_are_warnings() {
    let r = Repo::new();
    let t = token("still-found");
    r.commit(&[("a.txt", &format!("{t}\n"))], "add");
    std::fs::write(
        r.path.join(".git/refs/heads/broken"),
        "0123456789012345678901234567890123456789\n",
    )
    .unwrap();
    std::fs::write(r.path.join(".git/refs/tags/garbage"), "not a ref at all\n").unwrap();
    std::fs::create_dir_all(r.path.join(".git/objects/info")).unwrap();
    std::fs::write(
        r.path.join(".git/objects/info/alternates"),
        "/nonexistent/leakhound-alternate/objects\n",
    )
    .unwrap();
    let run = scan(&r.path, &[]);
    assert_eq!(run.of(&t).len(), 1, "{}\n{:#?}", run.stderr, run.json);
    assert!(run.stderr.contains("refs/heads/broken"), "{}", run.stderr);
    assert!(run.stderr.contains("garbage"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("/nonexistent/leakhound-alternate/objects"),
        "{}",
        run.stderr
    );
}

#[test]
fn objects_borrowed_from_an_alternate_are_scanned() {
    let r = Repo::new();
    let t = token("alternate");
    r.commit(&[("a.txt", &format!("{t}\n"))], "add");
    let shared = r.sibling("shared");
    let url = r.path.to_str().unwrap();
    git_in(
        r.path.parent().unwrap(),
        &["clone", "-q", "--shared", url, shared.to_str().unwrap()],
        1_700_000_000,
    );
    let run = scan(&shared, &[]);
    assert_eq!(run.of(&t).len(), 1, "{}", run.stderr);
}

#[test]
fn staged_scans_the_index_only() {
    let r = Repo::new();
    let (committed, staged) = (token("committed"), token("staged"));
    r.commit(&[("a.txt", &format!("{committed}\n"))], "add");
    r.write("a.txt", "clean now\n");
    r.write("new.txt", &format!("{staged}\n"));
    r.git(&["add", "new.txt", "a.txt"]);
    let run = scan(&r.path, &["--staged"]);
    assert_eq!(run.findings().len(), 1, "{:#?}", run.json);
    let f = &run.findings()[0];
    assert_eq!(f["secret"], staged.as_str());
    assert_eq!(f["location"]["path"], "new.txt");
    assert_eq!(f["source"]["origin"], "index");
    assert!(f["source"].get("commit").is_none());
}

#[test]
fn binary_and_oversized_blobs_are_skipped_and_counted() {
    let r = Repo::new();
    let t = token("big");
    let mut big = "filler line without secrets\n".repeat(4000);
    big.push_str(&format!("{t}\n"));
    let mut binary = vec![0u8, 1, 2, 3, 0, 255];
    binary.extend_from_slice(token("bin").as_bytes());
    r.write("data.bin", "");
    std::fs::write(r.path.join("data.bin"), &binary).unwrap();
    r.commit(&[("big.txt", &big), ("small.txt", "ok\n")], "add");
    let run = scan(&r.path, &["--max-blob-size", "50000"]);
    assert!(run.findings().is_empty(), "{:#?}", run.json);
    assert_eq!(run.summary("skipped_too_large"), 1);
    assert_eq!(run.summary("skipped_binary"), 1);
    assert!(run.stderr.contains("big.txt"), "{}", run.stderr);
    let unlimited = scan(&r.path, &["--max-blob-size", "0"]);
    assert_eq!(unlimited.of(&t).len(), 1);
}

#[test]
fn not_a_repository_exits_2_and_an_empty_one_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = leakhound(
        &["git", dir.path().to_str().unwrap(), "--no-progress"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
    let r = Repo::new();
    let run = scan(&r.path, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.findings().is_empty());
    // Damage inside a repository is a warning, never exit 2.
    std::fs::write(
        r.path.join(".git/refs/heads/broken"),
        "0123456789012345678901234567890123456789\n",
    )
    .unwrap();
    let run = scan(&r.path, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.summary("warnings"), 1, "{}", run.stderr);
}

#[test]
fn default_repository_is_the_one_containing_the_current_directory() {
    let r = Repo::new();
    let t = token("cwd");
    r.commit(&[("deep/dir/a.txt", &format!("{t}\n"))], "add");
    let out = leakhound(
        &["git", "--format", "json", "--show-secrets", "--no-progress"],
        &r.path.join("deep/dir"),
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["secret"], t.as_str());
    assert_eq!(json["findings"][0]["location"]["path"], "deep/dir/a.txt");
}

#[test]
fn sarif_points_at_the_path_and_carries_the_commit() {
    let r = Repo::new();
    let id = aws_key_id("sarif");
    let c = r.commit(
        &[("infra/main.tf", &format!("access_key = \"{id}\"\n"))],
        "infra",
    );
    let out = leakhound(
        &[
            "git",
            r.path.to_str().unwrap(),
            "--format",
            "sarif",
            "--no-progress",
        ],
        &r.path,
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The official schema's `language` pattern has a stray `]` that strict regex checking of
    // the schema itself rejects; it constrains nothing leakhound writes.
    let text = include_str!("data/sarif-schema-2.1.0.json")
        .replace("^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}-[a-zA-Z]{2}$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "aws.access_key_id");
    let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("infra/main.tf"), "{uri}");
    assert_eq!(result["properties"]["source"]["commit"], c.as_str());
    assert_eq!(result["properties"]["source"]["kind"], "git");
    assert!(!out.stdout.windows(id.len()).any(|w| w == id.as_bytes()));
}

#[test]
fn a_corrupt_pack_entry_is_a_warning_and_the_rest_is_scanned() {
    let r = Repo::new();
    let (good, lost) = (token("pack-good"), token("pack-lost"));
    // Distinct, incompressible-enough contents so the two blobs are stored whole.
    let filler = |seed: &str| expand("«alnum:3000»", &mut Rng::from_seed(seed)).unwrap();
    r.commit(
        &[("good.txt", &format!("{}\n{good}\n", filler("g")))],
        "good",
    );
    r.commit(&[("bad.txt", &format!("{}\n{lost}\n", filler("b")))], "bad");
    r.git(&["gc", "-q"]);
    let blob = r.git(&["rev-parse", "HEAD:bad.txt"]);
    let pack_dir = r.path.join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    // `git show-index` lists "offset id (crc)" for every object of the pack.
    let listing = Command::new("git")
        .arg("show-index")
        .stdin(std::fs::File::open(&idx).unwrap())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    let offset: usize = listing
        .lines()
        .find(|l| l.contains(&blob))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    let pack = idx.with_extension("pack");
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    // Keep the entry header, garble its zlib stream.
    for b in &mut bytes[offset + 4..offset + 40] {
        *b ^= 0x5a;
    }
    std::fs::write(&pack, &bytes).unwrap();
    let run = scan(&r.path, &[]);
    assert_eq!(run.of(&good).len(), 1, "{}\n{:#?}", run.stderr, run.json);
    assert!(run.of(&lost).is_empty());
    assert!(
        run.stderr.contains(&blob),
        "warning names the object: {}",
        run.stderr
    );
    assert_eq!(run.code, 1);
}
