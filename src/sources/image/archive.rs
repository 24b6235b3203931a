//! Image archives: `docker save` output (legacy `<id>/layer.tar` layouts, skopeo's symlinked
//! ones, and Docker ≥ 25's OCI layout inside the tar) and OCI archives, plain or compressed.
//!
//! A plain tar file is indexed first (headers only, seeking over data), planned from its
//! `manifest.json` / `index.json`, and its layers are then read in parallel straight from their
//! offsets. A compressed archive, or the engine's export stream, is read once front to back:
//! metadata is kept, every entry that looks like a layer is scanned as it passes, and findings
//! are attributed once the manifest (which `docker save` writes last) has been read.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

use super::layer::{self, Limits};
use super::oci::{self, Descriptor, Document};
use super::plan::{self, BlobSource, Selection};
use super::reader::{self, Budget, Capped, Compression};
use super::tar_stream::{self, TarReader};
use super::whiteout;
use super::{ImageIdentity, ImageOptions, PlannedImage, PlannedLayer};
use crate::scan::Scanner;

/// Largest entry kept in memory as metadata (manifests, indexes, configs).
const META_MAX: u64 = 32 << 20;

/// Which archive format the user named (both are recognised either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `docker save` output.
    Docker,
    /// An OCI layout in a tar.
    Oci,
}

/// Scans an archive file.
pub fn scan(
    path: &Path,
    tag: Option<&str>,
    kind: Kind,
    display: &str,
    opts: &ImageOptions,
    limits: &Limits,
    scanner: &Scanner,
) -> Result<()> {
    let mut f = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let meta = f
        .metadata()
        .with_context(|| format!("{}: cannot stat", path.display()))?;
    if meta.is_dir() {
        bail!(
            "{}: is a directory (use oci:{} for an OCI layout directory)",
            path.display(),
            path.display()
        );
    }
    let mut head = [0u8; 4];
    let n = f
        .read(&mut head)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    f.seek(SeekFrom::Start(0))
        .with_context(|| format!("{}: cannot seek", path.display()))?;
    let sel = Selection {
        image: display,
        tag,
        platform: opts.platform.as_deref(),
    };
    if Compression::sniff(&head[..n]) == Compression::None && meta.is_file() {
        scan_seekable(path, f, kind, &sel, limits, scanner)
    } else {
        let (dec, _) =
            reader::decompress(f).with_context(|| format!("{}: cannot read", path.display()))?;
        // The archive's own decompression has a cap of its own (layers count separately).
        let outer = Budget::new(0);
        let (capped, hit) = Capped::new(dec, opts.max_image_bytes, &outer);
        let input = BufReader::with_capacity(reader::BUF, capped);
        let r = scan_stream(input, kind, &sel, &|_| {}, limits, scanner);
        if hit.lock().is_ok_and(|h| h.is_some()) {
            scanner.limit_hit(crate::scan::Limit::MaxImageBytes);
        }
        r
    }
}

/// Recognises layer blobs by their first bytes: compressed, or a tar header.
fn looks_like_layer(head: &[u8]) -> bool {
    if Compression::sniff(head) != Compression::None {
        return true;
    }
    if head.len() < 512 {
        return false;
    }
    let block = &head[..512];
    block.iter().all(|&b| b == 0) || TarReader::new(block).next_entry().is_ok()
}

