//! Deterministic image builders for tests and benchmarks: layer tars written byte by byte (fixed
//! mtimes, any entry name — including the hostile ones — with or without the zero-block
//! footer), gzip/zstd compression, configs with history, and the on-disk forms leakhound reads:
//! OCI layouts (optionally multi-platform), OCI archives and `docker save` archives in the
//! Engine 20.10, skopeo and Docker ≥ 25 shapes. The same input always gives the same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use super::oci::{self, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use super::reader::Compression;

/// The mtime of every entry.
pub const MTIME: u64 = 1_700_000_000;

/// Writes a tar stream entry by entry.
pub struct TarWriter<W: Write> {
    out: W,
}

impl<W: Write> TarWriter<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        TarWriter { out }
    }

    fn header(
        &mut self,
        name: &str,
        typeflag: u8,
        size: u64,
        mode: u32,
        link: &str,
    ) -> io::Result<()> {
        if name.len() > 100 {
            let mut long = name.as_bytes().to_vec();
            long.push(0);
            self.raw("././@LongLink", b'L', &long, 0o644, "")?;
        }
        let mut h = [0u8; 512];
        let n = name.len().min(100);
        h[..n].copy_from_slice(&name.as_bytes()[..n]);
        h[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[136..148].copy_from_slice(format!("{MTIME:011o}\0").as_bytes());
        h[156] = typeflag;
        let l = link.len().min(100);
        h[157..157 + l].copy_from_slice(&link.as_bytes()[..l]);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        self.out.write_all(&h)
    }

    fn pad(&mut self, size: u64) -> io::Result<()> {
        let p = (512 - size % 512) % 512;
        self.out.write_all(&vec![0u8; p as usize])
    }

    /// Any entry, name taken verbatim.
    pub fn raw(
        &mut self,
        name: &str,
        typeflag: u8,
        data: &[u8],
        mode: u32,
        link: &str,
    ) -> io::Result<()> {
        self.header(name, typeflag, data.len() as u64, mode, link)?;
        self.out.write_all(data)?;
        self.pad(data.len() as u64)
    }

    /// A regular file.
    pub fn file(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        self.raw(name, b'0', data, 0o644, "")
    }

    /// A regular file whose data comes from a reader of known size.
    pub fn file_from(&mut self, name: &str, size: u64, data: &mut dyn io::Read) -> io::Result<()> {
        self.header(name, b'0', size, 0o644, "")?;
        let n = io::copy(&mut io::Read::take(data, size), &mut self.out)?;
        if n != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "short file data",
            ));
        }
        self.pad(size)
    }

    /// A directory (`name` should end in `/`).
    pub fn dir(&mut self, name: &str) -> io::Result<()> {
        self.raw(name, b'5', &[], 0o755, "")
    }

    /// A symbolic link.
    pub fn symlink(&mut self, name: &str, target: &str) -> io::Result<()> {
        self.raw(name, b'2', &[], 0o777, target)
    }

    /// Ends the archive, with the 1024-byte zero footer or without (umoci style).
    pub fn finish(mut self, footer: bool) -> io::Result<W> {
        if footer {
            self.out.write_all(&[0u8; 1024])?;
        }
        Ok(self.out)
    }
}

/// One entry of a layer.
#[derive(Debug, Clone)]
pub enum Item {
    /// A file.
    File(String, Vec<u8>),
    /// A directory.
    Dir(String),
    /// A symlink.
    Symlink(String, String),
}

/// A layer tar from `items`.
pub fn layer_tar(items: &[Item], footer: bool) -> Vec<u8> {
    let mut w = TarWriter::new(Vec::new());
    for it in items {
        let r = match it {
            Item::File(n, d) => w.file(n, d),
            Item::Dir(n) => w.dir(n),
            Item::Symlink(n, t) => w.symlink(n, t),
        };
        r.unwrap_or_default();
    }
    w.finish(footer).unwrap_or_default()
}

/// Compresses deterministically (gzip with a zero mtime).
pub fn compress(data: &[u8], c: Compression) -> Vec<u8> {
    match c {
        Compression::None => data.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::GzBuilder::new()
                .mtime(0)
                .write(Vec::new(), flate2::Compression::fast());
            let _ = e.write_all(data);
            e.finish().unwrap_or_default()
        }
        Compression::Zstd => zstd::encode_all(data, 3).unwrap_or_default(),
    }
}

/// A layer: its tar and how it is stored.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The uncompressed tar.
    pub tar: Vec<u8>,
    /// Storage compression.
    pub compression: Compression,
}

/// An image to build.
#[derive(Debug, Clone, Default)]
pub struct Image {
    /// Layers, bottom first.
    pub layers: Vec<Layer>,
    /// `config.Env`.
    pub env: Vec<String>,
    /// `config.Labels`.
    pub labels: BTreeMap<String, String>,
    /// `config.Cmd`.
    pub cmd: Vec<String>,
    /// History: (`created_by`, `empty_layer`).
    pub history: Vec<(String, bool)>,
    /// `architecture` (default amd64).
    pub arch: Option<String>,
    /// Use Docker v2 media types instead of OCI ones.
    pub docker_media_types: bool,
}

