//! Inputs the fuzz targets in `fuzz/` found crashing (or hanging), replayed through the same
//! library entry points after the fix. Each test names its target and the minimized input;
//! token-shaped parts of an input are generated at run time, never stored.

mod support;

use std::path::Path;

use leakhound::finding::Finding;
use leakhound::progress::Progress;
use leakhound::rules::template::{Rng, expand};
use leakhound::scan::{ScanOptions, Scanner};
use leakhound::sources::agents::Options;
use leakhound::sources::agents::formats::Format;
use leakhound::sources::agents::records::FileScan;

fn scanner() -> Scanner<'static> {
    Scanner::new(
        support::engine(),
        ScanOptions::default(),
        Progress::hidden(),
    )
}

fn fake(template: &str) -> String {
    expand(template, &mut Rng::from_seed(template)).expect("valid template")
}

/// `transcript_formats`, as that target reads a text-format file.
fn scan_transcript_text(format: Format, data: &[u8]) -> Vec<Finding> {
    let s = scanner();
    let opts = Options::default();
    let fs = FileScan {
        scanner: &s,
        opts: &opts,
        edits: None,
        path: Path::new("/fuzz/.aider.llm.history"),
        display: "fuzz",
        format,
    };
    fs.text_file(data);
    s.finish().0
}

/// transcript_formats, crash-be65a653: a secret in Aider's LLM log after bytes that are not
/// UTF-8. The line was located in the lossily decoded text (three bytes per bad byte) and
/// used as an offset into the raw bytes, past their end.
#[test]
fn aider_attribution_after_invalid_utf8() {
    let mut data = vec![0xff; 40];
    data.push(b'\n');
    data.extend_from_slice(fake("«token:github_crc32:ghp_»").as_bytes());
    for format in [Format::AiderLlm, Format::AiderChat, Format::AiderInput] {
        let found = scan_transcript_text(format, &data);
        assert_eq!(found.len(), 1, "{format:?}");
        assert_eq!(found[0].rule_id, "github.pat.classic");
        assert_eq!(found[0].location.line, 2);
    }
}

/// A repository whose loose objects are written by hand under chosen ids, the way a crafted
/// repository can hold objects whose names are not their hashes (git does not re-hash loose
/// objects when reading them). `refs/heads/main` points at `head`.
struct CraftedRepo {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl CraftedRepo {
    fn new(head: &str) -> CraftedRepo {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("repo");
        gix::init(&path).expect("git init");
        std::fs::write(path.join(".git/refs/heads/main"), format!("{head}\n")).expect("ref");
        CraftedRepo { _dir: dir, path }
    }

    fn object(&self, id: &str, kind: &str, body: &[u8]) {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(format!("{kind} {}\0", body.len()).as_bytes())
            .expect("in-memory write");
        z.write_all(body).expect("in-memory write");
        let file = self.path.join(".git/objects").join(&id[..2]).join(&id[2..]);
        std::fs::create_dir_all(file.parent().expect("object dir")).expect("object dir");
        std::fs::write(file, z.finish().expect("in-memory write")).expect("object written");
    }

    /// A loose object file holding `object` (header included) as given: the header may lie.
    fn raw_object(&self, id: &str, object: &[u8]) {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(object).expect("in-memory write");
        let file = self.path.join(".git/objects").join(&id[..2]).join(&id[2..]);
        std::fs::create_dir_all(file.parent().expect("object dir")).expect("object dir");
        std::fs::write(file, z.finish().expect("in-memory write")).expect("object written");
    }

    fn commit(&self, id: &str, tree: &str) {
        let sig = "A U Thor <author@example.com> 1700000000 +0000";
        let body = format!("tree {tree}\nauthor {sig}\ncommitter {sig}\n\ncrafted\n");
        self.object(id, "commit", body.as_bytes());
    }

    /// `leakhound git` over it: exit code, findings (JSON) and stderr.
    fn scan(&self) -> (i32, serde_json::Value, String) {
        self.scan_with(&[])
    }