fn looks_like_json(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

/// Resolves a link target relative to the directory of the link.
fn link_target(link_path: &str, target: &str) -> String {
    if target.starts_with('/') {
        return whiteout::clean(target).rel;
    }
    let dir = link_path.rsplit_once('/').map_or("", |(d, _)| d);
    whiteout::clean(&format!("{dir}/{target}")).rel
}

/// Follows (symbolic and hard) links between archive entries, a bounded number of times.
fn resolve(links: &HashMap<String, String>, path: &str) -> String {
    let mut p = whiteout::clean(path).rel;
    for _ in 0..16 {
        match links.get(&p) {
            Some(t) => p = t.clone(),
            None => break,
        }
    }
    p
}

/// One entry of a plain archive.
#[derive(Debug, Clone)]
struct Entry {
    offset: u64,
    size: u64,
}

fn seek_skip(r: &mut BufReader<File>, n: u64) -> io::Result<u64> {
    let pos = r.stream_position()?;
    let len = r.get_ref().metadata()?.len();
    let k = n.min(len.saturating_sub(pos));
    r.seek_relative(k as i64)?;
    Ok(k)
}

fn scan_seekable(
    path: &Path,
    f: File,
    kind: Kind,
    sel: &Selection,
    limits: &Limits,
    scanner: &Scanner,
) -> Result<()> {
    let mut tar = TarReader::with_skipper(BufReader::with_capacity(64 << 10, f), seek_skip);
    let mut entries: HashMap<String, Entry> = HashMap::new();
    let mut links: HashMap<String, String> = HashMap::new();
    loop {
        match tar.next_entry() {
            Ok(Some(h)) => {
                let p = whiteout::clean(&h.path).rel;
                match h.kind {
                    tar_stream::Kind::File => {
                        entries.insert(
                            p,
                            Entry {
                                offset: tar.position(),
                                size: h.size,
                            },
                        );
                    }
                    tar_stream::Kind::Symlink | tar_stream::Kind::HardLink => {
                        if let Some(l) = &h.link {
                            let t = if h.kind == tar_stream::Kind::Symlink {
                                link_target(&p, l)
                            } else {
                                whiteout::clean(l).rel
                            };
                            links.insert(p, t);
                        }
                    }
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) if entries.is_empty() => {
                return Err(anyhow!(e))
                    .with_context(|| format!("{}: not a tar archive", path.display()));
            }
            Err(e) => {
                scanner.warn(format!(
                    "{}: {e}; scanning the entries before it",
                    path.display()
                ));
                break;
            }
        }
    }
    let read_entry = |p: &str| -> Result<Vec<u8>> {
        let key = resolve(&links, p);
        let e = entries
            .get(&key)
            .ok_or_else(|| anyhow!("{p}: not in the archive"))?;
        if e.size > META_MAX {
            bail!("{p}: {} bytes is too large for metadata", e.size);
        }
        let mut f = File::open(path)?;
        f.seek(SeekFrom::Start(e.offset))?;
        let mut buf = Vec::with_capacity(e.size as usize);
        f.take(e.size).read_to_end(&mut buf)?;
        if (buf.len() as u64) < e.size {
            bail!("{p}: truncated");
        }
        Ok(buf)
    };
    let meta = |p: &str| read_entry(p).ok();
    let images = plan_archive(kind, &meta, &|p| resolve(&links, p), sel, scanner)?;
    let open = |l: &PlannedLayer| -> Result<Box<dyn Read + Send>> {
        let e = entries
            .get(&l.key)
            .ok_or_else(|| anyhow!("blob {} is missing from the archive", l.key))?;
        let mut f = File::open(path)?;
        f.seek(SeekFrom::Start(e.offset))?;
        Ok(Box::new(f.take(e.size)))
    };
    super::scan_planned(&images, &open, limits, scanner);
    Ok(())
}

/// Reads an archive front to back (compressed files, the engine's export stream). `fixup`
/// may complete each planned image's identity before attribution.
pub fn scan_stream<R: Read + Send>(
    input: R,
    kind: Kind,
    sel: &Selection,
    fixup: &dyn Fn(&mut PlannedImage),
    limits: &Limits,
    scanner: &Scanner,
) -> Result<()> {
    let mut tar = TarReader::new(input);
    let mut meta: HashMap<String, Vec<u8>> = HashMap::new();
    let mut links: HashMap<String, String> = HashMap::new();
    let mut scans: super::Scans = HashMap::new();
    let mut entries = 0usize;
    loop {
        let h = match tar.next_entry() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) if entries == 0 => {
                return Err(anyhow!(e))
                    .with_context(|| format!("{}: not a tar archive", sel.image));
            }
            Err(e) => {
                scanner.warn(format!(
                    "{}: {e}; scanning what was read before it",
                    sel.image
                ));
                break;
            }
        };
        entries += 1;
        let p = whiteout::clean(&h.path).rel;
        match h.kind {
            tar_stream::Kind::Symlink | tar_stream::Kind::HardLink => {
                if let Some(l) = &h.link {
                    let t = if h.kind == tar_stream::Kind::Symlink {
                        link_target(&p, l)
                    } else {
                        whiteout::clean(l).rel
                    };
                    links.insert(p, t);
                }
                continue;
            }
            tar_stream::Kind::File => {}
            _ => continue,
        }
        let mut head = vec![0u8; 512.min(h.size as usize)];
        let mut n = 0;
        let mut data = tar.data();
        while n < head.len() {
            match data.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        head.truncate(n);
        if looks_like_json(&head) && h.size <= META_MAX {
            let mut all = head;
            if data.read_to_end(&mut all).is_ok() {
                meta.insert(p, all);
            }
        } else if looks_like_layer(&head) {
            let label = format!("{}: {p}", sel.image);
            let r = io::Cursor::new(head).chain(data);
            let scan = layer::scan_layer(r, &label, None, limits, scanner);
            scans.insert(p, std::sync::Arc::new(scan));
        }
    }
    let lookup = |p: &str| meta.get(&resolve(&links, p)).cloned();
    let mut images = plan_archive(kind, &lookup, &|p| resolve(&links, p), sel, scanner)?;
    images.iter_mut().for_each(fixup);
    for img in &images {
        for (i, l) in img.layers.iter().enumerate() {
            if !scans.contains_key(&l.key) {
                scanner.warn(format!(
                    "{}: blob {} is missing from the archive; layer skipped",
                    super::layer_label(&img.id, i, l),
                    l.key
                ));
            }
        }
    }
    super::finish(&images, &scans, &Default::default(), limits.cache, scanner);
    Ok(())
}

/// Archive metadata as a [`BlobSource`] (`blobs/<algo>/<hex>` paths).
struct ArchiveBlobs<'a> {
    meta: &'a dyn Fn(&str) -> Option<Vec<u8>>,
    resolve: &'a dyn Fn(&str) -> String,
}

