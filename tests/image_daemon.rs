//! `leakhound image docker-daemon:…` against a real Docker engine: the test starts dockerd in a
//! temp dir (vfs storage, no bridge, no iptables, its own socket), loads the fixture image
//! through the engine, scans it, and stops the engine.

mod image_support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};

use image_support::*;
use leakhound::sources::image::fixture::{DockerStyle, write_docker_archive};
use leakhound::sources::image::reader::Compression;

fn ping(sock: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(sock) else {
        return false;
    };
    if s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200")
}

fn start_dockerd() -> (Service, String) {
    require("dockerd");
    // Unix socket paths are short: keep the directory under /tmp.
    let dir = tempfile::Builder::new()
        .prefix("lhd")
        .tempdir_in("/tmp")
        .unwrap();
    let d = dir.path();
    let sock = d.join("docker.sock");
    let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
    let child = Command::new("dockerd")
        .arg("--storage-driver=vfs")
        .arg("--iptables=false")
        .arg("--ip-masq=false")
        .arg("--bridge=none")
        .arg("--data-root")
        .arg(d.join("root"))
        .arg("--exec-root")
        .arg(d.join("exec"))
        .arg("-H")
        .arg(format!("unix://{}", sock.display()))
        .arg("--pidfile")
        .arg(d.join("pid"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut svc = Service { child, dir };
    let start = std::time::Instant::now();
    while !ping(&sock) {
        let exited = svc.child.try_wait().ok().flatten();
        if exited.is_some() || start.elapsed() > std::time::Duration::from_secs(60) {
            let log =
                std::fs::read_to_string(svc.dir.path().join("dockerd.log")).unwrap_or_default();
            panic!("dockerd did not come up ({exited:?}):\n{log}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (svc, format!("unix://{}", sock.display()))
}

#[test]
fn scans_images_in_a_real_docker_engine() {
    let (engine, host) = start_dockerd();
    let t = Tokens::new("daemon");
    let built = standard_image(&t, "amd64").build();
    let archive = engine.dir.path().join("app.tar");
    write_docker_archive(
        &archive,
        &[(&built, "lab/app:1.0")],
        DockerStyle::Legacy,
        Compression::None,
    )
    .unwrap();
    let load = Command::new("docker")
        .env("DOCKER_HOST", &host)
        .args(["load", "-i"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        load.status.success(),
        "docker load: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    let env = [("DOCKER_HOST", host.as_str())];

    let image = "docker-daemon:lab/app:1.0";
    let by_id = format!("docker-daemon:{}", built.config_digest);
    let r = run_env(
        &["--format", "json", "--show-secrets", image, &by_id],
        &env,
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "unexpected warnings: {}", r.stderr);
    let report = r.json();
    for name in [image, by_id.as_str()] {
        let rep = only(&report, name);
        check_standard(&rep, &t, name);
        // The engine's image id is the config digest.
        assert_eq!(
            rep["findings"][0]["source"]["config_digest"],
            built.config_digest.as_str()
        );
    }

    let r = run_env(&["docker-daemon:lab/none:1"], &env, None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no such image"), "{}", r.stderr);

    let nowhere = format!("unix://{}/nope.sock", engine.dir.path().display());
    let r = run_env(&[image], &[("DOCKER_HOST", &nowhere)], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot reach the Docker engine"),
        "{}",
        r.stderr
    );
    drop(engine);
}
