//! Precision/recall evaluation on a deterministic development corpus with ground truth.
//!
//! Every rule's positive example templates are expanded with fresh seeds and planted into files
//! of many types and encodings (env, YAML, JSON with escaping, Python, XML, Markdown, base64
//! and percent-encoded values, notebooks), between lines of realistic code. Hard negatives are
//! planted the same way: every rule's negative examples plus independent ones (placeholders,
//! documented example keys, wrong-checksum tokens, redacted values, hashes, UUIDs, lockfile
//! integrity strings). The full engine then scans the corpus and each finding is judged against
//! the ground truth: a finding of the planted rule's provider inside a positive block is a true
//! positive; any other finding is a false positive.
//!
//!   cargo run --release --example eval [-- VARIANTS_PER_EXAMPLE] [--write DIR]

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;

use base64::Engine as _;
use leakhound::engine::{Engine, EngineOptions};
use leakhound::rules::template::{Rng, expand};

/// How a planted block is wrapped into a file.
const WRAPS: &[&str] = &[
    "env", "yaml", "json", "python", "xml", "markdown", "base64", "percent", "notebook", "shell",
];

fn wrap(kind: &str, text: &str) -> (String, &'static str) {
    let one_line = !text.contains('\n');
    match kind {
        "yaml" if one_line => (format!("config:\n  note: |\n    {text}\n"), "yaml"),
        "json" => (
            format!(
                "{{\"service\": {{\"settings\": {}}}}}\n",
                serde_json::to_string(text).unwrap_or_default()
            ),
            "json",
        ),
        "python" if one_line => (format!("# settings\n{text}\n"), "py"),
        "xml" if one_line => (
            format!("<config>\n  <!-- settings -->\n  {text}\n</config>\n"),
            "xml",
        ),
        "markdown" => (format!("Deploy notes:\n\n```\n{text}\n```\n"), "md"),
        "base64" => (
            format!(
                "data: {}\n",
                base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
            ),
            "yaml",
        ),
        "percent" if one_line => (
            format!(
                "https://ci.example.test/run?cfg={}\n",
                percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
            ),
            "txt",
        ),
        "notebook" => (
            format!(
                "{{\"cells\": [{{\"cell_type\": \"code\", \"source\": [{}]}}]}}\n",
                serde_json::to_string(&format!("{text}\n")).unwrap_or_default()
            ),
            "ipynb",
        ),
        "shell" if one_line => (format!("#!/bin/sh\nexport {text}\n"), "sh"),
        _ => (format!("{text}\n"), "env"),
    }
}

/// Independent hard negatives: none of these may be reported.
const HARD_NEGATIVES: &[&str] = &[
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "GITHUB_TOKEN=«badtoken:github_crc32:ghp_»",
    "NPM_TOKEN=«badtoken:github_crc32:npm_»",
    "VERCEL_TOKEN=«badtoken:vercel_crc32:vcp_»",
    "OPENAI_API_KEY=sk-...abcd",
    "OPENAI_API_KEY=<YOUR_OPENAI_KEY>",
    "api_key: ${API_KEY}",
    "token: {{ secrets.DEPLOY_TOKEN }}",
    "password = os.environ['DB_PASSWORD']",
    "password: process.env.DB_PASSWORD",
    "password = \"********\"",
    "secret = \"REDACTED\"",
    "password=changeme",
    "\"integrity\": \"sha512-«b64:86»==\"",
    "sha256 = \"«hex:64»\"",
    "commit = «hex:40»",
    "request_id = \"«hex:8»-«hex:4»-4«hex:3»-a«hex:3»-«hex:12»\"",
    "md5: «hex:32»",
    "token_endpoint = \"https://auth.example.com/oauth/token\"",
    "password_hash = \"$2b$12$«b64:53»\"",
    "secret_name = \"prod/database/password\"",
    "api_key_header = \"X-Api-Key\"",
    "let token = get_token(&config)?;",
];

/// What a planted block is.
#[derive(Clone, Copy)]
enum Expect {
    /// A positive example of this rule: a finding of its provider is expected.
    Secret(usize),
    /// A negative example of this rule: this rule must not fire on it.
    NotFor(usize),
    /// An independent hard negative: no finding at all may appear.
    Clean,
}