fn blob_path(digest: &str) -> Result<String> {
    let hex = oci::digest_hex(digest).ok_or_else(|| anyhow!("invalid digest {digest:?}"))?;
    let algo = digest.split(':').next().unwrap_or("sha256");
    Ok(format!("blobs/{algo}/{hex}"))
}

impl BlobSource for ArchiveBlobs<'_> {
    fn document(&self, d: &Descriptor) -> Result<(Vec<u8>, Option<String>)> {
        Ok((self.blob(d)?, None))
    }

    fn blob(&self, d: &Descriptor) -> Result<Vec<u8>> {
        let p = blob_path(&d.digest)?;
        let bytes =
            (self.meta)(&p).ok_or_else(|| anyhow!("blob {p} is missing from the archive"))?;
        oci::verify(&bytes, &d.digest, &p)?;
        Ok(bytes)
    }

    fn layer_key(&self, d: &Descriptor) -> String {
        blob_path(&d.digest).map_or_else(|_| d.digest.clone(), |p| (self.resolve)(&p))
    }
}

/// One image of a `docker save` `manifest.json`.
#[derive(Debug, Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// Normalises `repo:tag` the way registry references are (`x` → `docker.io/library/x:latest`).
fn normal_tag(t: &str) -> String {
    super::reference::parse_registry(t).map_or_else(|_| t.to_string(), |r| r.to_string())
}

fn plan_archive(
    kind: Kind,
    meta: &dyn Fn(&str) -> Option<Vec<u8>>,
    resolve: &dyn Fn(&str) -> String,
    sel: &Selection,
    scanner: &Scanner,
) -> Result<Vec<PlannedImage>> {
    let manifest = meta("manifest.json");
    let index = meta("index.json");
    let blobs = ArchiveBlobs { meta, resolve };
    match (kind, manifest, index) {
        (Kind::Docker, Some(m), index) | (Kind::Oci, Some(m), index @ None) => {
            plan_docker(&m, index.as_deref(), &blobs, sel, scanner)
        }
        (_, _, Some(ix)) => {
            let index = match oci::parse_document(&ix, None, "index.json")? {
                Document::Index(i) => i,
                Document::Manifest(_) => bail!("{}: index.json is not an image index", sel.image),
            };
            plan::from_index(&index, &blobs, sel, scanner)
        }
        _ => bail!(
            "{}: neither manifest.json nor index.json found; not an image archive",
            sel.image
        ),
    }
}

