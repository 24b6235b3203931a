//! Shared helpers of the image tests: the standard fixture image (every whiteout form, history
//! with empty layers, gzip/zstd/plain layers, secrets in Env, labels, Cmd and build history),
//! running the binary, and starting a real dockerd / registry in a temp dir.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use leakhound::rules::template::{Rng, expand};
use leakhound::sources::image::fixture::{Image, Item, Layer, layer_tar};
use leakhound::sources::image::reader::Compression;
use serde_json::Value;

/// Fake, token-shaped values built at run time.
pub struct Tokens {
    pub env_gh: String,
    pub aws_id: String,
    pub aws_secret: String,
    pub label_gh: String,
    pub cmd_gh: String,
    pub run_gh: String,
    pub deleted_file_gh: String,
    pub deleted_dir_aws_id: String,
    pub opaque_gh: String,
    pub kept_gh: String,
    pub top_gh: String,
}

impl Tokens {
    pub fn new(seed: &str) -> Tokens {
        let mut rng = Rng::from_seed(seed);
        let mut gh = || expand("«token:github_crc32:ghp_»", &mut rng).unwrap();
        let (env_gh, label_gh, cmd_gh, run_gh, deleted_file_gh, opaque_gh, kept_gh, top_gh) =
            (gh(), gh(), gh(), gh(), gh(), gh(), gh(), gh());
        let mut rng = Rng::from_seed(&format!("{seed}-aws"));
        Tokens {
            env_gh,
            aws_id: expand("AKIA«upper:16»", &mut rng).unwrap(),
            aws_secret: expand("«b64:40»", &mut rng).unwrap(),
            label_gh,
            cmd_gh,
            run_gh,
            deleted_file_gh,
            deleted_dir_aws_id: expand("AKIA«upper:16»", &mut rng).unwrap(),
            opaque_gh,
            kept_gh,
            top_gh,
        }
    }
}

/// The standard image:
/// * layer 0 (gzip, `./`-prefixed names): `/app/config/.env`, `/secrets/aws.txt`,
///   `/opaque/dir/x.txt`, `/etc/keep.txt`
/// * layer 1 (plain, footer-less like umoci): deletes `/app/config/.env` (`.wh.` file),
///   `/secrets` (`.wh.` directory), makes `/opaque` opaque, adds `/opaque/new.txt`
/// * layer 2 (zstd): `/srv/run.sh`
/// * history: 0 COPY → layer 0, 1 ENV (empty), 2 RUN rm → layer 1, 3 ARG (empty),
///   4 `RUN |1 GH_TOKEN=… /bin/sh -c make` → layer 2
pub fn standard_image(t: &Tokens, arch: &str) -> Image {
    let l0 = layer_tar(
        &[
            Item::Dir("./".into()),
            Item::Dir("./app/".into()),
            Item::Dir("./app/config/".into()),
            Item::File(
                "./app/config/.env".into(),
                format!("GITHUB_TOKEN={}\n", t.deleted_file_gh).into_bytes(),
            ),
            Item::Dir("./secrets/".into()),
            Item::File(
                "./secrets/aws.txt".into(),
                format!("aws_access_key_id = {}\n", t.deleted_dir_aws_id).into_bytes(),
            ),
            Item::Dir("./opaque/".into()),
            Item::Dir("./opaque/dir/".into()),
            Item::File(
                "./opaque/dir/x.txt".into(),
                format!("token: {}\n", t.opaque_gh).into_bytes(),
            ),
            Item::Dir("./etc/".into()),
            Item::File(
                "./etc/keep.txt".into(),
                format!("# kept\nkey={}\n", t.kept_gh).into_bytes(),
            ),
            Item::Symlink("./etc/link".into(), "keep.txt".into()),
        ],
        true,
    );
    let l1 = layer_tar(
        &[
            Item::File("app/config/.wh..env".into(), vec![]),
            Item::File(".wh.secrets".into(), vec![]),
            Item::Dir("opaque/".into()),
            Item::File("opaque/.wh..wh..opq".into(), vec![]),
            Item::File("opaque/new.txt".into(), b"nothing here\n".to_vec()),
        ],
        false,
    );
    let l2 = layer_tar(
        &[
            Item::Dir("srv/".into()),
            Item::File(
                "srv/run.sh".into(),
                format!("#!/bin/sh\nexport TOKEN={}\n", t.top_gh).into_bytes(),
            ),
        ],
        true,
    );
    let mut labels = BTreeMap::new();
    labels.insert("org.example.token".to_string(), t.label_gh.clone());
    labels.insert(
        "org.opencontainers.image.title".to_string(),
        "app".to_string(),
    );
    Image {
        layers: vec![
            Layer {
                tar: l0,
                compression: Compression::Gzip,
            },
            Layer {
                tar: l1,
                compression: Compression::None,
            },
            Layer {
                tar: l2,
                compression: Compression::Zstd,
            },
        ],
        env: vec![
            "PATH=/usr/local/bin:/usr/bin".into(),
            format!("GITHUB_TOKEN={}", t.env_gh),
            format!("AWS_ACCESS_KEY_ID={}", t.aws_id),
            format!("AWS_SECRET_ACCESS_KEY={}", t.aws_secret),
        ],
        labels,
        cmd: vec![
            "sh".into(),
            "-c".into(),
            format!(
                "curl -H 'Authorization: token {}' https://api.github.com/user",
                t.cmd_gh
            ),
        ],
        history: vec![
            ("/bin/sh -c #(nop) COPY dir:0123 in / ".into(), false),
            (
                format!("/bin/sh -c #(nop)  ENV GITHUB_TOKEN={}", t.env_gh),
                true,
            ),
            (
                "/bin/sh -c rm -rf /app/config/.env /secrets /opaque/dir".into(),
                false,
            ),
            ("/bin/sh -c #(nop)  ARG GH_TOKEN".into(), true),
            (format!("|1 GH_TOKEN={} /bin/sh -c make", t.run_gh), false),
        ],
        arch: Some(arch.to_string()),
        docker_media_types: false,
    }
}