    /// `leakhound git ARGS` over it: exit code, findings (JSON) and stderr.
    fn scan_with(&self, args: &[&str]) -> (i32, serde_json::Value, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_leakhound"))
            .args(["git", "--format", "json", "--no-progress"])
            .args(args)
            .arg(&self.path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("leakhound runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("json output ({e}); stderr: {stderr}"));
        (out.status.code().unwrap_or(-1), json, stderr)
    }
}

/// One tree entry: mode, name, 40-hex id.
fn tree_entry(mode: &str, name: &str, id: &str) -> Vec<u8> {
    let mut e = format!("{mode} {name}\0").into_bytes();
    e.extend(hex::decode(id).expect("hex id"));
    e
}

/// git_objects, oom-c3db4c45: a tree that lists itself as a subdirectory. The tree diff
/// recursed until memory (or the stack) ran out; now it stops at the depth limit with a
/// warning, after reporting what it read.
#[test]
fn a_tree_that_contains_itself_ends_with_a_warning() {
    let (commit, tree, blob) = ("c0".repeat(20), "7e".repeat(20), "b1".repeat(20));
    let r = CraftedRepo::new(&commit);
    r.commit(&commit, &tree);
    let mut t = tree_entry("100644", "app.env", &blob);
    t.extend(tree_entry("40000", "sub", &tree));
    r.object(&tree, "tree", &t);
    let secret = fake("«token:github_crc32:ghp_»");
    r.object(&blob, "blob", format!("TOKEN={secret}\n").as_bytes());
    let (code, json, stderr) = r.scan();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("nested deeper than"), "{stderr}");
    let findings = json["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["location"]["path"] == "app.env"));
    assert!(
        findings
            .iter()
            .any(|f| f["location"]["path"] == "sub/sub/app.env")
    );
}

/// A "git bomb": a commit whose tree lists the next tree twice, `levels` deep, ending in one
/// file: 2^levels paths from `levels + 1` trees and one blob.
fn git_bomb(levels: usize) -> CraftedRepo {
    let commit = "c0".repeat(20);
    let r = CraftedRepo::new(&commit);
    let id = |k: usize| format!("{:02x}", k + 1).repeat(20);
    r.commit(&commit, &id(0));
    for k in 0..levels {
        let mut t = tree_entry("40000", "a", &id(k + 1));
        t.extend(tree_entry("40000", "b", &id(k + 1)));
        r.object(&id(k), "tree", &t);
    }
    r.object(
        &id(levels),
        "tree",
        &tree_entry("100644", "f", &"b1".repeat(20)),
    );
    r.object(&"b1".repeat(20), "blob", b"nothing secret\n");
    r
}

/// The same walk over a "git bomb": each tree lists the next one twice, so 22 trees spell
/// four million paths. The diff stops at its entry budget with a warning instead of listing
/// them all.
#[test]
fn a_tree_bomb_is_cut_at_the_entry_budget() {
    let r = git_bomb(22);
    let (code, _, stderr) = r.scan();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("tree entries in one diff"), "{stderr}");
}

/// The diff budgets are options of the library (the `git_repo` fuzz target lowers them):
/// a bomb of 2^10 paths is diffed whole by default, and cut at a 100-entry budget or at four
/// levels.
#[test]
fn diff_limits_are_options() {
    use leakhound::sources::git::{self, GitOptions, diff::DiffLimits};
    let r = git_bomb(10);
    let warnings = |limits: DiffLimits| {
        let s = scanner();
        let opened = git::repo::open(&r.path, &s).expect("opens");
        let opts = GitOptions {
            diff_limits: limits,
            ..GitOptions::default()
        };
        let stats = git::scan_repo(&opened, &opts, &s, &Progress::hidden()).expect("scans");
        assert_eq!(stats.commits, 1);
        (stats.blobs, s.finish().1.warnings)
    };
    assert_eq!(warnings(DiffLimits::default()), (1, 0));
    // Depth first: the first leaf is within 100 entries.
    let entries = DiffLimits {
        entries: 100,
        ..DiffLimits::default()
    };
    assert_eq!(warnings(entries), (1, 1));
    // The leaves are 10 levels down.
    let depth = DiffLimits {
        depth: 4,
        ..DiffLimits::default()
    };
    assert_eq!(warnings(depth), (0, 1));
}

/// git_objects, slow-unit-b3f458d2: a tree that contains itself under a long name. Within the
/// depth and entry limits its paths grow by the name at every level (over 2 GB of path text
/// for a 4 KB name); the diff now stops at its path budget with a warning.
#[test]
fn a_self_containing_tree_with_a_long_name_is_cut_at_the_path_budget() {
    let (commit, tree, blob) = ("c0".repeat(20), "7e".repeat(20), "b1".repeat(20));
    let r = CraftedRepo::new(&commit);
    r.commit(&commit, &tree);
    let long = "d".repeat(4000);
    // The file sorts first, so every level lists a path before it descends.
    let mut t = tree_entry("100644", "a", &blob);
    t.extend(tree_entry("40000", &long, &tree));
    r.object(&tree, "tree", &t);
    r.object(&blob, "blob", b"nothing secret\n");
    let (code, _, stderr) = r.scan();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("paths of more than 64 MiB"), "{stderr}");
    // Messages keep the two ends of a megabyte path.
    assert!(stderr.len() < 4096, "{} bytes of warnings", stderr.len());
}

/// git_repo, oom-9859d4ab: a 250-byte loose commit whose header claims 21 GB. gix reserves
/// and zero-fills the size a header states before inflating, so the scan grew until memory
/// ran out. The repository is now opened with an allocation limit of `--max-file-size`: the
/// object is reported as unreadable without being allocated. (The header here claims 3 GB,
/// so that a regression fails the memory check instead of exhausting the machine.)
#[test]
fn a_loose_object_claiming_gigabytes_is_not_allocated() {
    let (commit, tree) = ("c0".repeat(20), "7e".repeat(20));
    let r = CraftedRepo::new(&commit);
    let mut object = format!("commit 3000000000\0tree {tree}\n").into_bytes();
    object.resize(2048, 0);
    r.raw_object(&commit, &object);
    let started = std::time::Instant::now();
    let (code, json, stderr) = r.scan();
    let took = started.elapsed();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&commit) && stderr.contains("cannot be read"),
        "{stderr}"
    );
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(0));
    // The largest child this test process has waited for: every scan in this file is small.
    // SAFETY: rusage is plain data that getrusage fills.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    assert!(
        usage.ru_maxrss < 512 * 1024,
        "a child peaked at {} KB",
        usage.ru_maxrss
    );
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
}