fn plan_docker(
    manifest: &[u8],
    index: Option<&[u8]>,
    blobs: &ArchiveBlobs,
    sel: &Selection,
    scanner: &Scanner,
) -> Result<Vec<PlannedImage>> {
    let entries: Vec<DockerEntry> = serde_json::from_slice(manifest).with_context(|| {
        format!(
            "{}: manifest.json is not a docker-archive manifest",
            sel.image
        )
    })?;
    let wanted = sel.tag.map(normal_tag);
    let picked: Vec<&DockerEntry> = entries
        .iter()
        .filter(|e| {
            wanted
                .as_ref()
                .is_none_or(|w| e.repo_tags.iter().flatten().any(|t| &normal_tag(t) == w))
        })
        .collect();
    if picked.is_empty() {
        match sel.tag {
            Some(t) => bail!("{}: no image tagged {t:?} in the archive", sel.image),
            None => bail!("{}: manifest.json lists no image", sel.image),
        }
    }
    let manifests = index.map(|ix| oci_manifests(ix, blobs)).unwrap_or_default();
    let several = picked.len() > 1;
    let mut out = Vec::new();
    for e in picked {
        let cfg_path = (blobs.resolve)(&e.config);
        let Some(bytes) = (blobs.meta)(&cfg_path) else {
            scanner.warn(format!(
                "{}: config {} is missing from the archive; image skipped",
                sel.image, e.config
            ));
            continue;
        };
        let config_digest = oci::sha256_digest(&bytes);
        // Config files are named after their digest: `<hex>.json` or `blobs/sha256/<hex>`.
        let named = cfg_path
            .rsplit('/')
            .next()
            .map(|n| n.trim_end_matches(".json"))
            .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()));
        if let Some(n) = named
            && config_digest != format!("sha256:{n}")
        {
            scanner.warn(format!(
                "{}: config {}: digest mismatch (content hashes to {config_digest})",
                sel.image, e.config
            ));
        }
        let what = format!("{} config {}", sel.image, e.config);
        let config = match super::config::ImageConfig::parse(&bytes, &what) {
            Ok(c) => c,
            Err(err) => {
                scanner.warn(format!("{err:#}; image skipped"));
                continue;
            }
        };
        let manifest_digest = manifests
            .iter()
            .find(|(_, cfg)| *cfg == config_digest)
            .map(|(m, _)| m.clone());
        let image = match (several, e.repo_tags.as_ref().and_then(|t| t.first())) {
            (true, Some(t)) => format!("{}:{t}", sel.image),
            _ => sel.image.to_string(),
        };
        out.push(PlannedImage {
            id: ImageIdentity {
                image,
                manifest_digest,
                config_digest,
                platform: config.platform.clone(),
            },
            layers: e
                .layers
                .iter()
                .map(|p| {
                    let key = (blobs.resolve)(p);
                    let digest = key
                        .strip_prefix("blobs/sha256/")
                        .filter(|h| h.len() == 64)
                        .map(|h| format!("sha256:{h}"));
                    PlannedLayer { key, digest }
                })
                .collect(),
            config,
        });
    }
    if out.is_empty() {
        bail!("{}: no image could be read", sel.image);
    }
    Ok(out)
}

/// (manifest digest, config digest) of every manifest an OCI `index.json` reaches.
fn oci_manifests(index: &[u8], blobs: &ArchiveBlobs) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo: Vec<Descriptor> = match oci::parse_document(index, None, "index.json") {
        Ok(Document::Index(i)) => i.manifests,
        _ => return out,
    };
    let mut steps = 0;
    while let Some(d) = todo.pop() {
        steps += 1;
        if steps > 256 {
            break;
        }
        let Ok((bytes, _)) = blobs.document(&d) else {
            continue;
        };
        match oci::parse_document(&bytes, None, "manifest") {
            Ok(Document::Manifest(m)) => out.push((d.digest.clone(), m.config.digest)),
            Ok(Document::Index(i)) => todo.extend(i.manifests),
            Err(_) => {}
        }
    }
    out
}
