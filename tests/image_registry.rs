//! `leakhound image HOST/REPO:TAG` against a real registry: Debian's docker-registry on
//! 127.0.0.1 (anonymous and htpasswd Basic auth), fixtures pushed with skopeo keeping digests,
//! and a small stand-in token service that puts the Docker Hub / GHCR Bearer flow in front of it.

mod image_support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use image_support::*;
use leakhound::sources::image::fixture::write_oci_layout;
use serde_json::Value;

fn layouts(t: &Tokens, dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let amd = standard_image(t, "amd64").build();
    let arm = standard_image(t, "arm64").build();
    let single = dir.join("single");
    write_oci_layout(&single, &[&amd], "1").unwrap();
    let multi = dir.join("multi");
    write_oci_layout(&multi, &[&amd, &arm], "1").unwrap();
    (single, multi, amd.manifest_digest)
}

fn registry_blob(reg_dir: &std::path::Path, digest: &str) -> std::path::PathBuf {
    let hex = digest.trim_start_matches("sha256:");
    reg_dir
        .join("data/docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data")
}

#[test]
fn pulls_from_an_anonymous_registry() {
    let (reg, port) = start_registry(None);
    let t = Tokens::new("registry");
    let dir = tempfile::tempdir().unwrap();
    let (single, multi, digest) = layouts(&t, dir.path());
    let host = format!("127.0.0.1:{port}");
    push(&single, "1", &format!("{host}/test/app:1"), None);
    push(&multi, "1", &format!("{host}/test/multi:1"), None);

    let refs = [
        format!("{host}/test/app:1"),
        format!("registry:{host}/test/app:1"),
        format!("{host}/test/app@{digest}"),
    ];
    let (run1, report) = json_run_many(&refs, &[]);
    assert_eq!(run1.code, 1, "{}", run1.stderr);
    assert!(
        run1.stderr.is_empty(),
        "unexpected warnings: {}",
        run1.stderr
    );
    for r in &refs {
        let rep = only(&report, r);
        check_standard(&rep, &t, r);
        assert_eq!(
            rep["findings"][0]["source"]["manifest_digest"],
            digest.as_str()
        );
    }

    // A multi-platform index: every platform, or the one asked for.
    let r = format!("{host}/test/multi:1");
    let all = run(&["--format", "json", "--show-secrets", &r]).json();
    let arm = run(&[
        "--format",
        "json",
        "--show-secrets",
        &r,
        "--platform",
        "linux/arm64",
    ]);
    assert_eq!(arm.code, 1, "{}", arm.stderr);
    let arm = arm.json();
    check_standard(&arm, &t, &r);
    let count = |v: &Value| v["findings"].as_array().unwrap().len();
    assert_eq!(count(&all), 2 * count(&arm));

    // Unknown tag and repository.
    let r = run(&[&format!("{host}/test/app:nope")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("MANIFEST_UNKNOWN"), "{}", r.stderr);

    // Blobs tampered with in the registry's storage: one missing, one altered.
    let amd = standard_image(&t, "amd64").build();
    push(&single, "1", &format!("{host}/test/broken:1"), None);
    std::fs::remove_file(registry_blob(reg.dir.path(), &amd.layers[2].0)).unwrap();
    let p1 = registry_blob(reg.dir.path(), &amd.layers[1].0);
    let mut l1 = std::fs::read(&p1).unwrap();
    let at = l1.len() - 2000;
    l1[at] ^= 0x01;
    std::fs::write(&p1, l1).unwrap();
    let r = format!("{host}/test/broken:1");
    let run = run(&["--format", "json", "--show-secrets", &r]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{r} layer 2 (")) && run.stderr.contains("layer skipped"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("{r} layer 1 (")) && run.stderr.contains("digest mismatch"),
        "{}",
        run.stderr
    );
    let rep = run.json();
    assert_eq!(with_secret(&rep, &t.kept_gh).len(), 1, "layer 0 is scanned");
    assert_eq!(
        with_secret(&rep, &t.env_gh).len(),
        2,
        "the config is scanned"
    );
    drop(reg);
}

fn docker_config(dir: &std::path::Path, json: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("config.json"), json).unwrap();
    dir.display().to_string()
}

#[test]
fn basic_auth_from_flags_config_and_credential_helpers() {
    let pass = format!("pw-{}", std::process::id());
    let (reg, port) = start_registry(Some(("alice", &pass)));
    let t = Tokens::new("basic");
    let dir = tempfile::tempdir().unwrap();
    let (single, _, _) = layouts(&t, dir.path());
    let host = format!("127.0.0.1:{port}");
    push(
        &single,
        "1",
        &format!("{host}/test/app:1"),
        Some(&format!("alice:{pass}")),
    );
    let r = format!("{host}/test/app:1");
    let empty = docker_config(&dir.path().join("empty"), "{}");

    let anon = run_env(&[&r], &[("DOCKER_CONFIG", &empty)], None);
    assert_eq!(anon.code, 2);
    assert!(
        anon.stderr.contains("requires a user name and password"),
        "{}",
        anon.stderr
    );

    let args = [
        "--format",
        "json",
        "--show-secrets",
        "--registry-user",
        "alice",
        "--registry-password-stdin",
        &r,
    ];
    let ok = run_env(
        &args,
        &[("DOCKER_CONFIG", &empty)],
        Some(&format!("{pass}\n")),
    );
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    check_standard(&ok.json(), &t, &r);

    let wrong = run_env(&args, &[("DOCKER_CONFIG", &empty)], Some("nope\n"));
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("access denied"), "{}", wrong.stderr);
    assert!(
        !wrong.stderr.contains("nope"),
        "the password must not be echoed"
    );

    // ~/.docker/config.json `auths`.
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("alice:{pass}"));
    let cfg = docker_config(
        &dir.path().join("auths"),
        &format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#),
    );
    let ok = run_env(
        &["--format", "json", "--show-secrets", &r],
        &[("DOCKER_CONFIG", &cfg)],
        None,
    );
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    check_standard(&ok.json(), &t, &r);

    // A credential helper named in `credHelpers`, found on PATH.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-lhtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\nif [ \"$server\" = {host} ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"{pass}\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cfg = docker_config(
        &dir.path().join("helpers"),
        &format!(r#"{{"credHelpers":{{"{host}":"lhtest"}}}}"#),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ok = run_env(
        &["--format", "json", "--show-secrets", &r],
        &[("DOCKER_CONFIG", &cfg), ("PATH", &path)],
        None,
    );
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    check_standard(&ok.json(), &t, &r);
    drop(reg);
}

