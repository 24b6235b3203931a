//! The adversarial-input suite (issue #10). Every hostile input is generated here at run time and
//! run through the real binary under a wall-clock guard and a peak-memory check (the child's
//! maximum RSS from `wait4`): each case must end with a clear warning naming the input, the rest
//! of the scan must complete, and the process must stay within [`RSS_BUDGET_KB`]. Then the
//! resource limits and how the summaries report them, identical findings whatever the thread
//! count, Ctrl-C, and `redact` interrupted at any point.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use leakhound::rules::template::{Rng, expand};
use leakhound::sources::image::fixture::{
    Image, Item, Layer, TarWriter, compress, layer_tar, write_oci_layout,
};
use leakhound::sources::image::reader::Compression;
use serde_json::Value;

/// Peak resident memory allowed to any one run of the binary.
const RSS_BUDGET_KB: u64 = 512 * 1024;
/// Wall-clock guard: a run still going after this is killed and the test fails.
const GUARD: Duration = Duration::from_secs(90);

/// A fake GitHub token with a valid checksum, made at run time.
fn ghp(seed: &str) -> String {
    expand("«token:github_crc32:ghp_»", &mut Rng::from_seed(seed)).unwrap()
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    /// Exit code (`None`: killed by a signal).
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Peak resident set size in KiB.
    peak_kb: u64,
    wall: Duration,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}); stderr:\n{}", self.stderr))
    }

    /// Checks the memory budget and that the process ended by itself.
    fn bounded(&self) -> &Self {
        assert!(
            self.peak_kb <= RSS_BUDGET_KB,
            "peak RSS {} KiB over the {} KiB budget; stderr:\n{}",
            self.peak_kb,
            RSS_BUDGET_KB,
            self.stderr
        );
        self
    }

    fn warned(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stderr
                    .lines()
                    .any(|l| l.starts_with("warning:") && l.contains(n)),
                "no warning mentioning {n:?} in:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// The binary with a clean environment: no user git config, HOME and state under `home`.
fn lh_cmd(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leakhound"));
    c.args(args)
        .current_dir(cwd)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe calls between fork and exec. The test harness may have
    // inherited SIGINT as ignored (a background job); the binary must see the default.
    unsafe {
        c.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    c
}

/// Runs `cmd` to completion (or kills it at `guard`), reaping it with `wait4` for its peak RSS.
/// `during` runs once the child has started, with its pid.
#[allow(clippy::zombie_processes)] // reaped with wait4 below, which std cannot do
fn run_cmd(mut cmd: Command, guard: Duration, during: impl FnOnce(i32)) -> Run {
    let start = Instant::now();
    let mut child = cmd.spawn().expect("leakhound starts");
    let pid = child.id() as i32;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    during(pid);
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed");
        if start.elapsed() > guard && !killed {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = start.elapsed();
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    assert!(!killed, "still running after {guard:?}; stderr:\n{stderr}");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Run {
        code,
        stdout,
        stderr,
        peak_kb: usage.ru_maxrss as u64,
        wall,
    }
}

fn lh(args: &[&str], cwd: &Path) -> Run {
    run_cmd(lh_cmd(args, cwd), GUARD, |_| {})
}

/// Paths of the findings in a JSON report.
fn paths(v: &Value) -> Vec<String> {
    let mut p: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

fn secrets(v: &Value) -> Vec<String> {
    let mut s: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

fn limit(v: &Value, flag: &str) -> u64 {
    v["summary"]["limits"][flag].as_u64().unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Filesystem

#[test]
fn symlink_loops_and_links_outside_the_root_are_not_followed() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("root");
    let outside = d.path().join("outside");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    let inside = ghp("link-inside");
    let secret_outside = ghp("link-outside");
    fs::write(root.join("sub/in.txt"), format!("t = {inside}\n")).unwrap();
    fs::write(outside.join("out.txt"), format!("t = {secret_outside}\n")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("self", root.join("self")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("to-outside-dir")).unwrap();
    std::os::unix::fs::symlink(outside.join("out.txt"), root.join("to-outside-file")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("to-etc")).unwrap();

    let r = lh(
        &[
            "scan",
            "root",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["5 symbolic links not followed", "root/"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v = r.json();
    assert_eq!(secrets(&v), vec![inside.clone()]);
    assert_eq!(v["summary"]["skipped_other"], 5);

    // Following links is opt-in; the loop is then found and named, and the scan goes on.
    let r = lh(
        &[
            "scan",
            "root",
            "--follow-symlinks",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded().warned(&["loop"]);
    assert!(secrets(&r.json()).contains(&inside));
}

#[test]
fn a_10_gb_sparse_file_is_skipped_without_reading_it() {
    let d = tempfile::tempdir().unwrap();
    let f = fs::File::create(d.path().join("sparse.img")).unwrap();
    f.set_len(10 << 30).unwrap();
    drop(f);
    let gh = ghp("sparse-neighbour");
    fs::write(d.path().join("ok.env"), format!("GH={gh}\n")).unwrap();

    let r = lh(
        &["scan", ".", "--format", "json", "--no-progress"],
        d.path(),
    );
    r.bounded()
        .warned(&["sparse.img: 10737418240 bytes is over --max-file-size"]);
    assert_eq!(r.code, Some(1));
    let v = r.json();
    assert_eq!(paths(&v), vec!["./ok.env"]);
    assert_eq!(v["summary"]["skipped_too_large"], 1);
    assert_eq!(limit(&v, "max-file-size"), 1);
    assert!(r.wall < Duration::from_secs(30), "{:?}", r.wall);

    // Without a size limit the file is read only as far as its first bytes (all zero: binary).
    let r = lh(
        &[
            "scan",
            ".",
            "--max-file-size",
            "0",
            "--format",
            "json",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded();
    let v = r.json();
    assert_eq!(v["summary"]["skipped_binary"], 1);
    assert_eq!(paths(&v), vec!["./ok.env"]);
    assert!(r.wall < Duration::from_secs(30), "{:?}", r.wall);
}

/// A 200 MB line of minified-looking code with a keyword every 256 bytes and secrets in the
/// middle and at the very end. Finding each hit's line used to search back and forward through
/// the whole line at every hit: quadratic, hours on this input, so the guard catches it.
fn one_long_line(path: &Path, mid: &str, end: &str) {
    let mut unit = b"var a=b(c,d),e=f.g(h);if(x&&i){j=k[l]}else{m(n,o)};".repeat(4);
    unit.extend_from_slice(b"if(token){q()};");
    let total = 200 << 20;
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    let mut n = 0;
    let mut planted = false;
    while n + unit.len() <= total {
        f.write_all(&unit).unwrap();
        n += unit.len();
        if !planted && n >= total / 2 {
            write!(f, "auth=\"{mid}\";").unwrap();
            planted = true;
        }
    }
    write!(f, "x=\"{end}\"").unwrap();
    f.flush().unwrap();
}

#[test]
fn a_200_mb_single_line_is_streamed_in_bounded_memory() {
    let d = tempfile::tempdir().unwrap();
    let (mid, end) = (ghp("line-mid"), ghp("line-end"));
    one_long_line(&d.path().join("bundle.min.js"), &mid, &end);
    let r = lh(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v = r.json();
    let mut want = vec![mid, end];
    want.sort();
    assert_eq!(secrets(&v), want);
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["location"]["line"], 1);
    }
}

/// Base64 of zeros (an embedded font or image) is a run of `A`, and keywords such as
/// `AAAAAAAAAA` (SSH public keys) match at every byte of it. Collecting an 8 MiB chunk's hits
/// at once took 600 MB per scanning thread.
#[test]
fn runs_of_one_letter_that_match_keywords_at_every_byte_stay_in_bounded_memory() {
    let d = tempfile::tempdir().unwrap();
    let toks = [ghp("zeros-a"), ghp("zeros-b")];
    for (i, tok) in toks.iter().enumerate() {
        let mut data = b"const font = \"data:font/woff2;base64,".to_vec();
        data.resize(data.len() + (12 << 20), b'A');
        data.extend_from_slice(format!("\";\nconst token = \"{tok}\";\n").as_bytes());
        fs::write(d.path().join(format!("f{i}.js")), data).unwrap();
    }
    let r = lh(
        &[
            "scan",
            ".",
            "--threads",
            "2",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let mut want = toks.to_vec();
    want.sort();
    assert_eq!(secrets(&r.json()), want);
}

#[test]
fn a_200_mb_transcript_record_is_streamed_as_text() {
    let d = tempfile::tempdir().unwrap();
    let (small, huge) = (ghp("record-small"), ghp("record-huge"));
    let p = d.path().join("session.jsonl");
    {
        let mut f = std::io::BufWriter::new(fs::File::create(&p).unwrap());
        writeln!(
            f,
            r#"{{"type":"user","message":{{"role":"user","content":"first {small}"}}}}"#
        )
        .unwrap();
        write!(
            f,
            r#"{{"type":"user","message":{{"role":"user","content":""#
        )
        .unwrap();
        let filler = b"lorem ipsum dolor sit amet ".repeat(1000);
        for _ in 0..(200 << 20) / filler.len() {
            f.write_all(&filler).unwrap();
        }
        writeln!(f, r#" {huge}"}}}}"#).unwrap();
        writeln!(
            f,
            r#"{{"type":"assistant","message":{{"role":"assistant","content":"ok"}}}}"#
        )
        .unwrap();
        f.flush().unwrap();
    }
    let r = lh(
        &[
            "agents",
            "session.jsonl",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["session.jsonl: line 2 is over the", "--max-record-size"]);
    let v = r.json();
    let mut want = vec![small, huge.clone()];
    want.sort();
    assert_eq!(secrets(&v), want);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["secret"] == huge.as_str())
        .unwrap();
    assert_eq!(f["location"]["line"], 2);
    assert_eq!(limit(&v, "max-record-size"), 1);
}

#[test]
fn an_unreadable_file_is_a_warning_and_the_rest_is_scanned() {
    let d = tempfile::tempdir().unwrap();
    let gh = ghp("unreadable-neighbour");
    fs::write(d.path().join("ok.env"), format!("GH={gh}\n")).unwrap();
    fs::write(
        d.path().join("ok.jsonl"),
        format!("{{\"content\":\"{gh}\"}}\n"),
    )
    .unwrap();
    // Reading /proc/self/mem at offset 0 fails (EIO) for every user, root included.
    for cmd in ["scan", "agents"] {
        let r = lh(
            &[
                cmd,
                "/proc/self/mem",
                ".",
                "--format",
                "json",
                "--no-progress",
            ],
            d.path(),
        );
        r.bounded().warned(&["/proc/self/mem"]);
        assert_eq!(r.code, Some(1), "{cmd}: {}", r.stderr);
        assert!(!r.json()["findings"].as_array().unwrap().is_empty());
    }
}

#[test]
fn fifos_sockets_and_devices_are_skipped_never_opened() {
    let d = tempfile::tempdir().unwrap();
    let gh = ghp("fifo-neighbour");
    fs::create_dir(d.path().join("t")).unwrap();
    fs::write(d.path().join("t/ok.env"), format!("GH={gh}\n")).unwrap();
    for name in ["t/pipe", "t/pipe.jsonl"] {
        let st = Command::new("mkfifo")
            .arg(d.path().join(name))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let _sock = std::os::unix::net::UnixListener::bind(d.path().join("t/sock")).unwrap();
    for cmd in ["scan", "agents"] {
        let r = lh(
            &[
                cmd,
                "t",
                "t/pipe",
                "/dev/zero",
                "/dev/urandom",
                "--format",
                "json",
                "--no-progress",
            ],
            d.path(),
        );
        r.bounded();
        assert_eq!(r.code, Some(1), "{cmd}: {}", r.stderr);
        let v = r.json();
        assert!(!v["findings"].as_array().unwrap().is_empty());
        assert!(
            v["summary"]["skipped_other"].as_u64().unwrap() >= 4,
            "{cmd}"
        );
        r.warned(&[
            "t/pipe: FIFO, skipped",
            "t/pipe.jsonl: FIFO, skipped",
            "t/sock: socket, skipped",
            "/dev/zero: character device, skipped",
        ]);
    }
}

// ---------------------------------------------------------------------------------------------
// Images

/// A layer tar with one file of `size` zero bytes, compressed as a bomb: one compressed member
/// or frame of 1 MiB of zeros repeated (gzip members and zstd frames concatenate).
fn bomb_layer(size: u64, c: Compression) -> Vec<u8> {
    let mut head = TarWriter::new(Vec::new());
    let mut zeros = std::io::repeat(0).take(0);
    head.file_from("bomb.bin", 0, &mut zeros).unwrap();
    let mut tar_head = head.finish(false).unwrap();
    // Replace the empty file's header by one announcing `size` bytes.
    tar_head.truncate(512);
    let mut h = tar_head;
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = compress(&h, c);
    let block = compress(&vec![0u8; 1 << 20], c);
    for _ in 0..size / (1 << 20) {
        out.extend_from_slice(&block);
    }
    out
}

/// An OCI layout whose layers are the given stored blobs (already compressed, any bytes at
/// all), each with its uncompressed tar when it has one (for the config's diff ids).
fn layout_with_blobs(dir: &Path, layers: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> String {
    use leakhound::sources::image::oci::sha256_digest;
    // Build a normal image for the config/manifest shape, then swap the blobs in.
    let img = Image {
        layers: layers
            .iter()
            .map(|_| Layer {
                tar: layer_tar(&[Item::File("placeholder".into(), b"x".to_vec())], true),
                compression: Compression::None,
            })
            .collect(),
        history: (0..layers.len())
            .map(|i| (format!("ADD {i} /"), false))
            .collect(),
        ..Default::default()
    };
    let mut built = img.build();
    let mut config: Value = serde_json::from_slice(&built.config).unwrap();
    for (i, (blob, tar)) in layers.into_iter().enumerate() {
        let tar = tar.unwrap_or_else(|| blob.clone());
        config["rootfs"]["diff_ids"][i] = Value::from(sha256_digest(&tar));
        built.layers[i] = (sha256_digest(&blob), blob);
    }
    built.config = serde_json::to_vec(&config).unwrap();
    built.config_digest = sha256_digest(&built.config);
    // Re-derive the manifest for the swapped blobs and config.
    let mut manifest: Value = serde_json::from_slice(&built.manifest).unwrap();
    manifest["config"]["digest"] = Value::from(built.config_digest.as_str());
    manifest["config"]["size"] = Value::from(built.config.len());
    for (i, (digest, blob)) in built.layers.iter().enumerate() {
        manifest["layers"][i]["digest"] = Value::from(digest.as_str());
        manifest["layers"][i]["size"] = Value::from(blob.len());
        manifest["layers"][i]["mediaType"] =
            Value::from("application/vnd.oci.image.layer.v1.tar+gzip");
    }
    built.manifest = serde_json::to_vec(&manifest).unwrap();
    built.manifest_digest = sha256_digest(&built.manifest);
    write_oci_layout(dir, &[&built], "latest").unwrap();
    format!("oci:{}", dir.display())
}

fn token_layer(name: &str, token: &str, c: Compression) -> (Vec<u8>, Option<Vec<u8>>) {
    let tar = layer_tar(
        &[Item::File(name.into(), format!("t={token}\n").into_bytes())],
        true,
    );
    (compress(&tar, c), Some(tar))
}

#[test]
fn gzip_and_zstd_bombs_stop_at_the_layer_and_image_caps() {
    let d = tempfile::tempdir().unwrap();
    let good = ghp("bomb-survivor");
    let gz = bomb_layer(2 << 30, Compression::Gzip);
    let zst = bomb_layer(2 << 30, Compression::Zstd);
    assert!(
        gz.len() < 20 << 20 && zst.len() < 20 << 20,
        "{} {}",
        gz.len(),
        zst.len()
    );
    let image = layout_with_blobs(
        &d.path().join("bombs"),
        vec![
            (gz, None),
            (zst, None),
            token_layer("after.txt", &good, Compression::Gzip),
        ],
    );
    let r = lh(
        &[
            "image",
            &image,
            "--max-layer-bytes",
            "20000000",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded();
    assert_eq!(
        r.stderr
            .matches("exceeds the per-layer cap of 20000000 bytes (--max-layer-bytes)")
            .count(),
        2,
        "{}",
        r.stderr
    );
    r.warned(&[&format!("{image} layer 0 ("), &format!("{image} layer 1 (")]);
    let v = r.json();
    assert_eq!(secrets(&v), vec![good.clone()]);
    assert_eq!(limit(&v, "max-layer-bytes"), 2);

    // The per-image cap: both bombs together exceed it even though each fits a layer.
    let r = lh(
        &[
            "image",
            &image,
            "--max-layer-bytes",
            "30000000",
            "--max-image-bytes",
            "40000000",
            "--threads",
            "1",
            "--format",
            "json",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["exceeds the cap of 40000000 bytes (--max-image-bytes)"]);
    assert!(limit(&r.json(), "max-image-bytes") >= 1, "{}", r.stderr);
}

#[test]
fn tar_entries_with_dotdot_absolute_paths_and_outside_links_write_and_follow_nothing() {
    let d = tempfile::tempdir().unwrap();
    let host_secret = ghp("host-file");
    let host = d.path().join("host-secret.txt");
    fs::write(&host, format!("t={host_secret}\n")).unwrap();
    let escape = format!("leakhound-adv-escape-{}", std::process::id());
    let (dotdot, abs) = (ghp("tar-dotdot"), ghp("tar-abs"));
    let mut w = TarWriter::new(Vec::new());
    w.file(
        &format!("../../../../../../tmp/{escape}"),
        format!("t={dotdot}\n").as_bytes(),
    )
    .unwrap();
    w.file("/etc/leakhound-abs.txt", format!("t={abs}\n").as_bytes())
        .unwrap();
    // A hard link and a symlink to the host file, and a hard link climbing out.
    w.raw("hard-abs", b'1', &[], 0o644, host.to_str().unwrap())
        .unwrap();
    w.raw("hard-up", b'1', &[], 0o644, "../../../../../../etc/passwd")
        .unwrap();
    w.symlink("soft", host.to_str().unwrap()).unwrap();
    let tar = w.finish(true).unwrap();
    let image = layout_with_blobs(
        &d.path().join("evil"),
        vec![(compress(&tar, Compression::Gzip), Some(tar))],
    );
    let before: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let r = lh(
        &[
            "image",
            &image,
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded().warned(&[
        "4 entries with an absolute or `..` path or hard-link target",
        &format!("{image} layer 0 ("),
    ]);
    let v = r.json();
    let mut want = vec![dotdot, abs];
    want.sort();
    assert_eq!(secrets(&v), want, "the host file is never read");
    assert!(paths(&v).contains(&format!("/tmp/{escape}")));
    assert!(!Path::new("/tmp").join(&escape).exists(), "nothing written");
    let after: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        before.len(),
        after.len(),
        "nothing written next to the input"
    );
}

#[test]
fn footer_less_and_truncated_tars() {
    let d = tempfile::tempdir().unwrap();
    let (a, b, c) = (ghp("tar-a"), ghp("tar-b"), ghp("tar-c"));
    let footerless = layer_tar(
        &[Item::File("a.txt".into(), format!("t={a}\n").into_bytes())],
        false,
    );
    let full = layer_tar(
        &[
            Item::File("b.txt".into(), format!("t={b}\n").into_bytes()),
            Item::File(
                "c.txt".into(),
                format!("{}t={c}\n", "x".repeat(5000)).into_bytes(),
            ),
        ],
        true,
    );
    // Cut inside c.txt's data, and inside c.txt's header.
    let in_data = full[..512 + 512 + 512 + 2048].to_vec();
    let in_header = full[..512 + 512 + 100].to_vec();
    let image = layout_with_blobs(
        &d.path().join("tars"),
        vec![
            (footerless.clone(), Some(footerless)),
            (in_data, None),
            (compress(&in_header, Compression::Gzip), None),
        ],
    );
    let r = lh(
        &[
            "image",
            &image,
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&[&format!("{image} layer 1 ("), &format!("{image} layer 2 (")]);
    assert!(
        !r.stderr.contains(&format!("{image} layer 0 (")),
        "a footer-less tar (umoci writes them) is complete: {}",
        r.stderr
    );
    let v = r.json();
    let s = secrets(&v);
    assert!(s.contains(&a) && s.contains(&b), "{s:?}");
    assert!(!s.contains(&c));
}

// ---------------------------------------------------------------------------------------------
// Git

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.com")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository with two commits: `good.txt` and `bad.txt`, each holding its own token after
/// distinct incompressible filler (so each blob is stored whole).
fn two_blob_repo(d: &Path) -> (PathBuf, String, String) {
    let repo = d.join("repo");
    fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let (good, bad) = (ghp("git-good"), ghp("git-bad"));
    let filler = |s: &str| expand("«alnum:3000»", &mut Rng::from_seed(s)).unwrap();
    fs::write(repo.join("good.txt"), format!("{}\n{good}\n", filler("g"))).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "good"]);
    fs::write(repo.join("bad.txt"), format!("{}\n{bad}\n", filler("b"))).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "bad"]);
    (repo, good, bad)
}

fn writable(p: &Path) {
    let mut perms = fs::metadata(p).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(p, perms).unwrap();
}

fn git_scan(repo: &Path) -> Run {
    lh(
        &[
            "git",
            repo.to_str().unwrap(),
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        repo.parent().unwrap(),
    )
}

#[test]
fn a_corrupt_pack_file_is_a_warning_and_the_rest_is_scanned() {
    let d = tempfile::tempdir().unwrap();
    let (repo, good, bad) = two_blob_repo(d.path());
    git(&repo, &["gc", "-q"]);
    let blob = git(&repo, &["rev-parse", "HEAD:bad.txt"]);
    let pack_dir = repo.join(".git/objects/pack");
    let idx = fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    let listing = Command::new("git")
        .arg("show-index")
        .stdin(fs::File::open(&idx).unwrap())
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
    writable(&pack);
    let mut bytes = fs::read(&pack).unwrap();
    // Garble the blob's zlib stream and the pack's trailing checksum.
    for b in &mut bytes[offset + 4..offset + 64] {
        *b ^= 0x5a;
    }
    let n = bytes.len();
    for b in &mut bytes[n - 20..] {
        *b ^= 0xff;
    }
    fs::write(&pack, &bytes).unwrap();
    let r = git_scan(&repo);
    r.bounded().warned(&[&blob]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let s = secrets(&r.json());
    assert!(s.contains(&good) && !s.contains(&bad), "{s:?}");

    // A pack cut short: its objects are warnings (naming the repository), nothing aborts.
    fs::write(&pack, &bytes[..bytes.len() / 2]).unwrap();
    let r = git_scan(&repo);
    r.bounded().warned(&["repo"]);
    assert!(r.code.is_some());
}

#[test]
fn a_loose_object_with_a_bad_zlib_stream_is_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let (repo, good, bad) = two_blob_repo(d.path());
    let blob = git(&repo, &["rev-parse", "HEAD:bad.txt"]);
    let obj = repo.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    writable(&obj);
    // A valid zlib header followed by garbage, then plain garbage.
    let mut data = vec![0x78, 0x9c];
    data.extend(std::iter::repeat_n(0xA5u8, 4096));
    fs::write(&obj, &data).unwrap();
    let r = git_scan(&repo);
    r.bounded().warned(&[&blob]);
    let s = secrets(&r.json());
    assert!(s.contains(&good) && !s.contains(&bad), "{s:?}");
    fs::write(&obj, b"not zlib at all").unwrap();
    let r = git_scan(&repo);
    r.bounded().warned(&[&blob]);
    assert!(secrets(&r.json()).contains(&good));
}

#[test]
fn a_repository_with_100000_refs() {
    let d = tempfile::tempdir().unwrap();
    let (repo, good, bad) = two_blob_repo(d.path());
    let first = git(&repo, &["rev-parse", "HEAD~1"]);
    let second = git(&repo, &["rev-parse", "HEAD"]);
    let mut packed = String::from("# pack-refs with: peeled fully-peeled sorted \n");
    let mut names: Vec<String> = (0..100_000)
        .map(|i| format!("refs/heads/topic/{i:06}"))
        .collect();
    names.sort();
    for (i, n) in names.iter().enumerate() {
        let id = if i % 2 == 0 { &first } else { &second };
        packed.push_str(&format!("{id} {n}\n"));
    }
    fs::write(repo.join(".git/packed-refs"), packed).unwrap();
    assert_eq!(
        git(&repo, &["for-each-ref", "--count=3", "--format=%(refname)"])
            .lines()
            .count(),
        3
    );
    let r = git_scan(&repo);
    r.bounded();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v = r.json();
    let mut want = vec![good, bad];
    want.sort();
    assert_eq!(secrets(&v), want);
}

// ---------------------------------------------------------------------------------------------
// JSON, transcripts and databases

#[test]
fn json_nested_100000_levels_deep() {
    let d = tempfile::tempdir().unwrap();
    let (gh, first) = (ghp("deep-json"), ghp("deep-json-first"));
    let deep = format!(
        "{{\"a\":{}1{},\"token\":\"{gh}\"}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    fs::write(d.path().join("deep.json"), &deep).unwrap();
    let mut lines = format!("{{\"type\":\"user\",\"message\":{{\"content\":\"hi {first}\"}}}}\n");
    lines.push_str(&deep);
    fs::write(d.path().join("deep.jsonl"), &lines).unwrap();
    let r = lh(
        &[
            "agents",
            "deep.json",
            "deep.jsonl",
            "--every-occurrence",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded().warned(&[
        "deep.json: JSON over the parser's limits (JSON nested deeper than",
        "deep.jsonl: line 2",
    ]);
    let v = r.json();
    assert!(limit(&v, "json-depth") >= 2, "{}", v["summary"]);
    let p = paths(&v);
    assert!(p.contains(&"deep.json".to_string()), "{p:?}");
    assert!(p.contains(&"deep.jsonl".to_string()), "{p:?}");
    let r = lh(
        &["scan", ".", "--format", "json", "--no-progress"],
        d.path(),
    );
    r.bounded();
    assert_eq!(
        paths(&r.json()),
        vec!["./deep.json", "./deep.jsonl", "./deep.jsonl"]
    );
}

/// `[0,0,…]` spends 2 bytes per JSON value and the parser 64 per node: a 30 MB record under
/// the 32 MiB record limit took 1 GB. Past a million values the record is scanned as text.
#[test]
fn a_record_with_millions_of_json_values_is_scanned_as_text() {
    let d = tempfile::tempdir().unwrap();
    let toks = [ghp("values-a"), ghp("values-b")];
    for (i, tok) in toks.iter().enumerate() {
        let mut rec =
            br#"{"type":"user","sessionId":"s","message":{"role":"user","content":["#.to_vec();
        for _ in 0..(15 << 20) {
            rec.extend_from_slice(b"0,");
        }
        rec.extend_from_slice(format!("\"{tok}\"]}}}}\n").as_bytes());
        fs::write(d.path().join(format!("s{i}.jsonl")), rec).unwrap();
    }
    let r = lh(
        &[
            "agents",
            "s0.jsonl",
            "s1.jsonl",
            "--threads",
            "2",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["s0.jsonl: JSON over the parser's limits (JSON holds more than 1048576 values"]);
    let v = r.json();
    assert_eq!(limit(&v, "json-values"), 2, "{}", v["summary"]);
    let mut want = toks.to_vec();
    want.sort();
    assert_eq!(secrets(&v), want);
}

/// A LangSmith run streams its answer as one `new_token` event per token. Each token's column
/// was counted from the start of the record: 50,000 tokens took 22 s, 250,000 would take ten
/// minutes, so the guard catches it. The token split across the last two events is found by
/// reassembly, at its exact column (after a two-byte character).
#[test]
fn a_record_of_250000_streamed_tokens_is_linear() {
    let d = tempfile::tempdir().unwrap();
    let tok = ghp("streamed");
    let event = |t: &str| format!(r#"{{"name":"new_token","kwargs":{{"token":"{t}"}}}}"#);
    let mut events = vec![event("\u{e9}")];
    events.extend((0..250_000).map(|_| event("ab")));
    events.push(event(" "));
    events.push(event(&tok[..12]));
    events.push(event(&tok[12..]));
    let rec = format!(
        r#"{{"id":"r1","run_type":"llm","trace_id":"t","events":[{}]}}"#,
        events.join(",")
    ) + "\n";
    fs::write(d.path().join("runs.jsonl"), &rec).unwrap();
    let r = lh(
        &[
            "agents",
            "runs.jsonl",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded();
    let v = r.json();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["secret"] == tok.as_str())
        .unwrap_or_else(|| panic!("split token not found; summary: {}", v["summary"]));
    let at = rec.find(&tok[..12]).unwrap();
    assert_eq!(f["location"]["line"], 1);
    assert_eq!(f["location"]["column"], rec[..at].chars().count() + 1);
}

#[test]
fn invalid_utf8_and_lone_surrogates_in_json_escapes() {
    let d = tempfile::tempdir().unwrap();
    let (plain, escaped) = (ghp("surrogate-plain"), ghp("surrogate-escaped"));
    // The second token is written with every character as a \u escape.
    let esc: String = escaped
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let mut data = Vec::new();
    data.extend_from_slice(
        format!(
            "{{\"type\":\"user\",\"message\":{{\"content\":\"\\ud800 lone \\udfff \\udc00\\ud800 {plain}\"}}}}\n"
        )
        .as_bytes(),
    );
    data.extend_from_slice(
        b"{\"type\":\"user\",\"message\":{\"content\":\"bad \xff\xfe\xc3\x28 bytes ",
    );
    data.extend_from_slice(esc.as_bytes());
    data.extend_from_slice(b"\"}}\n");
    data.extend_from_slice(b"{\"content\":\"\\ud83d\\ude00 \\u00zz \\x41 \\\n");
    fs::write(d.path().join("odd.jsonl"), &data).unwrap();
    let r = lh(
        &[
            "agents",
            "odd.jsonl",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["odd.jsonl: line 2: invalid UTF-8", "odd.jsonl: line 3"]);
    let mut want = vec![plain.clone(), escaped.clone()];
    want.sort();
    assert_eq!(secrets(&r.json()), want);
    let r = lh(
        &[
            "scan",
            "odd.jsonl",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded();
    let s = secrets(&r.json());
    assert!(s.contains(&plain) && s.contains(&escaped), "{s:?}");
}

#[test]
fn sqlite_databases_locked_or_corrupt() {
    let d = tempfile::tempdir().unwrap();
    let (kept, pending) = (ghp("sqlite-committed"), ghp("sqlite-uncommitted"));
    let db = d.path().join("state.vscdb");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE ItemTable (key TEXT PRIMARY KEY, value BLOB);")
        .unwrap();
    conn.execute(
        "INSERT INTO ItemTable VALUES ('chat', ?1)",
        [format!("{{\"text\":\"token {kept}\"}}")],
    )
    .unwrap();
    // Another process holds an exclusive lock with an uncommitted write.
    conn.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    conn.execute(
        "INSERT INTO ItemTable VALUES ('draft', ?1)",
        [format!("{{\"text\":\"token {pending}\"}}")],
    )
    .unwrap();
    // A corrupt database: the right magic, then garbage.
    let mut junk = b"SQLite format 3\0".to_vec();
    junk.extend(std::iter::repeat_n(0xEEu8, 8192));
    fs::write(d.path().join("broken.db"), junk).unwrap();
    let gh = ghp("sqlite-neighbour");
    fs::write(
        d.path().join("notes.jsonl"),
        format!("{{\"content\":\"{gh}\"}}\n"),
    )
    .unwrap();

    let r = lh(
        &[
            "agents",
            ".",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["broken.db: cannot read SQLite database"]);
    let s = secrets(&r.json());
    assert!(s.contains(&kept) && s.contains(&gh), "{s:?}\n{}", r.stderr);
    assert!(!s.contains(&pending), "uncommitted data is not read");
    conn.execute_batch("COMMIT;").unwrap();
}

// ---------------------------------------------------------------------------------------------
// Limits and summaries

#[test]
fn limits_are_counted_in_text_json_and_sarif_summaries() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // Dense: 30 distinct tokens in one file.
    let dense: String = (0..30)
        .map(|i| format!("t{i} = {}\n", ghp(&format!("dense{i}"))))
        .collect();
    fs::write(p.join("dense.env"), dense).unwrap();
    fs::write(p.join("big.txt"), "filler text line\n".repeat(200_000)).unwrap();
    // A token inside base64 inside base64 inside base64.
    use base64::Engine as _;
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    let nested = b64(b64(b64(format!("token={}", ghp("nested")).as_bytes()).as_bytes()).as_bytes());
    fs::write(p.join("nested.txt"), format!("blob: {nested}\n")).unwrap();
    let args = [
        "scan",
        ".",
        "--max-findings-per-file",
        "10",
        "--max-file-size",
        "1000000",
        "--no-progress",
    ];
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let r = lh(&json_args, p);
    r.bounded().warned(&[
        "dense.env: 30 findings, keeping the first 10 (--max-findings-per-file)",
        "big.txt: 3400000 bytes is over --max-file-size 1000000",
        "nested deeper than --decode-depth 2",
    ]);
    let v = r.json();
    assert_eq!(limit(&v, "max-findings-per-file"), 1);
    assert_eq!(limit(&v, "max-file-size"), 1);
    assert_eq!(limit(&v, "decode-depth"), 1);

    let r = lh(&args, p);
    let last = r.stdout.lines().last().unwrap_or_default().to_string();
    assert!(
        last.starts_with("limits hit: ")
            && last.contains("--decode-depth 1×")
            && last.contains("--max-file-size 1×")
            && last.contains("--max-findings-per-file 1×"),
        "{}",
        r.stdout
    );

    let mut sarif_args = args.to_vec();
    sarif_args.extend(["--format", "sarif"]);
    let r = lh(&sarif_args, p);
    let sarif: Value = serde_json::from_str(&r.stdout).unwrap();
    // The same relaxation as in cli_scan.rs: the official schema's `run.language` pattern has a
    // stray `]` that strict checking of the schema itself rejects.
    let text = include_str!("data/sarif-schema-2.1.0.json")
        .replace("^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}-[a-zA-Z]{2}$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = notes
        .iter()
        .map(|n| n["descriptor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "limit/decode-depth",
            "limit/max-file-size",
            "limit/max-findings-per-file"
        ]
    );
    assert_eq!(
        sarif["runs"][0]["properties"]["summary"]["limits"]["max-file-size"],
        1
    );

    // A deeper decode finds the nested token; the configuration file sets the same limits.
    let r = lh(
        &[
            "scan",
            "nested.txt",
            "--decode-depth",
            "4",
            "--format",
            "json",
            "--no-progress",
        ],
        p,
    );
    assert_eq!(
        r.json()["findings"].as_array().unwrap().len(),
        1,
        "{}",
        r.stderr
    );
    fs::write(
        p.join(".leakhound.toml"),
        "[scan]\nmax_findings_per_file = 5\nmax_file_size = 2000000\ndecode_depth = 4\n",
    )
    .unwrap();
    let r = lh(&["scan", ".", "--format", "json", "--no-progress"], p);
    let v = r.json();
    assert_eq!(limit(&v, "max-findings-per-file"), 1);
    assert_eq!(limit(&v, "max-file-size"), 1);
    assert_eq!(limit(&v, "decode-depth"), 0);
    assert!(r.stderr.contains("keeping the first 5"), "{}", r.stderr);
}

#[test]
fn timeout_per_target_stops_one_file_and_the_rest_is_scanned() {
    let d = tempfile::tempdir().unwrap();
    let (early, late, other) = (
        ghp("timeout-early"),
        ghp("timeout-late"),
        ghp("timeout-other"),
    );
    let filler = "key = value # token filler line with words\n".repeat(20_000);
    let mut body = format!("first = {early}\n");
    for _ in 0..10 {
        body.push_str(&filler);
    }
    body.push_str(&format!("last = {late}\n"));
    fs::write(d.path().join("slow.txt"), &body).unwrap();
    fs::write(d.path().join("other.txt"), format!("x = {other}\n")).unwrap();
    let r = lh(
        &[
            "scan",
            ".",
            "--timeout-per-target",
            "0.000001",
            "--chunk-size",
            "65536",
            "--format",
            "json",
            "--show-secrets",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["slow.txt: scan stopped after", "(--timeout-per-target)"]);
    let v = r.json();
    let s = secrets(&v);
    assert!(
        s.contains(&early) && s.contains(&other) && !s.contains(&late),
        "{s:?}"
    );
    assert_eq!(limit(&v, "timeout-per-target"), 1);
    // The same limit on transcripts stops between records.
    let jsonl: String = (0..2000)
        .map(|i| format!("{{\"type\":\"user\",\"message\":{{\"content\":\"line {i} token\"}}}}\n"))
        .collect();
    fs::write(d.path().join("long.jsonl"), jsonl).unwrap();
    let r = lh(
        &[
            "agents",
            "long.jsonl",
            "--timeout-per-target",
            "0.000001",
            "--format",
            "json",
            "--no-progress",
        ],
        d.path(),
    );
    r.bounded()
        .warned(&["long.jsonl: scan stopped after", "at line 2"]);
    assert_eq!(limit(&r.json(), "timeout-per-target"), 1);
}

// ---------------------------------------------------------------------------------------------
// Concurrency, interruption

/// Findings with the run-dependent fields removed, in a stable order.
fn normalised(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn one_two_and_eight_threads_give_identical_findings() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // A tree, a repository, an image and transcripts, each with many small inputs.
    fs::create_dir(p.join("tree")).unwrap();
    for i in 0..300 {
        let body = if i % 7 == 0 {
            format!("k = {}\n", ghp(&format!("tree{i}")))
        } else {
            "x = 1\n".repeat(40)
        };
        fs::write(p.join(format!("tree/f{i:03}.py")), body).unwrap();
    }
    let repo = p.join("repo");
    fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    for i in 0..20 {
        fs::write(
            repo.join(format!("f{i}.env")),
            format!("T={}\n", ghp(&format!("repo{i}"))),
        )
        .unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", &format!("c{i}")]);
    }
    let layers: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..6)
        .map(|i| {
            let items: Vec<Item> = (0..40)
                .map(|j| {
                    let body = if j % 5 == 0 {
                        format!("t={}\n", ghp(&format!("layer{i}-{j}")))
                    } else {
                        "plain\n".into()
                    };
                    Item::File(format!("d{i}/f{j}.txt"), body.into_bytes())
                })
                .collect();
            let c = [Compression::Gzip, Compression::Zstd, Compression::None][i % 3];
            let tar = layer_tar(&items, true);
            (compress(&tar, c), Some(tar))
        })
        .collect();
    let image = layout_with_blobs(&p.join("img"), layers);
    fs::create_dir(p.join("transcripts")).unwrap();
    for i in 0..30 {
        let lines: String = (0..20)
            .map(|j| {
                let content = if (i + j) % 6 == 0 {
                    ghp(&format!("tr{i}-{j}"))
                } else {
                    format!("message {j}")
                };
                format!("{{\"type\":\"user\",\"message\":{{\"content\":\"{content}\"}}}}\n")
            })
            .collect();
        fs::write(p.join(format!("transcripts/s{i}.jsonl")), lines).unwrap();
    }
    let cases: [&[&str]; 4] = [
        &["scan", "tree"],
        &["git", "repo"],
        &["image", &image],
        &["agents", "transcripts"],
    ];
    for case in cases {
        let mut first: Option<Vec<String>> = None;
        for t in ["1", "2", "8"] {
            let mut args = case.to_vec();
            args.extend(["--threads", t, "--format", "json", "--no-progress"]);
            let r = lh(&args, p);
            r.bounded();
            assert_eq!(r.code, Some(1), "{case:?} {t}: {}", r.stderr);
            let n = normalised(&r.json());
            assert!(n.len() >= 6, "{case:?}: {} findings", n.len());
            match &first {
                None => first = Some(n),
                Some(f) => assert_eq!(f, &n, "{case:?} with {t} threads differs"),
            }
        }
    }
}

/// Entries of `dir` whose names say leakhound made them.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".leakhound-") || n.starts_with("leakhound-"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ctrl_c_exits_130_promptly_and_leaves_no_temporary_files() {
    let d = tempfile::tempdir().unwrap();
    let tmp = d.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    // A database with changes still in its write-ahead log: the scan reads a private copy in
    // a temporary directory, which must not survive the interrupt.
    let db = d.path().join("state.vscdb");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; \
         CREATE TABLE ItemTable (key TEXT PRIMARY KEY, value BLOB);",
    )
    .unwrap();
    let big = "lorem ipsum token dolor sit amet ".repeat(30_000);
    for i in 0..150 {
        conn.execute(
            "INSERT INTO ItemTable VALUES (?1, ?2)",
            (format!("k{i}"), format!("{{\"text\":\"{big}\"}}")),
        )
        .unwrap();
    }
    assert!(
        fs::metadata(d.path().join("state.vscdb-wal"))
            .unwrap()
            .len()
            > 0
    );

    let mut cmd = lh_cmd(
        &["agents", "state.vscdb", "--no-progress", "-o", "out.json"],
        d.path(),
    );
    cmd.env("TMPDIR", &tmp);
    let mut sent = None;
    let r = run_cmd(cmd, GUARD, |pid| {
        let until = Instant::now() + Duration::from_secs(60);
        while leftovers(&tmp).is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(100));
        sent = Some(Instant::now());
        unsafe { libc::kill(pid, libc::SIGINT) };
    });
    let after = sent.unwrap().elapsed();
    assert_eq!(r.code, Some(130), "{}", r.stderr);
    assert!(r.stderr.contains("interrupted"), "{}", r.stderr);
    assert!(
        after < Duration::from_secs(2),
        "took {after:?} after SIGINT"
    );
    assert!(leftovers(&tmp).is_empty(), "{:?}", leftovers(&tmp));
    assert!(leftovers(d.path()).is_empty(), "{:?}", leftovers(d.path()));
    assert!(!d.path().join("out.json").exists());
    drop(conn);

    // A long filesystem scan with a report file: exits within 2 s of the signal.
    let (mid, end) = (ghp("sigint-mid"), ghp("sigint-end"));
    one_long_line(&d.path().join("bundle.min.js"), &mid, &end);
    let mut sent = None;
    let r = run_cmd(
        lh_cmd(
            &["scan", "bundle.min.js", "--no-progress", "-o", "out.json"],
            d.path(),
        ),
        GUARD,
        |pid| {
            std::thread::sleep(Duration::from_millis(800));
            sent = Some(Instant::now());
            unsafe { libc::kill(pid, libc::SIGINT) };
        },
    );
    let after = sent.unwrap().elapsed();
    assert_eq!(r.code, Some(130), "{}", r.stderr);
    assert!(
        after < Duration::from_secs(2),
        "took {after:?} after SIGINT"
    );
    assert!(leftovers(d.path()).is_empty(), "{:?}", leftovers(d.path()));
    assert!(!d.path().join("out.json").exists());
}

#[test]
fn redact_interrupted_at_any_point_leaves_each_file_old_or_new() {
    let d = tempfile::tempdir().unwrap();
    let work = d.path().join("work");
    let home = d.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let originals: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| {
            let filler = format!(
                "{{\"type\":\"assistant\",\"message\":{{\"content\":\"{}\"}}}}\n",
                "words ".repeat(200)
            );
            let mut body = String::new();
            for j in 0..400 {
                if j % 50 == 7 {
                    body.push_str(&format!(
                        "{{\"type\":\"user\",\"message\":{{\"content\":\"key {}\"}}}}\n",
                        ghp(&format!("redact{i}-{j}"))
                    ));
                } else {
                    body.push_str(&filler);
                }
            }
            (format!("s{i:02}.jsonl"), body.into_bytes())
        })
        .collect();
    let reset = || {
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work).unwrap();
        for (n, b) in &originals {
            fs::write(work.join(n), b).unwrap();
        }
    };
    let redact = |home: &Path| {
        let mut c = lh_cmd(
            &["redact", ".", "-y", "--no-backup", "--no-progress"],
            &work,
        );
        c.env("HOME", home)
            .env("XDG_STATE_HOME", home)
            .env("XDG_DATA_HOME", home);
        c
    };
    // The new versions, from one uninterrupted run.
    reset();
    let full = run_cmd(redact(&home), GUARD, |_| {});
    assert_eq!(full.code, Some(0), "{}", full.stderr);
    let new: Vec<Vec<u8>> = originals
        .iter()
        .map(|(n, _)| fs::read(work.join(n)).unwrap())
        .collect();
    for ((_, old), new) in originals.iter().zip(&new) {
        assert_ne!(old, new, "every file has something to redact");
    }
    // Interrupt at points spread over the whole run, alternating SIGINT and SIGKILL.
    let span = full.wall.as_millis() as u64;
    let mut rng = 0x9e3779b97f4a7c15u64;
    let (mut saw_old, mut saw_new) = (false, false);
    for round in 0..10 {
        reset();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = Duration::from_millis(span / 4 + rng % (span.max(1)));
        let sig = if round % 2 == 0 {
            libc::SIGINT
        } else {
            libc::SIGKILL
        };
        let r = run_cmd(redact(&home), GUARD, |pid| {
            std::thread::sleep(delay);
            unsafe { libc::kill(pid, sig) };
        });
        for (i, (n, old)) in originals.iter().enumerate() {
            let now = fs::read(work.join(n)).unwrap();
            assert!(
                now == *old || now == new[i],
                "round {round}: {n} is neither old nor new after signal {sig} at {delay:?}"
            );
            saw_old |= now == *old;
            saw_new |= now == new[i];
        }
        if sig == libc::SIGINT && r.code == Some(130) {
            assert!(
                leftovers(&work).is_empty(),
                "round {round}: {:?}",
                leftovers(&work)
            );
        }
    }
    assert!(
        saw_old && saw_new,
        "the interrupts landed before and after writes"
    );
}