/// With the allocation limit in place, a blob that a tag names directly and that is larger
/// than `--max-file-size` is still skipped as too large (by its header), not reported as
/// unreadable.
#[test]
fn a_tagged_blob_over_the_size_limit_is_skipped_as_too_large() {
    let blob = "b1".repeat(20);
    let r = CraftedRepo::new(&"c0".repeat(20));
    std::fs::remove_file(r.path.join(".git/refs/heads/main")).expect("no branch");
    std::fs::write(r.path.join(".git/refs/tags/big"), format!("{blob}\n")).expect("tag");
    let secret = fake("«token:github_crc32:ghp_»");
    let mut body = format!("TOKEN={secret}\n").into_bytes();
    body.resize(4096, b'\n');
    r.object(&blob, "blob", &body);
    let (code, json, stderr) = r.scan_with(&["--max-file-size", "1000"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("cannot be read"), "{stderr}");
    assert_eq!(json["summary"]["skipped_too_large"], 1, "{json}");
    let (code, json, stderr) = r.scan();
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        json["findings"][0]["location"]["path"], "refs/tags/big",
        "{json}"
    );
}

/// oci_documents, slow-unit-a58a4740 (17 s from 5.7 KB): an index that lists the same nested
/// index many times, level after level, spells millions of manifests from a few documents
/// (40 members over four levels: 2.5 million). Each nested index is now followed once.
#[test]
fn an_index_fanning_out_to_the_same_nested_index_is_walked_once() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().expect("temp dir");
    let layout = dir.path().join("layout");
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("blobs dir");
    let put = |bytes: &[u8]| -> (String, usize) {
        let hex = hex::encode(Sha256::digest(bytes));
        std::fs::write(blobs.join(&hex), bytes).expect("blob");
        (format!("sha256:{hex}"), bytes.len())
    };
    let (config, config_len) =
        put(br#"{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":{config_len}}},"layers":[]}}"#
    );
    let (mut digest, mut size) = put(manifest.as_bytes());
    let mut media = "application/vnd.oci.image.manifest.v1+json";
    for _ in 0..4 {
        let member = format!(r#"{{"mediaType":"{media}","digest":"{digest}","size":{size}}}"#);
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
            vec![member; 40].join(",")
        );
        (digest, size) = put(index.as_bytes());
        media = "application/vnd.oci.image.index.v1+json";
    }
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .expect("oci-layout");
    let top = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{media}","digest":"{digest}","size":{size}}}]}}"#
    );
    std::fs::write(layout.join("index.json"), top).expect("index.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(["image", "--format", "json", "--no-progress"])
        .arg(format!("oci:{}", layout.display()))
        .output()
        .expect("leakhound runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("listed more than once"), "{stderr}");
    assert!(stderr.len() < 8192, "{} bytes of warnings", stderr.len());
}
