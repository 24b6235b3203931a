//! Writes the seed corpora of the fuzz targets in `fuzz/` (one directory per target), built at
//! run time so no token-shaped value is stored in the repository:
//!
//!   cargo run --example gen_fuzz_seeds -- fuzz/corpus
//!
//! Each seed follows its target's input layout (documented at the top of each target): a
//! leading mode byte where the target has one, documents separated by `\n--8<--\n`.

#[path = "../tests/support/agents_fixtures.rs"]
mod fixtures;

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use leakhound::baseline::Baseline;
use leakhound::engine::{Engine, EngineOptions};
use leakhound::finding::Source;
use leakhound::progress::Progress;
use leakhound::rules::template::{Rng, expand};
use leakhound::scan::{ScanOptions, Scanner};
use leakhound::sources::agents::{detect, formats::Format};
use leakhound::sources::image::fixture::{
    self, DockerStyle, Image, Item, Layer, compress, layer_tar,
};
use leakhound::sources::image::reader::Compression;
use serde_json::json;

/// Separator between the documents of one input (`leakhound_fuzz::SEP`).
const SEP: &[u8] = b"\n--8<--\n";

struct Seeds {
    root: PathBuf,
    rng: Rng,
}

impl Seeds {
    fn t(&mut self, template: &str) -> String {
        expand(template, &mut self.rng).expect("valid template")
    }

    fn put(&self, target: &str, name: &str, data: &[u8]) {
        let dir = self.root.join(target);
        fs::create_dir_all(&dir).expect("corpus directory");
        fs::write(dir.join(name), data).expect("seed written");
    }

    fn put_mode(&self, target: &str, name: &str, mode: u8, data: &[u8]) {
        let mut v = vec![mode];
        v.extend_from_slice(data);
        self.put(target, name, &v);
    }
}

fn join(docs: &[&[u8]]) -> Vec<u8> {
    docs.join(SEP)
}

/// Text with a few fake secrets in the shapes the stable rules find.
fn secrets_text(s: &mut Seeds) -> String {
    let ghp = s.t("«token:github_crc32:ghp_»");
    let akid = s.t("AKIA«upper:16»");
    let secret = s.t("«alnum:20»/«alnum:10»+«alnum:8»");
    format!(
        "GITHUB_TOKEN={ghp}\naws_access_key_id = {akid}\naws_secret_access_key = {secret}\n\
         password: hunter2\n"
    )
}

fn engine_and_text(s: &mut Seeds) {
    let text = secrets_text(s);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&text);
    let url = format!(
        "https://build:{}@ci.example.com/x?token=%67hp_%41",
        s.t("«alnum:12»%40«alnum:6»")
    );
    let escaped = serde_json::to_string(&text).expect("json string");
    for (i, d) in [
        text.clone(),
        format!("config = \"{b64}\"\n"),
        url.clone(),
        format!("{{\"env\": {escaped}}}\n"),
        format!("{text}\n{b64}\n{url}\n{escaped}\n"),
    ]
    .iter()
    .enumerate()
    {
        s.put("decode", &format!("seed-{i}"), d.as_bytes());
        // scan_bytes: mode 0 whole buffer, 1 binary strings, 2 streamed.
        s.put_mode(
            "scan_bytes",
            &format!("seed-{i}"),
            (i % 3) as u8,
            d.as_bytes(),
        );
    }
    // UTF-16 with a BOM, and binary with strings inside.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    s.put_mode("scan_bytes", "seed-utf16", 0, &utf16);
    let mut bin = vec![0u8, 1, 2, 3, 0x7f, 0];
    bin.extend_from_slice(text.as_bytes());
    bin.extend_from_slice(&[0, 0, 0xff]);
    s.put_mode("scan_bytes", "seed-binary", 1, &bin);
    for f in [
        "app.env",
        "deploy.sh",
        "docker-config.json",
        "notes.md",
        "settings.json",
    ] {
        if let Ok(d) = fs::read(Path::new("fixtures/demo").join(f)) {
            s.put_mode("scan_bytes", &format!("demo-{f}"), 0, &d);
        }
    }
}

