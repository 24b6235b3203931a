//! The image config: parsing (leniently: real-world configs bend the spec), mapping build
//! history entries onto the layers they created, and scanning Env, labels, Cmd/Entrypoint,
//! health checks, ONBUILD triggers and every `history[].created_by` as small text blobs with
//! their own provenance.
//!
//! Each field is scanned as one blob with one entry per line group (so paired credentials in
//! two Env entries still pair up); findings are then attributed to the entry they sit in.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde_json::Value;

use super::ImageIdentity;
use crate::finding::{Finding, ImagePart};
use crate::scan::Scanner;

/// One build history entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The instruction as recorded (`/bin/sh -c #(nop)  ENV K=V`, `RUN |1 K=V /bin/sh -c …`).
    pub created_by: String,
    /// Builder comment (`buildkit.dockerfile.v0`, `Imported from -`).
    pub comment: String,
    /// The entry created no layer.
    pub empty_layer: bool,
}

/// The parts of an image config leakhound reads.
#[derive(Debug, Clone, Default)]
pub struct ImageConfig {
    /// `os/arch[/variant]`, when stated.
    pub platform: Option<String>,
    /// `config.Env`.
    pub env: Vec<String>,
    /// `config.Labels`.
    pub labels: BTreeMap<String, String>,
    /// `config.Cmd`.
    pub cmd: Vec<String>,
    /// `config.Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `config.Healthcheck.Test`.
    pub healthcheck: Vec<String>,
    /// `config.OnBuild`.
    pub onbuild: Vec<String>,
    /// `rootfs.diff_ids`.
    pub diff_ids: Vec<String>,
    /// `history`, oldest first.
    pub history: Vec<History>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn string(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

impl ImageConfig {
    /// Parses a config blob; `what` names it in errors.
    pub fn parse(bytes: &[u8], what: &str) -> Result<ImageConfig> {
        let v: Value = serde_json::from_slice(bytes)
            .with_context(|| format!("{what}: image config is not JSON"))?;
        let c = v.get("config").or_else(|| v.get("Config"));
        let get = |k: &str| c.and_then(|c| c.get(k));
        let labels = match get("Labels") {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        let history = match v.get("history") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|h| History {
                    created_by: string(h.get("created_by")),
                    comment: string(h.get("comment")),
                    empty_layer: h
                        .get("empty_layer")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                })
                .collect(),
            _ => Vec::new(),
        };
        let os = string(v.get("os"));
        let arch = string(v.get("architecture"));
        let platform = (!os.is_empty() && !arch.is_empty()).then(|| {
            match v.get("variant").and_then(Value::as_str) {
                Some(var) if !var.is_empty() => format!("{os}/{arch}/{var}"),
                _ => format!("{os}/{arch}"),
            }
        });
        Ok(ImageConfig {
            platform,
            env: strings(get("Env")),
            labels,
            cmd: strings(get("Cmd")),
            entrypoint: strings(get("Entrypoint")),
            healthcheck: strings(get("Healthcheck").and_then(|h| h.get("Test"))),
            onbuild: strings(get("OnBuild")),
            diff_ids: strings(v.get("rootfs").and_then(|r| r.get("diff_ids"))),
            history,
        })
    }

    /// For each history entry, the layer it created (entries with `empty_layer` create none).
    pub fn history_layers(&self) -> Vec<Option<usize>> {
        let mut next = 0;
        self.history
            .iter()
            .map(|h| {
                if h.empty_layer {
                    None
                } else {
                    next += 1;
                    Some(next - 1)
                }
            })
            .collect()
    }

    /// For each layer, the history entry that created it (when the history accounts for it).
    pub fn layer_history(&self, layers: usize) -> Vec<Option<usize>> {
        let mut out = vec![None; layers];
        for (h, l) in self.history_layers().into_iter().enumerate() {
            if let Some(l) = l
                && l < layers
            {
                out[l] = Some(h);
            }
        }
        out
    }
}

/// The Dockerfile instruction a `created_by` records, across legacy-builder, BuildKit and
/// `docker commit` styles.
pub fn instruction(created_by: &str) -> Option<String> {
    let s = created_by.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(rest) = s
        .strip_prefix("/bin/sh -c #(nop)")
        .or_else(|| s.strip_prefix("cmd /S /C #(nop)"))
    {
        return rest
            .split_whitespace()
            .next()
            .map(|w| w.to_ascii_uppercase());
    }
    // `|N K=V … /bin/sh -c …`: a RUN with N build arguments (legacy builder).
    if let Some(rest) = s.strip_prefix('|')
        && rest
            .split(' ')
            .next()
            .is_some_and(|n| n.parse::<u32>().is_ok())
    {
        return Some("RUN".into());
    }
    if s.starts_with("/bin/sh -c ") || s.starts_with("cmd /S /C ") {
        return Some("RUN".into());
    }
    let first = s.split_whitespace().next()?;
    const KNOWN: &[&str] = &[
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ];
    KNOWN.contains(&first).then(|| first.to_string())
}

/// A blob assembled from several entries, one line group each, with the line each starts on.
struct Composite {
    text: String,
    starts: Vec<usize>,
}

impl Composite {
    fn new<'a>(entries: impl Iterator<Item = &'a str>) -> Composite {
        let mut text = String::new();
        let mut starts = Vec::new();
        let mut line = 1;
        for e in entries {
            starts.push(line);
            text.push_str(e);
            text.push('\n');
            line += e.matches('\n').count() + 1;
        }
        Composite { text, starts }
    }