/// A built image: every blob and its digest.
#[derive(Debug, Clone)]
pub struct Built {
    /// Config JSON.
    pub config: Vec<u8>,
    /// `sha256:` of the config.
    pub config_digest: String,
    /// Manifest JSON.
    pub manifest: Vec<u8>,
    /// `sha256:` of the manifest.
    pub manifest_digest: String,
    /// Manifest media type.
    pub manifest_media_type: String,
    /// Layer blobs as stored: (digest, bytes).
    pub layers: Vec<(String, Vec<u8>)>,
    /// Uncompressed layer tars.
    pub tars: Vec<Vec<u8>>,
    /// `rootfs.diff_ids`.
    pub diff_ids: Vec<String>,
    /// `os/arch`.
    pub platform: (String, String),
}

impl Image {
    /// Builds every blob.
    pub fn build(&self) -> Built {
        let arch = self.arch.clone().unwrap_or_else(|| "amd64".into());
        let diff_ids: Vec<String> = self
            .layers
            .iter()
            .map(|l| oci::sha256_digest(&l.tar))
            .collect();
        let blobs: Vec<(String, Vec<u8>, Compression)> = self
            .layers
            .iter()
            .map(|l| {
                let b = compress(&l.tar, l.compression);
                (oci::sha256_digest(&b), b, l.compression)
            })
            .collect();
        let history: Vec<serde_json::Value> = self
            .history
            .iter()
            .map(|(c, empty)| {
                let mut h = json!({"created": "2024-01-01T00:00:00Z", "created_by": c});
                if *empty {
                    h["empty_layer"] = json!(true);
                }
                h
            })
            .collect();
        let config = json!({
            "architecture": arch,
            "os": "linux",
            "created": "2024-01-01T00:00:00Z",
            "config": {
                "Env": self.env,
                "Labels": self.labels,
                "Cmd": self.cmd,
            },
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        });
        let config = serde_json::to_vec(&config).unwrap_or_default();
        let config_digest = oci::sha256_digest(&config);
        let (mt, cfg_mt) = if self.docker_media_types {
            (
                DOCKER_MANIFEST,
                "application/vnd.docker.container.image.v1+json",
            )
        } else {
            (OCI_MANIFEST, "application/vnd.oci.image.config.v1+json")
        };
        let layer_mt = |c: Compression| -> &'static str {
            match (self.docker_media_types, c) {
                (true, Compression::None) => "application/vnd.docker.image.rootfs.diff.tar",
                (true, _) => "application/vnd.docker.image.rootfs.diff.tar.gzip",
                (false, Compression::None) => "application/vnd.oci.image.layer.v1.tar",
                (false, Compression::Gzip) => "application/vnd.oci.image.layer.v1.tar+gzip",
                (false, Compression::Zstd) => "application/vnd.oci.image.layer.v1.tar+zstd",
            }
        };
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": mt,
            "config": {"mediaType": cfg_mt, "digest": config_digest, "size": config.len()},
            "layers": blobs.iter().map(|(d, b, c)| json!({
                "mediaType": layer_mt(*c), "digest": d, "size": b.len()
            })).collect::<Vec<_>>(),
        });
        let manifest = serde_json::to_vec(&manifest).unwrap_or_default();
        Built {
            manifest_digest: oci::sha256_digest(&manifest),
            manifest,
            manifest_media_type: mt.to_string(),
            config,
            config_digest,
            layers: blobs.into_iter().map(|(d, b, _)| (d, b)).collect(),
            tars: self.layers.iter().map(|l| l.tar.clone()).collect(),
            diff_ids,
            platform: ("linux".into(), arch),
        }
    }
}

fn hex(d: &str) -> &str {
    d.split_once(':').map_or(d, |(_, h)| h)
}

/// Every blob of `images` (manifests, configs, layers), deduplicated, in a stable order.
fn all_blobs(images: &[&Built]) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for b in images {
        m.insert(b.manifest_digest.clone(), b.manifest.clone());
        m.insert(b.config_digest.clone(), b.config.clone());
        for (d, l) in &b.layers {
            m.insert(d.clone(), l.clone());
        }
    }
    m
}

/// An OCI index over `images`, each with its platform; `tag` annotates every entry when given.
fn index_json(images: &[&Built], tag: Option<&str>, platforms: bool) -> Vec<u8> {
    let entries: Vec<serde_json::Value> = images
        .iter()
        .map(|b| {
            let mut e = json!({
                "mediaType": b.manifest_media_type,
                "digest": b.manifest_digest,
                "size": b.manifest.len(),
            });
            if platforms {
                e["platform"] = json!({"os": b.platform.0, "architecture": b.platform.1});
            }
            if let Some(t) = tag {
                e["annotations"] = json!({(oci::REF_NAME): t});
            }
            e
        })
        .collect();
    serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}))
        .unwrap_or_default()
}