fn transcripts(s: &mut Seeds) {
    let tmp = tempfile::tempdir().expect("temp dir");
    fixtures::build_home(tmp.path(), "fuzz-seeds");
    let mut files = Vec::new();
    let mut stack = vec![tmp.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("fixture dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    for (n, p) in files.iter().enumerate() {
        let data = fs::read(p).expect("fixture file");
        let head = &data[..data.len().min(detect::HEAD_LEN)];
        let (format, _) = detect::detect(p, head);
        let Some(i) = Format::ALL.iter().position(|f| *f == format) else {
            continue;
        };
        if matches!(format, Format::CursorDb | Format::GenericSqlite) || data.len() > 64 << 10 {
            continue;
        }
        s.put_mode("transcript_formats", &format!("seed-{n}"), i as u8, &data);
        // Every record doubles as a seed for the JSON tokenizer and decoded view.
        for (k, line) in data.split(|&b| b == b'\n').take(4).enumerate() {
            if line.len() > 2 {
                s.put("transcript", &format!("seed-{n}-{k}"), line);
            }
        }
    }
}

fn rules_and_config(s: &mut Seeds) {
    // One rule per seed (the target runs with small inputs), cut from the catalogue's files.
    for name in [
        "github.yml",
        "aws.yml",
        "generic.yml",
        "jwt.yml",
        "stripe.yml",
    ] {
        let Ok(text) = fs::read_to_string(Path::new("rules").join(name)) else {
            continue;
        };
        for (i, rule) in text.split("\n  - id: ").skip(1).enumerate() {
            let doc = format!("rules:\n  - id: {rule}\n");
            s.put("rules", &format!("{name}-{i}"), doc.as_bytes());
        }
    }
    let rule = "rules:\n  - id: acme.token\n    name: Acme token\n    provider: Acme\n    \
                pattern: '(?:^|[^A-Za-z0-9])(?P<secret>acme_[A-Za-z0-9]{24})(?:$|[^A-Za-z0-9])'\n    \
                keywords: [acme_]\n    min_entropy: 3.0\n    confidence: high\n    severity: high\n    \
                tags: [api]\n    allow: ['^acme_0+$']\n    examples: ['key=«base64:acme_«alnum:24»»', 'acme_«alnum:24»']\n    \
                negative_examples: ['acme_«lower:3»']\n    remediation: Rotate it.\n";
    s.put("rules", "acme.yml", rule.as_bytes());
    let config = "[scan]\nexclude = [\"vendor/**\", \"*.min.js\", \"build/\"]\nskip_dirs = [\"node_modules\"]\n\
                  respect_gitignore = true\nmax_file_size = 1048576\n\n[rules]\npaths = [\"rules\"]\n\
                  disable = [\"generic.password\"]\nenable = []\n\n[allowlist]\nfingerprints = [\"0123abcd\"]\n\n\
                  [[rules.custom]]\nid = \"acme.token\"\nname = \"Acme token\"\nprovider = \"Acme\"\n\
                  pattern = '(?P<secret>acme_[A-Za-z0-9]{24})'\nkeywords = [\"acme_\"]\nconfidence = \"high\"\n\
                  severity = \"high\"\nremediation = \"Rotate it.\"\n";
    s.put("config", "leakhound.toml", config.as_bytes());
    let ignore = "# accepted\nsrc/a.py:generic-api-key:12\n\
                  0123456789abcdef0123456789abcdef01234567:cfg/b.env:aws-access-token:3\nbad line\n";
    s.put("config", "gitleaksignore", ignore.as_bytes());
}

fn baselines(s: &mut Seeds) {
    let rules = leakhound::rules::embedded().expect("embedded rules");
    let engine = Engine::new(rules, EngineOptions::default()).expect("engine");
    let scanner = Scanner::new(&engine, ScanOptions::default(), Progress::hidden());
    let text = secrets_text(s);
    let found = scanner.scan_bytes(
        text.as_bytes(),
        "app/.env",
        &Source::File {
            path: "app/.env".into(),
        },
    );
    let b = Baseline::from_findings(&found);
    s.put(
        "baseline",
        "baseline.json",
        &serde_json::to_vec_pretty(&b).expect("json"),
    );
    let report = json!({"findings": found, "summary": {}});
    s.put(
        "baseline",
        "report.json",
        &serde_json::to_vec(&report).expect("json"),
    );
}

fn small_image(s: &mut Seeds, compression: Compression) -> Image {
    let env = format!("GITHUB_TOKEN={}", s.t("«token:github_crc32:ghp_»"));
    let base = layer_tar(
        &[
            Item::Dir("etc/".into()),
            Item::File("etc/app.env".into(), secrets_text(s).into_bytes()),
            Item::File("etc/old.conf".into(), b"x=1\n".to_vec()),
            Item::Symlink("etc/link".into(), "app.env".into()),
        ],
        true,
    );
    let top = layer_tar(
        &[
            Item::File("etc/.wh.old.conf".into(), Vec::new()),
            Item::File("srv/run.sh".into(), b"#!/bin/sh\nexec app\n".to_vec()),
        ],
        false,
    );
    Image {
        layers: vec![
            Layer {
                tar: base,
                compression,
            },
            Layer {
                tar: top,
                compression: Compression::None,
            },
        ],
        env: vec![env, "PATH=/usr/bin".into()],
        cmd: vec!["/srv/run.sh".into()],
        history: vec![
            ("/bin/sh -c #(nop) ADD file:abc in /".into(), false),
            ("ENV TOKEN=x".into(), true),
            ("RUN /bin/sh -c rm /etc/old.conf".into(), false),
        ],
        ..Image::default()
    }
}

fn images(s: &mut Seeds) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let img = small_image(s, Compression::None).build();
    for (i, style) in [
        DockerStyle::Legacy,
        DockerStyle::Skopeo,
        DockerStyle::OciLayout,
    ]
    .into_iter()
    .enumerate()
    {
        let p = tmp.path().join(format!("a{i}.tar"));
        fixture::write_docker_archive(&p, &[(&img, "app:1")], style, Compression::None)
            .expect("archive");
        let d = fs::read(&p).expect("archive");
        // Stream and file modes, docker and OCI kinds.
        s.put_mode("image_archive", &format!("docker-{i}-stream"), 0, &d);
        s.put_mode("image_archive", &format!("docker-{i}-file"), 8 | 2, &d);
        if style == DockerStyle::OciLayout {
            s.put_mode("image_archive", "oci-stream", 1, &d);
        }
    }
    let zimg = small_image(s, Compression::Zstd).build();
    let p = tmp.path().join("z.tar");
    fixture::write_docker_archive(
        &p,
        &[(&zimg, "app:1")],
        DockerStyle::OciLayout,
        Compression::None,
    )
    .expect("archive");
    s.put_mode(
        "image_archive",
        "zstd-layers",
        0,
        &fs::read(&p).expect("archive"),
    );

    // Layers: plain, harness-compressed (modes 1 and 2), and compressed as given.
    for (i, tar) in img.tars.iter().enumerate() {
        s.put_mode("image_layer", &format!("plain-{i}"), 0, tar);
        s.put_mode("image_layer", &format!("gzip-{i}"), 1, tar);
        s.put_mode("image_layer", &format!("zstd-{i}"), 0x80 | 2, tar);
        s.put_mode(
            "image_layer",
            &format!("raw-gzip-{i}"),
            0,
            &compress(tar, Compression::Gzip),
        );
    }

    // OCI documents: digest `sha256:<n>…` names document n.
    let d = |n: u32| format!("sha256:{}", format!("{n:x}").repeat(64));
    let config = String::from_utf8(img.config.clone()).expect("utf-8 config");
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d(2), "size": 1},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d(3), "size": 1},
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d(4), "size": 1}
        ]
    })
    .to_string();
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d(1), "size": 1,
             "platform": {"os": "linux", "architecture": "amd64"},
             "annotations": {"org.opencontainers.image.ref.name": "latest"}},
            {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": d(5), "size": 1}
        ]
    })
    .to_string();
    let nested = json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d(1),
                       "size": 1, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}]
    })
    .to_string();
    let docs: Vec<&[u8]> = vec![
        index.as_bytes(),
        manifest.as_bytes(),
        config.as_bytes(),
        &img.tars[0],
        &img.tars[1],
        nested.as_bytes(),
    ];
    s.put_mode("oci_documents", "index", 0, &join(&docs));
    s.put_mode("oci_documents", "index-tag", 1, &join(&docs));
    s.put_mode("oci_documents", "index-platform", 2, &join(&docs));
    let docs: Vec<&[u8]> = vec![
        manifest.as_bytes(),
        manifest.as_bytes(),
        config.as_bytes(),
        &img.tars[0],
        &img.tars[1],
    ];
    s.put_mode("oci_documents", "manifest", 0, &join(&docs));
}

