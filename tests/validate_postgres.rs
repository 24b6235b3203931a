//! PostgreSQL connection-string validation against a real PostgreSQL server started by the test
//! on 127.0.0.1 (SCRAM-SHA-256, statement logging on): a right password is live, a wrong one
//! dead, and the server log proves no statement was ever run. Needs the PostgreSQL server
//! binaries (scripts/test-deps.sh installs them).

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn pg_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn is_root() -> bool {
    // SAFETY-free check through the filesystem: /proc/self/status has the real uid.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// PostgreSQL refuses to run as root: drop to the `postgres` user when we are root.
fn as_pg(bin: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Fast shutdown of the postmaster we started (by its pid).
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start(password: &str) -> Server {
    let dir = tempfile::Builder::new().prefix("lh-pg").tempdir().unwrap();
    let data = dir.path().join("data");
    let pw = dir.path().join("pw");
    fs::write(&pw, format!("{password}\n")).unwrap();
    if is_root() {
        let st = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success());
    }
    let o = as_pg(&pg_bin("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "leak",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
        ])
        .arg(format!("--pwfile={}", pw.display()))
        .output()
        .expect("initdb runs (is PostgreSQL installed? see scripts/test-deps.sh)");
    assert!(
        o.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.path().join("server.log");
    let logf = fs::File::create(&log).unwrap();
    if is_root() {
        let _ = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&log)
            .status();
    }
    let child = as_pg(&pg_bin("postgres"))
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "log_statement=all", "-c", "log_connections=on"])
        .arg("-k")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(logf)
        .spawn()
        .expect("postgres starts");
    let server = Server {
        child,
        port,
        log,
        _dir: dir,
    };
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = fs::read_to_string(&server.log)
            .unwrap_or_default()
            .contains("ready to accept connections");
        if ready {
            break;
        }
        assert!(Instant::now() < until, "postgres did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn lh(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LEAKHOUND_VALIDATE_ENDPOINTS")
        .output()
        .unwrap()
}

fn status(o: &Output) -> String {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "connstring.postgres")
        .expect("postgres finding")
        .clone();
    format!(
        "{} {}",
        f["validation"]["status"].as_str().unwrap(),
        f["validation"]["reason"].as_str().unwrap_or_default()
    )
}

#[test]
fn postgres_logins_are_checked_without_running_a_query() {
    let password = "Tr0ub4dor-and-3-horses";
    let server = start(password);
    let d = tempfile::tempdir().unwrap();
    let ep = format!("db.example.com=tcp://127.0.0.1:{}", server.port);
    let scan = |text: &str, extra: &[&str]| {
        fs::write(d.path().join(".env"), text).unwrap();
        let mut args = vec![
            "scan",
            ".env",
            "--no-progress",
            "--format",
            "json",
            "--validate",
        ];
        args.extend_from_slice(extra);
        lh(&args, d.path())
    };
    let with_db = ["--validate-databases", "--validate-endpoint", ep.as_str()];

    let good = format!("DATABASE_URL=postgresql://leak:{password}@db.example.com:5432/postgres\n");
    let s = status(&scan(&good, &with_db));
    assert!(s.starts_with("live "), "{s}");

    let bad = "DATABASE_URL=postgresql://leak:Wr0ng-and-4-horses@db.example.com/postgres\n";
    let s = status(&scan(bad, &with_db));
    assert!(s.starts_with("dead 28P01"), "{s}");

    // Off by default, and never sent to an address from the text that is not public.
    let s = status(&scan(&good, &[]));
    assert!(s.contains("--validate-databases"), "{s}");
    let local = format!(
        "DATABASE_URL=postgresql://leak:{password}@127.0.0.1:{}/postgres\n",
        server.port
    );
    let s = status(&scan(&local, &["--validate-databases"]));
    assert!(s.starts_with("unknown ") && s.contains("refused"), "{s}");

    let log = fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("connection authorized: user=leak"), "{log}");
    assert!(!log.contains("statement:"), "a statement ran:\n{log}");
    assert!(
        !log.contains(password),
        "the password reached the server log"
    );
}