/// What the stand-in token service saw.
#[derive(Debug, Default, Clone)]
struct TokenLog {
    /// (method, service, scope, had Basic credentials, had a refresh token)
    requests: Vec<(String, String, String, bool, bool)>,
}

/// A registry front that demands Bearer tokens (like Docker Hub and GHCR) and issues them at
/// `/token`, forwarding authorised requests to the real registry behind it.
struct TokenFront {
    port: u16,
    log: Arc<Mutex<TokenLog>>,
}

/// One HTTP request as the stand-in reads it.
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

fn read_request(s: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    s.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        s.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(String, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn query_param(q: &str, key: &str) -> String {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .replace('+', " ")
        })
        .unwrap_or_default()
}

impl TokenFront {
    fn start(registry_port: u16, user: &str, pass: &str, refresh: &str) -> TokenFront {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(TokenLog::default()));
        let front_log = log.clone();
        let good_basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        );
        let refresh = refresh.to_string();
        let issued = format!("tok-{}", std::process::id());
        std::thread::spawn(move || {
            let http = reqwest::blocking::Client::new();
            for conn in listener.incoming() {
                let Ok(mut s) = conn else { break };
                let Some(Request {
                    method,
                    path,
                    headers,
                    body,
                }) = read_request(&mut BufReader::new(s.try_clone().unwrap()))
                else {
                    continue;
                };
                if let Some(q) = path.strip_prefix("/token") {
                    let q = if method == "POST" {
                        String::from_utf8_lossy(&body).into_owned()
                    } else {
                        q.trim_start_matches('?').to_string()
                    };
                    let auth = headers.get("authorization").cloned().unwrap_or_default();
                    let refresh_ok = query_param(&q, "refresh_token") == refresh;
                    front_log.lock().unwrap().requests.push((
                        method.clone(),
                        query_param(&q, "service"),
                        query_param(&q, "scope"),
                        !auth.is_empty(),
                        method == "POST",
                    ));
                    let ok = if method == "POST" {
                        refresh_ok && query_param(&q, "grant_type") == "refresh_token"
                    } else {
                        auth.is_empty() || auth == good_basic
                    };
                    if ok {
                        let key = if method == "POST" {
                            "access_token"
                        } else {
                            "token"
                        };
                        respond(
                            &mut s,
                            "200 OK",
                            &[("Content-Type".into(), "application/json".into())],
                            format!(r#"{{"{key}":"{issued}","expires_in":300}}"#).as_bytes(),
                        );
                    } else {
                        respond(
                            &mut s,
                            "401 Unauthorized",
                            &[],
                            br#"{"details":"bad credentials"}"#,
                        );
                    }
                    continue;
                }
                if headers.get("authorization") != Some(&format!("Bearer {issued}")) {
                    let challenge = format!(
                        r#"Bearer realm="http://127.0.0.1:{port}/token",service="lh-test",scope="repository:test/app:pull""#
                    );
                    respond(&mut s, "401 Unauthorized", &[("WWW-Authenticate".into(), challenge)], br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#);
                    continue;
                }
                let mut req = http.get(format!("http://127.0.0.1:{registry_port}{path}"));
                if let Some(a) = headers.get("accept") {
                    req = req.header("Accept", a);
                }
                let Ok(resp) = req.send() else {
                    respond(&mut s, "502 Bad Gateway", &[], b"");
                    continue;
                };
                let status = resp.status();
                let mut hs = Vec::new();
                for k in ["content-type", "docker-content-digest"] {
                    if let Some(v) = resp.headers().get(k).and_then(|v| v.to_str().ok()) {
                        hs.push((k.to_string(), v.to_string()));
                    }
                }
                let body = resp.bytes().map(|b| b.to_vec()).unwrap_or_default();
                respond(
                    &mut s,
                    &format!(
                        "{} {}",
                        status.as_u16(),
                        status.canonical_reason().unwrap_or("")
                    ),
                    &hs,
                    &body,
                );
            }
        });
        TokenFront { port, log }
    }
}