/// The built binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leakhound"))
}

/// Output of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON report.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Runs `leakhound image ARGS…` with extra environment.
pub fn run_env(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut c = Command::new(bin());
    c.arg("image").arg("--no-progress").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run leakhound");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `leakhound image ARGS…`.
pub fn run(args: &[&str]) -> Run {
    run_env(args, &[], None)
}

/// A finding's `source.part` object.
pub fn part(f: &Value) -> &Value {
    &f["source"]["part"]
}

/// Findings whose (unredacted) secret is `s` (the run must use --show-secrets).
pub fn with_secret<'a>(report: &'a Value, s: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"] == s)
        .collect()
}

/// Asserts what the standard image yields, whatever transport delivered it.
pub fn check_standard(report: &Value, t: &Tokens, image: &str) {
    let one = |s: &str| -> &Value {
        let v = with_secret(report, s);
        assert_eq!(
            v.len(),
            1,
            "expected exactly one finding of a secret, got {v:#?}"
        );
        v[0]
    };
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["source"]["kind"], "image", "{f:#}");
        assert_eq!(f["source"]["image"], image, "{f:#}");
        assert!(
            f["source"]["config_digest"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
    }
    // Config.
    let f = one(&t.aws_secret);
    assert_eq!(f["rule_id"], "aws.secret_access_key");
    assert_eq!(part(f)["field"], "env");
    assert_eq!(part(f)["index"], 3);
    assert_eq!(part(f)["key"], "AWS_SECRET_ACCESS_KEY");
    assert_eq!(
        f["parts"]["key_id"],
        t.aws_id.as_str(),
        "pairs across Env entries"
    );
    let f = one(&t.aws_id);
    assert_eq!(part(f)["index"], 2);
    let f = one(&t.label_gh);
    assert_eq!(part(f)["field"], "label");
    assert_eq!(part(f)["key"], "org.example.token");
    assert_eq!(part(one(&t.cmd_gh))["field"], "cmd");
    let f = one(&t.run_gh);
    assert_eq!(part(f)["field"], "history");
    assert_eq!(part(f)["index"], 4);
    assert_eq!(part(f)["instruction"], "RUN");
    assert_eq!(part(f)["layer"], 2);
    // The Env token shows up twice: in Env and in the ENV history entry.
    let env = with_secret(report, &t.env_gh);
    assert_eq!(env.len(), 2, "{env:#?}");
    let hist = env.iter().find(|f| part(f)["field"] == "history").unwrap();
    assert_eq!(part(hist)["index"], 1);
    assert_eq!(part(hist)["instruction"], "ENV");
    assert!(part(hist).get("layer").is_none());
    let envf = env.iter().find(|f| part(f)["field"] == "env").unwrap();
    assert_eq!(
        (&part(envf)["index"], &part(envf)["key"]),
        (&1.into(), &"GITHUB_TOKEN".into())
    );
    // Layers, with every whiteout form.
    let layer = |s: &str, path: &str, index: u64, deleted_in: Option<u64>| {
        let f = one(s);
        assert_eq!(f["location"]["path"], path);
        let p = part(f);
        assert_eq!(p["part"], "layer");
        assert_eq!(p["path"], path);
        assert_eq!(p["index"], index);
        assert_eq!(p["deleted"], deleted_in.is_some(), "{f:#}");
        assert_eq!(
            p.get("deleted_in").and_then(Value::as_u64),
            deleted_in,
            "{f:#}"
        );
        assert!(p["diff_id"].as_str().unwrap().starts_with("sha256:"));
    };
    layer(&t.deleted_file_gh, "/app/config/.env", 0, Some(1));
    layer(&t.deleted_dir_aws_id, "/secrets/aws.txt", 0, Some(1));
    layer(&t.opaque_gh, "/opaque/dir/x.txt", 0, Some(1));
    layer(&t.kept_gh, "/etc/keep.txt", 0, None);
    layer(&t.top_gh, "/srv/run.sh", 2, None);
    assert_eq!(part(one(&t.top_gh))["history"], 4);
    assert_eq!(part(one(&t.kept_gh))["history"], 0);
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `ok` holds, or panics after `secs`.
pub fn wait_for(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "{what} did not come up within {secs}s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Fails loudly when a tool the test command installs is missing.
pub fn require(tool: &str) {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{tool} is not installed: run `bash scripts/test.sh` (scripts/test-deps.sh installs it)"
    );
}

/// A child process killed (and reaped) on drop.
pub struct Service {
    pub child: Child,
    pub dir: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        // SIGTERM lets dockerd stop its containerd child; then make sure.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `docker-registry` on 127.0.0.1 with a temp config; `htpasswd` enables Basic auth.
pub fn start_registry(htpasswd: Option<(&str, &str)>) -> (Service, u16) {
    require("docker-registry");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let auth = match htpasswd {
        Some((u, p)) => {
            require("htpasswd");
            let out = Command::new("htpasswd")
                .args(["-Bbn", u, p])
                .output()
                .unwrap();
            assert!(out.status.success());
            std::fs::write(dir.path().join("htpasswd"), &out.stdout).unwrap();
            format!(
                "auth: {{htpasswd: {{realm: test-realm, path: {}}}}}\n",
                dir.path().join("htpasswd").display()
            )
        }
        None => String::new(),
    };
    let cfg = format!(
        "version: 0.1\nlog: {{level: warn}}\nstorage: {{filesystem: {{rootdirectory: {}}}, delete: {{enabled: true}}}}\nhttp: {{addr: 127.0.0.1:{port}}}\n{auth}",
        dir.path().join("data").display()
    );
    let cfg_path = dir.path().join("config.yml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&cfg_path)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let svc = Service { child, dir };
    wait_for("docker-registry", 20, || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    (svc, port)
}

/// Pushes an OCI layout to the registry with skopeo, keeping digests.
pub fn push(layout: &Path, tag: &str, dest: &str, creds: Option<&str>) {
    require("skopeo");
    let mut c = Command::new("skopeo");
    c.args([
        "copy",
        "--quiet",
        "--preserve-digests",
        "--dest-tls-verify=false",
    ]);
    if let Some(cr) = creds {
        c.args(["--dest-creds", cr]);
    }
    c.arg("--all")
        .arg(format!("oci:{}:{tag}", layout.display()))
        .arg(format!("docker://{dest}"));
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "skopeo copy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The report cut down to the findings of one image reference.
pub fn only(report: &Value, image: &str) -> Value {
    let mut r = report.clone();
    let kept: Vec<Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["source"]["image"] == image)
        .cloned()
        .collect();
    r["findings"] = Value::Array(kept);
    r
}

/// Runs one JSON scan (with --show-secrets) of several references: the rule catalogue is
/// compiled once per run, so tests batch their references.
pub fn json_run_many(refs: &[String], extra: &[&str]) -> (Run, Value) {
    let mut args: Vec<&str> = vec!["--format", "json", "--show-secrets"];
    args.extend(refs.iter().map(String::as_str));
    args.extend_from_slice(extra);
    let r = run(&args);
    let v = r.json();
    (r, v)
}