    /// The entry a 1-based line belongs to.
    fn entry_of(&self, line: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= line)
            .saturating_sub(1)
    }
}

/// Scans every text field of `cfg` and records the findings, attributed to `id`.
pub fn scan(cfg: &ImageConfig, id: &ImageIdentity, scanner: &Scanner) {
    let history_layers = cfg.history_layers();
    let mut out: Vec<Finding> = Vec::new();
    let mut field = |path: &str, entries: Vec<String>, part: &dyn Fn(usize) -> ImagePart| {
        if entries.is_empty() {
            return;
        }
        let blob = Composite::new(entries.iter().map(String::as_str));
        let pending = id.source(part(0));
        for mut f in scanner.findings_in(blob.text.as_bytes(), path, &pending) {
            let i = blob.entry_of(f.location.line);
            f.source = id.source(part(i));
            out.push(f);
        }
    };
    let env = cfg.env.clone();
    field("config:Env", env.clone(), &|i| ImagePart::Config {
        field: "env".into(),
        index: Some(i),
        key: env
            .get(i)
            .map(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k).to_string()),
        instruction: None,
        layer: None,
    });
    let keys: Vec<&String> = cfg.labels.keys().collect();
    field(
        "config:Labels",
        cfg.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        &|i| ImagePart::Config {
            field: "label".into(),
            index: None,
            key: keys.get(i).map(|k| k.to_string()),
            instruction: None,
            layer: None,
        },
    );
    for (name, path, args) in [
        ("cmd", "config:Cmd", &cfg.cmd),
        ("entrypoint", "config:Entrypoint", &cfg.entrypoint),
        ("healthcheck", "config:Healthcheck", &cfg.healthcheck),
    ] {
        if args.is_empty() {
            continue;
        }
        field(path, vec![args.join(" ")], &|_| ImagePart::Config {
            field: name.into(),
            index: None,
            key: None,
            instruction: None,
            layer: None,
        });
    }
    field("config:OnBuild", cfg.onbuild.clone(), &|i| {
        ImagePart::Config {
            field: "onbuild".into(),
            index: Some(i),
            key: None,
            instruction: None,
            layer: None,
        }
    });
    field(
        "config:history",
        cfg.history
            .iter()
            .map(|h| {
                if h.comment.is_empty() || h.comment == "buildkit.dockerfile.v0" {
                    h.created_by.clone()
                } else {
                    format!("{}\n{}", h.created_by, h.comment)
                }
            })
            .collect(),
        &|i| ImagePart::Config {
            field: "history".into(),
            index: Some(i),
            key: None,
            instruction: cfg.history.get(i).and_then(|h| instruction(&h.created_by)),
            layer: history_layers.get(i).copied().flatten(),
        },
    );
    scanner.push_findings(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_from_every_builder_style() {
        assert_eq!(
            instruction("/bin/sh -c #(nop)  ENV APP_MODE=prod OTHER=1").as_deref(),
            Some("ENV")
        );
        assert_eq!(
            instruction("/bin/sh -c #(nop) COPY dir:abc in /app/").as_deref(),
            Some("COPY")
        );
        assert_eq!(
            instruction("|1 NPM_TOKEN=x /bin/sh -c mkdir -p /data").as_deref(),
            Some("RUN")
        );
        assert_eq!(
            instruction("RUN |1 K=V /bin/sh -c make # buildkit").as_deref(),
            Some("RUN")
        );
        assert_eq!(instruction("ENV A=b").as_deref(), Some("ENV"));
        assert_eq!(
            instruction("/bin/sh -c apt-get update").as_deref(),
            Some("RUN")
        );
        assert_eq!(instruction(""), None);
        assert_eq!(instruction("something else"), None);
    }

    #[test]
    fn config_parses_and_history_maps_to_layers() {
        let cfg = ImageConfig::parse(
            br#"{"architecture":"amd64","os":"linux",
                 "config":{"Env":["A=1","B=2"],"Labels":{"k":"v"},"Cmd":["sh","-c","x"],"Entrypoint":null},
                 "rootfs":{"type":"layers","diff_ids":["sha256:a","sha256:b"]},
                 "history":[{"created_by":"COPY a /"},{"created_by":"ENV A=1","empty_layer":true},
                            {"created_by":"RUN x"}]}"#,
            "t",
        )
        .unwrap();
        assert_eq!(cfg.platform.as_deref(), Some("linux/amd64"));
        assert_eq!(cfg.env, ["A=1", "B=2"]);
        assert_eq!(cfg.cmd, ["sh", "-c", "x"]);
        assert!(cfg.entrypoint.is_empty());
        assert_eq!(cfg.history_layers(), [Some(0), None, Some(1)]);
        assert_eq!(cfg.layer_history(2), [Some(0), Some(2)]);
        assert!(ImageConfig::parse(b"nope", "t").is_err());
    }

    #[test]
    fn composite_maps_lines_to_entries() {
        let c = Composite::new(["a", "b\nc", "d"].into_iter());
        assert_eq!(c.text, "a\nb\nc\nd\n");
        assert_eq!(
            (c.entry_of(1), c.entry_of(2), c.entry_of(3), c.entry_of(4)),
            (0, 1, 1, 2)
        );
    }
}