/// Writes an OCI layout. One image: `index.json` names it `tag`. Several (a multi-platform
/// image): a nested index blob lists them by platform and `index.json` names that index.
pub fn write_oci_layout(dir: &Path, images: &[&Built], tag: &str) -> io::Result<()> {
    let blobs_dir = dir.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs_dir)?;
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let mut blobs = all_blobs(images);
    let index = if images.len() > 1 {
        let nested = index_json(images, None, true);
        let d = oci::sha256_digest(&nested);
        let top = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
            "mediaType": OCI_INDEX, "digest": d, "size": nested.len(),
            "annotations": {(oci::REF_NAME): tag}
        }]});
        blobs.insert(d, nested);
        serde_json::to_vec(&top).unwrap_or_default()
    } else {
        index_json(images, Some(tag), false)
    };
    for (d, b) in &blobs {
        std::fs::write(blobs_dir.join(hex(d)), b)?;
    }
    std::fs::write(dir.join("index.json"), index)
}

/// Packs a directory tree (files only, sorted) into a tar, as `oci-archive` files are.
pub fn tar_dir(dir: &Path, out: &Path) -> io::Result<()> {
    fn walk(base: &Path, d: &Path, acc: &mut Vec<String>) -> io::Result<()> {
        let mut es: Vec<_> = std::fs::read_dir(d)?.collect::<io::Result<_>>()?;
        es.sort_by_key(|e| e.file_name());
        for e in es {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, acc)?;
            } else if let Ok(r) = p.strip_prefix(base) {
                acc.push(r.to_string_lossy().into_owned());
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    let mut w = TarWriter::new(io::BufWriter::new(std::fs::File::create(out)?));
    for f in files {
        let data = std::fs::read(dir.join(&f))?;
        w.file(&f, &data)?;
    }
    w.finish(true)?.flush()
}

/// Shapes of `docker save` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockerStyle {
    /// Engine 20.10: `<v1id>/layer.tar` directories, `<config-hex>.json`.
    Legacy,
    /// skopeo: `<diffid-hex>.tar` plus `<v1id>/layer.tar` symlinks to them.
    Skopeo,
    /// Docker ≥ 25: an OCI layout with `manifest.json` pointing into `blobs/sha256/`.
    OciLayout,
}

/// Writes a `docker save`-style archive of `images` (each with its `repo:tag`), plain or
/// compressed as a whole.
pub fn write_docker_archive(
    path: &Path,
    images: &[(&Built, &str)],
    style: DockerStyle,
    outer: Compression,
) -> io::Result<()> {
    let mut w = TarWriter::new(Vec::new());
    let mut manifest = Vec::new();
    let mut written = std::collections::HashSet::new();
    for (b, tag) in images {
        let mut layer_paths = Vec::new();
        for (i, tar) in b.tars.iter().enumerate() {
            let v1 = hex(&oci::sha256_digest(
                format!("{}{i}", b.diff_ids[i]).as_bytes(),
            ))
            .to_string();
            let p = match style {
                DockerStyle::Legacy => {
                    let p = format!("{v1}/layer.tar");
                    if written.insert(p.clone()) {
                        w.dir(&format!("{v1}/"))?;
                        w.file(&format!("{v1}/VERSION"), b"1.0")?;
                        w.file(&format!("{v1}/json"), br#"{"id":"x"}"#)?;
                        w.file(&p, tar)?;
                    }
                    p
                }
                DockerStyle::Skopeo => {
                    let p = format!("{}.tar", hex(&b.diff_ids[i]));
                    if written.insert(p.clone()) {
                        w.file(&p, tar)?;
                        w.dir(&format!("{v1}/"))?;
                        w.file(&format!("{v1}/VERSION"), b"1.0")?;
                        w.symlink(&format!("{v1}/layer.tar"), &format!("../{p}"))?;
                    }
                    p
                }
                DockerStyle::OciLayout => {
                    let (d, blob) = &b.layers[i];
                    let p = format!("blobs/sha256/{}", hex(d));
                    if written.insert(p.clone()) {
                        w.file(&p, blob)?;
                    }
                    p
                }
            };
            layer_paths.push(p);
        }
        let cfg_path = match style {
            DockerStyle::OciLayout => format!("blobs/sha256/{}", hex(&b.config_digest)),
            _ => format!("{}.json", hex(&b.config_digest)),
        };
        if written.insert(cfg_path.clone()) {
            w.file(&cfg_path, &b.config)?;
        }
        if style == DockerStyle::OciLayout {
            let p = format!("blobs/sha256/{}", hex(&b.manifest_digest));
            if written.insert(p.clone()) {
                w.file(&p, &b.manifest)?;
            }
        }
        manifest.push(json!({"Config": cfg_path, "RepoTags": [tag], "Layers": layer_paths}));
    }
    if style == DockerStyle::OciLayout {
        let built: Vec<&Built> = images.iter().map(|(b, _)| *b).collect();
        w.file("index.json", &index_json(&built, None, false))?;
        w.file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    }
    // `docker save` writes manifest.json last.
    w.file(
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap_or_default(),
    )?;
    w.file("repositories", b"{}")?;
    let tar = w.finish(true)?;
    std::fs::write(path, compress(&tar, outer))
}