#[test]
fn bearer_token_flow_anonymous_basic_and_identity_token() {
    let (reg, port) = start_registry(None);
    let t = Tokens::new("bearer");
    let dir = tempfile::tempdir().unwrap();
    let (single, _, _) = layouts(&t, dir.path());
    push(&single, "1", &format!("127.0.0.1:{port}/test/app:1"), None);
    let pass = format!("pw-{}", std::process::id());
    let refresh = format!("refresh-{}", std::process::id());
    let front = TokenFront::start(port, "bob", &pass, &refresh);
    let r = format!("127.0.0.1:{}/test/app:1", front.port);
    let empty = docker_config(&dir.path().join("empty"), "{}");

    // Anonymous token.
    let anon = run_env(
        &["--format", "json", "--show-secrets", &r],
        &[("DOCKER_CONFIG", &empty)],
        None,
    );
    assert_eq!(anon.code, 1, "{}", anon.stderr);
    check_standard(&anon.json(), &t, &r);
    let seen = front.log.lock().unwrap().requests.clone();
    assert!(!seen.is_empty());
    for (method, service, scope, creds, _) in &seen {
        assert_eq!(
            (method.as_str(), service.as_str(), scope.as_str(), *creds),
            ("GET", "lh-test", "repository:test/app:pull", false)
        );
    }

    // Credentials presented at the token service.
    front.log.lock().unwrap().requests.clear();
    let args = [
        "--format",
        "json",
        "--show-secrets",
        "--registry-user",
        "bob",
        "--registry-password-stdin",
        &r,
    ];
    let ok = run_env(&args, &[("DOCKER_CONFIG", &empty)], Some(&pass));
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    check_standard(&ok.json(), &t, &r);
    assert!(front.log.lock().unwrap().requests.iter().all(|q| q.3));
    let bad = run_env(&args, &[("DOCKER_CONFIG", &empty)], Some("wrong"));
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("token request") && bad.stderr.contains("refused"),
        "{}",
        bad.stderr
    );

    // An identity (refresh) token from config.json, exchanged with the OAuth2 POST.
    front.log.lock().unwrap().requests.clear();
    let cfg = docker_config(
        &dir.path().join("idtoken"),
        &format!(
            r#"{{"auths":{{"127.0.0.1:{}":{{"identitytoken":"{refresh}"}}}}}}"#,
            front.port
        ),
    );
    let ok = run_env(
        &["--format", "json", "--show-secrets", &r],
        &[("DOCKER_CONFIG", &cfg)],
        None,
    );
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    check_standard(&ok.json(), &t, &r);
    assert!(
        front.log.lock().unwrap().requests.iter().all(|q| q.4),
        "refresh-token grant used"
    );
    drop(reg);
}