/// The id the git targets give object `k`: the byte `k + 1` repeated.
fn git_id(k: u8) -> [u8; 20] {
    [k + 1; 20]
}

fn git_hex(k: u8) -> String {
    hex::encode(git_id(k))
}

fn tree(entries: &[(&str, &str, u8)]) -> Vec<u8> {
    let mut t = Vec::new();
    for (mode, name, k) in entries {
        t.extend_from_slice(format!("{mode} {name}\0").as_bytes());
        t.extend_from_slice(&git_id(*k));
    }
    t
}

fn index_v2(entries: &[(&str, u8)]) -> Vec<u8> {
    let mut v = b"DIRC".to_vec();
    v.extend_from_slice(&2u32.to_be_bytes());
    v.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (path, k) in entries {
        let start = v.len();
        for field in [0u32, 0, 0, 0, 0, 0, 0o100644, 0, 0, 10] {
            v.extend_from_slice(&field.to_be_bytes());
        }
        v.extend_from_slice(&git_id(*k));
        v.extend_from_slice(&(path.len() as u16).to_be_bytes());
        v.extend_from_slice(path.as_bytes());
        let len = v.len() - start;
        let pad = 8 - len % 8;
        v.extend(std::iter::repeat_n(0u8, pad));
    }
    v
}

