//! Writes a deterministic `git fast-import` stream for the history benchmark: a repository
//! with thousands of commits editing realistic source files (the benchmark corpus), side
//! branches merged back, tags, renames and deletions, and fake secrets planted in some
//! commits and removed a few commits later.
//!
//! `cargo run --release --example gen_history -- [COMMITS] [FILES] | git fast-import`
//! (defaults: 10,000 commits over 2,500 files). The planted count goes to stderr.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use leakhound::rules::template::{Rng, expand};

/// Secrets planted in history (templates expanded at generation time).
const SECRETS: &[&str] = &[
    "GITHUB_TOKEN = \"«token:github_crc32:ghp_»\"",
    "aws_access_key_id = AKIA«upper:16»",
    "gitlab_token: glpat-«b64url:20»",
];

struct Gen {
    rng: Rng,
    pool: Vec<String>,
    files: BTreeMap<String, Vec<String>>,
    mark: u64,
    time: u64,
    planted: usize,
    out: BufWriter<std::io::StdoutLock<'static>>,
}

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    fn pool_line(&mut self) -> String {
        let i = self.below(self.pool.len() as u64) as usize;
        self.pool[i].clone()
    }

    fn pick_file(&mut self, prefix: &str) -> Option<String> {
        let n = self.files.keys().filter(|k| k.starts_with(prefix)).count();
        if n == 0 {
            return None;
        }
        let i = self.below(n as u64) as usize;
        self.files
            .keys()
            .filter(|k| k.starts_with(prefix))
            .nth(i)
            .cloned()
    }

    /// A few hunks: replaced, inserted and deleted lines.
    fn edit(&mut self, path: &str) {
        let hunks = 1 + self.below(4);
        for _ in 0..hunks {
            let len = self.files.get(path).map_or(0, Vec::len) as u64;
            let at = self.below(len + 1) as usize;
            let k = 1 + self.below(5) as usize;
            let op = self.below(3);
            let new: Vec<String> = (0..k).map(|_| self.pool_line()).collect();
            let Some(lines) = self.files.get_mut(path) else {
                return;
            };
            let end = (at + k).min(lines.len());
            match op {
                0 => {
                    lines.splice(at..end, new);
                }
                1 => {
                    lines.splice(at..at, new);
                }
                _ if lines.len() > 20 => {
                    lines.drain(at..end);
                }
                _ => lines.extend(new),
            }
        }
    }

    fn plant(&mut self, path: &str) -> usize {
        let tpl = SECRETS[self.planted % SECRETS.len()];
        let secret = expand(tpl, &mut self.rng).unwrap_or_default();
        self.planted += 1;
        let lines = self.files.entry(path.to_string()).or_default();
        let at = lines.len() / 2;
        lines.insert(at, secret);
        at
    }

    fn new_file(&mut self, path: String, i: usize) {
        let size = match self.below(20) {
            0 => 120_000 + self.below(80_000) as usize,
            1..=4 => 30_000 + self.below(30_000) as usize,
            _ => 3_000 + self.below(25_000) as usize,
        };
        let (_, content, _) = corpus::file(7, i, size);
        self.files
            .insert(path, content.lines().map(str::to_string).collect());
    }

    /// Emits one commit on `branch` changing `changed` (content from the current state) and
    /// deleting `deleted`; returns its mark.
    fn commit(
        &mut self,
        branch: &str,
        msg: &str,
        from: Option<u64>,
        merge: Option<u64>,
        changed: &[String],
        deleted: &[String],
    ) -> std::io::Result<u64> {
        self.mark += 1;
        self.time += 600;
        let who = [
            "Alice Example <alice@example.com>",
            "Bob Example <bob@example.com>",
        ][(self.mark % 2) as usize];
        let o = &mut self.out;
        writeln!(o, "commit refs/heads/{branch}\nmark :{}", self.mark)?;
        writeln!(o, "author {who} {} +0000", self.time)?;
        writeln!(o, "committer {who} {} +0000", self.time)?;
        writeln!(o, "data {}\n{msg}", msg.len())?;
        if let Some(f) = from {
            writeln!(o, "from :{f}")?;
        }
        if let Some(m) = merge {
            writeln!(o, "merge :{m}")?;
        }
        for d in deleted {
            writeln!(o, "D {d}")?;
        }
        for path in changed {
            let Some(lines) = self.files.get(path) else {
                continue;
            };
            let mut body = lines.join("\n");
            body.push('\n');
            writeln!(o, "M 100644 inline {path}\ndata {}", body.len())?;
            o.write_all(body.as_bytes())?;
            writeln!(o)?;
        }
        writeln!(o)?;
        Ok(self.mark)
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let commits: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let nfiles: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2_500);
    let (_, pool_text, _) = corpus::file(99, 0, 400_000);
    let mut g = Gen {
        rng: Rng::from_seed("leakhound-git-bench"),
        pool: pool_text.lines().map(str::to_string).collect(),
        files: BTreeMap::new(),
        mark: 0,
        time: 1_600_000_000,
        planted: 0,
        out: BufWriter::with_capacity(1 << 20, std::io::stdout().lock()),
    };
    // The initial import, in a few commits.
    let mut head: Option<u64> = None;
    let mut next_file = 0usize;
    for chunk in 0..5 {
        let mut changed = Vec::new();
        for _ in 0..nfiles / 5 {
            let i = next_file;
            next_file += 1;
            let path = format!(
                "crates/c{:02}/src/m{:02}/file{i:05}.rs",
                i % 40,
                (i / 40) % 12
            );
            g.new_file(path.clone(), i);
            changed.push(path);
        }
        head = Some(g.commit(
            "main",
            &format!("import part {chunk}"),
            head,
            None,
            &changed,
            &[],
        )?);
    }
    // Secrets to remove later: (commit number, path, line).
    let mut pending: Vec<(usize, String, String)> = Vec::new();
    let mut n = 5;
    let mut feature = 0;
    while n < commits {
        // Every 150 commits: a side branch of a few commits, merged back (or left open).
        if n % 150 == 0 {
            feature += 1;
            let fork = head;
            // Merged side branches reuse one ref; the ones left open keep their own.
            let merged = feature % 10 != 0;
            let branch = if merged {
                "wip".to_string()
            } else {
                format!("feature/{feature:03}")
            };
            let mut side = fork;
            let mut touched = Vec::new();
            for s in 0..(3 + g.below(8)) {
                let path = format!("features/f{feature:03}/part{}.rs", g.below(3));
                if !g.files.contains_key(&path) {
                    next_file += 1;
                    g.new_file(path.clone(), next_file);
                } else {
                    g.edit(&path);
                }
                if s == 1 && feature % 4 == 0 {
                    g.plant(&path);
                }
                side = Some(g.commit(
                    &branch,
                    &format!("{branch}: step {s}"),
                    side,
                    None,
                    std::slice::from_ref(&path),
                    &[],
                )?);
                touched.push(path);
                n += 1;
            }
            if merged {
                touched.sort();
                touched.dedup();
                let msg = format!("Merge feature {feature}");
                head = Some(g.commit("main", &msg, head, side, &touched, &[])?);
                n += 1;
            }
            continue;
        }
        let mut changed = Vec::new();
        let mut deleted = Vec::new();
        let files = 1 + g.below(3) + g.below(3) * g.below(3);
        for _ in 0..files {
            if let Some(p) = g.pick_file("crates/") {
                g.edit(&p);
                changed.push(p);
            }
        }
        match g.below(200) {
            0..=3 => {
                next_file += 1;
                let i = next_file;
                let path = format!("crates/c{:02}/src/new/file{i:05}.rs", i % 40);
                g.new_file(path.clone(), i);
                changed.push(path);
            }
            4 => {
                if let Some(p) = g.pick_file("crates/") {
                    g.files.remove(&p);
                    changed.retain(|c| c != &p);
                    deleted.push(p);
                }
            }
            5 => {
                if let Some(p) = g.pick_file("crates/") {
                    let to = p.replacen("/src/", "/src/moved/", 1);
                    if let Some(lines) = g.files.remove(&p) {
                        g.files.insert(to.clone(), lines);
                        changed.retain(|c| c != &p);
                        deleted.push(p);
                        changed.push(to);
                    }
                }
            }
            _ => {}
        }
        if n % 97 == 0
            && let Some(p) = changed.first().cloned()
        {
            let at = g.plant(&p);
            let line = g
                .files
                .get(&p)
                .and_then(|l| l.get(at))
                .cloned()
                .unwrap_or_default();
            pending.push((n + 3 + g.below(40) as usize, p, line));
        }
        // Remove secrets whose time has come.
        let due: Vec<(usize, String, String)> = pending
            .iter()
            .filter(|(when, _, _)| *when <= n)
            .cloned()
            .collect();
        pending.retain(|(when, _, _)| *when > n);
        for (_, p, line) in due {
            if let Some(lines) = g.files.get_mut(&p) {
                lines.retain(|l| l != &line);
                changed.push(p);
            }
        }
        changed.sort();
        changed.dedup();
        head = Some(g.commit(
            "main",
            &format!("change {n}"),
            head,
            None,
            &changed,
            &deleted,
        )?);
        if n % 1000 == 0 {
            writeln!(g.out, "reset refs/tags/v{}\nfrom :{}\n", n / 1000, g.mark)?;
        }
        n += 1;
    }
    g.out.flush()?;
    eprintln!("planted {} secrets in {} commits", g.planted, g.mark);
    Ok(())
}
