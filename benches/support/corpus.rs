//! Deterministic synthetic source tree for benchmarks: realistic mixed source files (Rust,
//! Python, JavaScript, Go, YAML, JSON, Markdown, lockfiles) with a few planted fake secrets.
//! Shared by the criterion benchmark and the `gen_corpus` example (via `#[path]`).

#![allow(dead_code)]

use leakhound::rules::template::{Rng, expand};

const WORDS: &[&str] = &[
    "user", "account", "request", "response", "handler", "config", "client", "server", "cache",
    "value", "buffer", "session", "index", "record", "stream", "parser", "error", "result",
    "options", "builder", "context", "manager", "service", "path", "name", "count", "items",
    "header", "payload", "message", "node", "entry", "state", "event", "queue", "table",
];

/// Credential-flavoured words; real source code has them in well under 1% of lines
/// (0.6% of the lines of the crates in a cargo registry), so they are drawn rarely.
const SECRETISH: &[&str] = &[
    "token",
    "password_hash",
    "secret_name",
    "auth",
    "key",
    "api_key",
];

fn word(r: &mut Rng) -> &'static str {
    if r.next_u64().is_multiple_of(150) {
        SECRETISH[(r.next_u64() % SECRETISH.len() as u64) as usize]
    } else {
        WORDS[(r.next_u64() % WORDS.len() as u64) as usize]
    }
}

fn ident(r: &mut Rng) -> String {
    let a = word(r);
    let b = word(r);
    format!("{a}_{b}")
}

fn camel(r: &mut Rng) -> String {
    ident(r)
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn line(kind: usize, r: &mut Rng) -> String {
    let n = r.next_u64() % 14;
    let id = ident(r);
    let id2 = ident(r);
    let num = r.next_u64() % 10_000;
    match (kind, n) {
        (0, 0) => format!(
            "pub fn {id}(&self, {id2}: &str) -> Result<{}, Error> {{",
            camel(r)
        ),
        (0, 1) => format!("    let {id} = self.{id2}.get(\"{id2}\").ok_or(Error::Missing)?;"),
        (0, 2) => format!("    // Look up the {id} before the {id2} expires ({num} ms)."),
        (0, 3) => format!("    if {id}.len() > {num} {{ return Err(Error::TooLong({num})); }}"),
        (1, 0) => format!("def {id}(self, {id2}, timeout={num}):"),
        (1, 1) => format!("    {id} = self.{id2}.get('{id2}', None)  # cached {num}"),
        (1, 2) => format!("    raise ValueError(f\"bad {id}: {{{id2}!r}}\")"),
        (1, 3) if num.is_multiple_of(20) => format!(
            "    headers['Authorization'] = 'Bearer ' + os.environ['{}']",
            id.to_uppercase()
        ),
        (2, 0) => format!("export async function {}({id2}) {{", camel(r)),
        (2, 1) => format!(
            "  const {} = await fetch(`/api/{id}/${{{id2}}}`, {{ method: 'POST' }});",
            camel(r)
        ),
        (2, 2) if num.is_multiple_of(20) => {
            format!("  const token = process.env.{};", id.to_uppercase())
        }
        (2, 3) => format!("  if (!{id2}) throw new Error('missing {id}'); // {num}"),
        (3, 0) => format!(
            "func ({id} *{}) {}(ctx context.Context) error {{",
            camel(r),
            camel(r)
        ),
        (3, 1) => format!(
            "\tif err := {id}.{}(ctx, {num}); err != nil {{ return err }}",
            camel(r)
        ),
        (4, 0) if num.is_multiple_of(20) => format!(
            "{id}:\n  enabled: true\n  retries: {num}\n  password: ${{{}}}",
            id.to_uppercase()
        ),
        (4, 0) => format!("{id}:\n  enabled: true\n  retries: {num}"),
        (4, 1) => format!(
            "  {id2}: \"{}\"",
            expand("«lower:12»", r).unwrap_or_default()
        ),
        (5, 0) => format!("  \"{id}\": {{ \"{id2}\": {num}, \"enabled\": false }},"),
        (5, 1) => format!(
            "  \"integrity\": \"sha512-{}==\",",
            expand("«b64:86»", r).unwrap_or_default()
        ),
        (5, 2) => format!(
            "  \"id\": \"{}-{}-4{}-a{}-{}\",",
            expand("«hex:8»", r).unwrap_or_default(),
            expand("«hex:4»", r).unwrap_or_default(),
            expand("«hex:3»", r).unwrap_or_default(),
            expand("«hex:3»", r).unwrap_or_default(),
            expand("«hex:12»", r).unwrap_or_default()
        ),
        (6, 0) => format!("The `{id}` option sets how many {id2}s are kept (default {num})."),
        (6, 1) => format!("See https://example.com/docs/{id}/{id2}#section-{num} for details."),
        (_, 4) => format!(
            "    {} = \"{}\"",
            id,
            expand("«hex:40»", r).unwrap_or_default()
        ),
        (_, 5) => format!("    // TODO({id2}): handle the {id} case, see issue #{num}"),
        _ => format!("    {id} = {id2} + {num}  # {}", word(r)),
    }
}

/// Planted fake secrets (templates) and the rule each should trigger.
pub const PLANTED: &[(&str, &str)] = &[
    (
        "GITHUB_TOKEN = \"«token:github_crc32:ghp_»\"",
        "github.pat.classic",
    ),
    (
        "aws_access_key_id = AKIA«upper:16»\naws_secret_access_key = «b64:40»",
        "aws.secret_access_key",
    ),
    ("gitlab_token: glpat-«b64url:20»", "gitlab.pat"),
    ("GOOGLE_API_KEY=AIza«b64url:35»", "google.api_key"),
];

const EXT: &[&str] = &["rs", "py", "js", "go", "yaml", "json", "md"];

/// Generates file `i` of a corpus: (relative path, content, planted rule ids).
pub fn file(seed: u64, i: usize, target_len: usize) -> (String, String, Vec<&'static str>) {
    let mut r = Rng::from_seed(&format!("corpus-{seed}-{i}"));
    let kind = i % EXT.len();
    let mut s = String::with_capacity(target_len + 256);
    let mut planted = Vec::new();
    let plant = r.next_u64().is_multiple_of(120);
    let plant_at = target_len / 2;
    while s.len() < target_len {
        if plant && planted.is_empty() && s.len() >= plant_at {
            let (tpl, rule) = PLANTED[i % PLANTED.len()];
            s.push_str(&expand(tpl, &mut r).unwrap_or_default());
            s.push('\n');
            planted.push(rule);
        }
        s.push_str(&line(kind, &mut r));
        s.push('\n');
    }
    let dir = format!("pkg{:03}/src/mod{:02}", i % 200, (i / 200) % 40);
    (format!("{dir}/file{i:05}.{}", EXT[kind]), s, planted)
}

/// `lines` lines of realistic code with no secret in them.
pub fn noise(seed: u64, i: usize, lines: usize) -> String {
    let mut r = Rng::from_seed(&format!("noise-{seed}-{i}"));
    let kind = i % EXT.len();
    (0..lines).map(|_| line(kind, &mut r) + "\n").collect()
}

/// A whole in-memory corpus of about `total` bytes in files of about `avg` bytes.
pub fn corpus(seed: u64, total: usize, avg: usize) -> Vec<(String, String, Vec<&'static str>)> {
    let n = (total / avg).max(1);
    (0..n)
        .map(|i| file(seed, i, avg / 2 + (i * 7919) % avg))
        .collect()
}