fn git(s: &mut Seeds) {
    let sig = "A U Thor <author@example.com> 1700000000 +0100";
    let commit = |tree: u8, parent: Option<u8>, msg: &str| {
        let mut c = format!("tree {}\n", git_hex(tree));
        if let Some(p) = parent {
            c.push_str(&format!("parent {}\n", git_hex(p)));
        }
        c.push_str(&format!("author {sig}\ncommitter {sig}\n\n{msg}\n"));
        c.into_bytes()
    };
    let with = |how: u8, body: &[u8]| {
        let mut v = vec![how];
        v.extend_from_slice(body);
        v
    };
    let tag = format!(
        "object {}\ntype commit\ntag v1\ntagger {sig}\n\nrelease\n",
        git_hex(0)
    );
    let secrets = secrets_text(s);
    // 0: head commit (parent 4), 1: tag, 2: tree, 3: blob, 4: parent commit, 5: its tree,
    // 6: subtree, 7: another blob.
    let objects: Vec<Vec<u8>> = vec![
        with(0, &commit(2, Some(4), "add config")),
        with(3, tag.as_bytes()),
        with(
            1,
            &tree(&[
                ("100644", "app.env", 3),
                ("100755", "run.sh", 7),
                ("40000", "sub", 6),
            ]),
        ),
        with(2, secrets.as_bytes()),
        with(0, &commit(5, None, "initial")),
        with(1, &tree(&[("100644", "run.sh", 7)])),
        with(1, &tree(&[("100644", "deep.env", 3), ("120000", "l", 7)])),
        with(2, b"#!/bin/sh\necho hi\n"),
    ];
    // git_repo inputs start with a flags byte, git_objects inputs do not.
    let refs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
    s.put("git_objects", "history", &join(&refs));
    s.put_mode("git_repo", "history", 0, &join(&refs));
    s.put_mode("git_repo", "all-objects", 1, &join(&refs));
    // The same objects with their headers written out, and one stored verbatim.
    let mut headed: Vec<Vec<u8>> = Vec::new();
    for (k, o) in objects.iter().enumerate() {
        let kind = ["commit", "tree", "blob", "tag"][(o[0] & 3) as usize];
        let mut h = vec![0x40];
        h.extend_from_slice(format!("{kind} {}\0", o.len() - 1).as_bytes());
        h.extend_from_slice(&o[1..]);
        if k == 3 {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            std::io::Write::write_all(&mut z, &h[1..]).expect("in-memory write");
            h = vec![0x80];
            h.extend(z.finish().expect("in-memory write"));
        }
        headed.push(h);
    }
    let refs: Vec<&[u8]> = headed.iter().map(Vec::as_slice).collect();
    s.put("git_objects", "headers", &join(&refs));
    s.put_mode("git_repo", "headers", 0, &join(&refs));
    // --staged: the index first, then the objects it names.
    let index = index_v2(&[("app.env", 1), ("bin/run.sh", 2)]);
    let blob = with(2, secrets.as_bytes());
    let staged: Vec<&[u8]> = vec![&index, &objects[7][..0], &blob, &objects[7]];
    s.put_mode("git_repo", "staged", 2, &join(&staged));
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("fuzz/corpus"));
    let mut s = Seeds {
        root,
        rng: Rng::from_seed("leakhound-fuzz-seeds"),
    };
    engine_and_text(&mut s);
    transcripts(&mut s);
    rules_and_config(&mut s);
    baselines(&mut s);
    images(&mut s);
    git(&mut s);
    eprintln!("seeds written under {}", s.root.display());
}