struct Block {
    path: String,
    start_line: usize,
    end_line: usize,
    expect: Expect,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let variants: usize = args
        .iter()
        .find(|a| a.parse::<usize>().is_ok())
        .map_or(Ok(3), |a| a.parse())?;
    let write_dir = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1));
    let rules = leakhound::rules::embedded()?;
    let engine = Engine::new(rules, EngineOptions::default())?;
    let mut rng = Rng::from_seed("eval");

    // Build files: each holds noise, one planted block, more noise.
    let mut files: Vec<(String, String)> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut plant =
        |text: String, expect: Expect, wrap_kind: &str, files: &mut Vec<(String, String)>| {
            let (body, ext) = wrap(wrap_kind, &text);
            let head = corpus::noise(9, files.len(), 6);
            let tail = corpus::noise(10, files.len(), 6);
            let start_line = head.lines().count() + 1;
            let end_line = start_line + body.lines().count().max(1) - 1;
            let path = format!("case{:05}/{}.{ext}", files.len(), wrap_kind);
            files.push((path.clone(), format!("{head}{body}{tail}")));
            blocks.push(Block {
                path,
                start_line,
                end_line,
                expect,
            });
        };
    for (ri, cr) in engine.rules().iter().enumerate() {
        for (ei, ex) in cr.rule.examples.iter().enumerate() {
            for v in 0..variants {
                let text = expand(
                    ex,
                    &mut Rng::from_seed(&format!("eval-{}-{ei}-{v}", cr.rule.id)),
                )?;
                let w = WRAPS[(ri + ei + v) % WRAPS.len()];
                plant(text, Expect::Secret(ri), w, &mut files);
            }
        }
        for (ei, ex) in cr.rule.negative_examples.iter().enumerate() {
            let text = expand(
                ex,
                &mut Rng::from_seed(&format!("evalneg-{}-{ei}", cr.rule.id)),
            )?;
            let w = WRAPS[(ri + ei) % WRAPS.len()];
            plant(text, Expect::NotFor(ri), w, &mut files);
        }
    }
    for (i, n) in HARD_NEGATIVES.iter().enumerate() {
        for (wi, w) in WRAPS.iter().enumerate() {
            let text = expand(n, &mut rng)?;
            if (i + wi) % 2 == 0 {
                plant(text, Expect::Clean, w, &mut files);
            }
        }
    }
    if let Some(dir) = write_dir {
        for (p, c) in &files {
            let full = std::path::Path::new(dir).join(p);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(full, c)?;
        }
        eprintln!("wrote {} files to {dir}", files.len());
    }

    // Scan and judge.
    #[derive(Default)]
    struct Kind {
        planted: usize,
        found: usize,
        fp: usize,
    }
    let mut kinds: BTreeMap<String, Kind> = BTreeMap::new();
    let provider = |ri: usize| engine.rules()[ri].rule.provider.clone();
    let mut false_positives: Vec<String> = Vec::new();
    let mut misses: Vec<String> = Vec::new();
    for (bi, (path, content)) in files.iter().enumerate() {
        let b = &blocks[bi];
        debug_assert_eq!(&b.path, path);
        let matches = engine.scan(content.as_bytes());
        let line_of = |pos: usize| content[..pos.min(content.len())].matches('\n').count() + 1;
        let mut hit = false;
        for m in &matches {
            let line = line_of(m.start);
            let in_block = line >= b.start_line && line <= b.end_line;
            let same = |ri: usize| provider(m.rule) == provider(ri);
            let verdict = match b.expect {
                Expect::Secret(ri) if in_block && same(ri) => Some(true),
                // Another provider's rule on a positive example (a `docker login -p` with a
                // GitLab token): a second name for a real secret, not a false alarm.
                Expect::Secret(_) if in_block => None,
                // A sibling rule may rightly claim another rule's negative example (an encrypted
                // key is not an unencrypted one); only the rule itself must stay silent.
                Expect::NotFor(ri) if in_block && m.rule != ri => None,
                _ => Some(false),
            };
            if verdict == Some(true) {
                hit = true;
            } else if verdict == Some(false) {
                kinds.entry(provider(m.rule)).or_default().fp += 1;
                let why = match b.expect {
                    Expect::Secret(ri) | Expect::NotFor(ri) => engine.rules()[ri].rule.id.clone(),
                    Expect::Clean => "hard negative".into(),
                };
                false_positives.push(format!(
                    "{path}:{line} {} ({}) in block for {why}",
                    engine.rules()[m.rule].rule.id,
                    leakhound::finding::redact(&m.secret)
                ));
            }
        }
        if let Expect::Secret(ri) = b.expect {
            let k = kinds.entry(provider(ri)).or_default();
            k.planted += 1;
            if hit {
                k.found += 1;
            } else {
                misses.push(format!("{path} {}", engine.rules()[ri].rule.id));
            }
        }
    }
    let (mut planted, mut found, mut fp) = (0, 0, 0);
    println!("| kind (provider) | planted | found | recall | false positives | precision |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, k) in &kinds {
        planted += k.planted;
        found += k.found;
        fp += k.fp;
        let recall = if k.planted > 0 {
            100.0 * k.found as f64 / k.planted as f64
        } else {
            100.0
        };
        let precision = if k.found + k.fp > 0 {
            100.0 * k.found as f64 / (k.found + k.fp) as f64
        } else {
            100.0
        };
        println!(
            "| {name} | {} | {} | {recall:.1}% | {} | {precision:.1}% |",
            k.planted, k.found, k.fp
        );
    }
    println!(
        "| **all** | {planted} | {found} | {:.2}% | {fp} | {:.2}% |",
        100.0 * found as f64 / planted.max(1) as f64,
        100.0 * found as f64 / (found + fp).max(1) as f64
    );
    eprintln!("{} files, {} blocks", files.len(), blocks.len());
    for f in false_positives.iter().take(40) {
        eprintln!("FP {f}");
    }
    for m in misses.iter().take(40) {
        eprintln!("MISS {m}");
    }
    Ok(())
}
