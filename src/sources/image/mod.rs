//! The container-image source: `leakhound image REF` for `docker save` archives, OCI layouts and
//! archives, the local Docker engine and registries.
//!
//! Every transport turns its input into the same plan — images, each with a parsed config and
//! its layers bottom-first — and hands layer streams to [`layer::scan_layer`]. Layers are
//! scanned once per run however many images share them, then attributed to every place they
//! occupy: layer index, diff id, blob digest, and the later layer whose whiteout deletes a file.
//! Config fields and build history are scanned as text with their own provenance.
//!
//! Modules, one job each: [`reference`] (parsing REF), [`oci`] (manifest/index documents),
//! [`plan`] (documents → images), [`config`] (config + history), [`tar_stream`], [`reader`]
//! (hashing, decompression, caps), [`whiteout`], [`layer`], and the transports [`archive`],
//! [`layout`], [`registry`] (with [`auth`]) and [`daemon`].

pub mod archive;
pub mod auth;
pub mod config;
pub mod daemon;
#[doc(hidden)]
pub mod fixture;
pub mod layer;
pub mod layout;
pub mod oci;
pub mod plan;
pub mod reader;
pub mod reference;
pub mod registry;
pub mod tar_stream;
pub mod whiteout;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::Arc;

use anyhow::Result;
use rayon::prelude::*;

use crate::finding::{ImagePart, Source, short_digest};
use crate::scan::Scanner;
use config::ImageConfig;
use layer::{LayerCache, LayerScan, Limits};
use reader::Budget;
use reference::ImageRef;
use whiteout::Whiteouts;

/// Default cap on one layer's decompressed bytes.
pub const DEFAULT_MAX_LAYER_BYTES: u64 = 16 << 30;
/// Default cap on one image's decompressed bytes.
pub const DEFAULT_MAX_IMAGE_BYTES: u64 = 64 << 30;

/// Registry access settings.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// User name for Basic auth or the token exchange.
    pub user: Option<String>,
    /// Password or token for `user`.
    pub password: Option<String>,
    /// Hosts (`host[:port]`) that may be reached over plain HTTP.
    pub insecure: Vec<String>,
    /// Directory holding `config.json` (default: `$DOCKER_CONFIG` or `~/.docker`).
    pub docker_config: Option<std::path::PathBuf>,
}

/// How to scan images.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// `os/arch[/variant]` to pick from multi-platform indexes (default: all).
    pub platform: Option<String>,
    /// Most decompressed bytes per layer (0: unlimited).
    pub max_layer_bytes: u64,
    /// Most decompressed bytes per image (0: unlimited).
    pub max_image_bytes: u64,
    /// Registry access.
    pub registry: RegistryOptions,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            platform: None,
            max_layer_bytes: DEFAULT_MAX_LAYER_BYTES,
            max_image_bytes: DEFAULT_MAX_IMAGE_BYTES,
            registry: RegistryOptions::default(),
        }
    }
}

/// Which image a finding belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageIdentity {
    /// The reference as given (plus the member's tag in multi-image archives).
    pub image: String,
    /// Manifest digest, when the transport has one.
    pub manifest_digest: Option<String>,
    /// Config digest (image id).
    pub config_digest: String,
    /// Platform, when known.
    pub platform: Option<String>,
}

impl ImageIdentity {
    /// The finding source for `part` of this image.
    pub fn source(&self, part: ImagePart) -> Source {
        Source::Image {
            image: self.image.clone(),
            manifest_digest: self.manifest_digest.clone(),
            config_digest: self.config_digest.clone(),
            platform: self.platform.clone(),
            part,
        }
    }
}

/// One layer of a planned image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedLayer {
    /// How the transport finds the blob (archive path or digest); equal keys are one blob.
    pub key: String,
    /// The blob digest the manifest promises, when there is a manifest.
    pub digest: Option<String>,
}

/// An image ready to scan.
#[derive(Debug, Clone)]
pub struct PlannedImage {
    /// Provenance.
    pub id: ImageIdentity,
    /// Parsed config.
    pub config: ImageConfig,
    /// Layers, bottom first.
    pub layers: Vec<PlannedLayer>,
}

/// Scans one image reference (see [`reference::parse`]). Errors mean nothing of the image
/// could be read; problems with parts of it are warnings and the rest is scanned. `cache`
/// carries layer scans between the references of one run.
pub fn scan_image(
    reference: &str,
    opts: &ImageOptions,
    cache: &LayerCache,
    scanner: &Scanner,
) -> Result<()> {
    let r = reference::parse(reference)?;
    let budget = Budget::new(opts.max_image_bytes);
    let limits = Limits {
        max_layer_bytes: opts.max_layer_bytes,
        budget: &budget,
        cache,
    };
    match r {
        ImageRef::DockerArchive { path, tag } => archive::scan(
            &path,
            tag.as_deref(),
            archive::Kind::Docker,
            reference,
            opts,
            &limits,
            scanner,
        ),
        ImageRef::OciArchive { path, tag } => archive::scan(
            &path,
            tag.as_deref(),
            archive::Kind::Oci,
            reference,
            opts,
            &limits,
            scanner,
        ),
        ImageRef::OciLayout { path, tag } => {
            layout::scan(&path, tag.as_deref(), reference, opts, &limits, scanner)
        }
        ImageRef::Daemon { name } => daemon::scan(&name, reference, opts, &limits, scanner),
        ImageRef::Registry(r) => registry::scan(&r, reference, opts, &limits, scanner),
    }
}

/// Opens a planned layer's blob.
pub type Opener<'a> = dyn Fn(&PlannedLayer) -> Result<Box<dyn Read + Send + 'a>> + Sync + 'a;

/// Scans every distinct layer of `images` (in parallel) and every config, then attributes the
/// layer findings. For transports with random access to blobs.
pub fn scan_planned(images: &[PlannedImage], open: &Opener, limits: &Limits, scanner: &Scanner) {
    let mut seen = HashSet::new();
    let mut todo: Vec<(&PlannedLayer, String, Option<&String>)> = Vec::new();
    for img in images {
        for (i, l) in img.layers.iter().enumerate() {
            if seen.insert(l.key.clone()) {
                todo.push((l, layer_label(&img.id, i, l), img.config.diff_ids.get(i)));
            }
        }
    }
    let cached: HashSet<String> = todo
        .iter()
        .filter(|(_, _, d)| d.is_some_and(|d| limits.cache.get(d).is_some()))
        .map(|(l, _, _)| l.key.clone())
        .collect();
    let scans: Scans = todo
        .into_par_iter()
        .filter_map(|(l, label, diff)| {
            if let Some(s) = diff.and_then(|d| limits.cache.get(d)) {
                return Some((l.key.clone(), s));
            }
            match open(l) {
                Ok(r) => {
                    let scan = layer::scan_layer(r, &label, l.digest.as_deref(), limits, scanner);
                    Some((l.key.clone(), Arc::new(scan)))
                }
                Err(e) => {
                    scanner.warn(format!("{label}: {e:#}; layer skipped"));
                    None
                }
            }
        })
        .collect();
    finish(images, &scans, &cached, limits.cache, scanner);
}

/// Layer scans of one reference, by transport key.
pub type Scans = HashMap<String, Arc<LayerScan>>;

/// How warnings name a layer.
pub fn layer_label(id: &ImageIdentity, index: usize, l: &PlannedLayer) -> String {
    format!(
        "{} layer {index} ({})",
        id.image,
        short_digest(l.digest.as_deref().unwrap_or(&l.key))
    )
}

/// Scans each distinct config, attributes layer findings to every image using the layer, and
/// remembers complete layer scans for later references. `cached` are keys whose scan came from
/// an earlier reference (their blob digests belong to another transport: not compared).
pub fn finish(
    images: &[PlannedImage],
    scans: &Scans,
    cached: &HashSet<String>,
    cache: &LayerCache,
    scanner: &Scanner,
) {
    let mut configs = HashSet::new();
    for img in images {
        if configs.insert(img.id.config_digest.clone()) {
            config::scan(&img.config, &img.id, scanner);
        }
    }
    let mut checked = cached.clone();
    for img in images {
        attribute(img, scans, scanner, &mut checked);
        for (l, want) in img.layers.iter().zip(&img.config.diff_ids) {
            if let Some(s) = scans.get(&l.key)
                && s.complete
                && s.diff_id.as_ref() == Some(want)
            {
                cache.insert(want.clone(), s.clone());
            }
        }
    }
}

/// Gives one image's layer findings their place: layer index, diff id, digest, the history
/// entry that made the layer and the layer that deletes the file, if any.
fn attribute(img: &PlannedImage, scans: &Scans, scanner: &Scanner, checked: &mut HashSet<String>) {
    let empty = Whiteouts::default();
    let wh: Vec<&Whiteouts> = img
        .layers
        .iter()
        .map(|l| scans.get(&l.key).map_or(&empty, |s| &s.whiteouts))
        .collect();
    let history = img.config.layer_history(img.layers.len());
    if !img.config.diff_ids.is_empty() && img.config.diff_ids.len() != img.layers.len() {
        scanner.warn(format!(
            "{}: config lists {} diff ids for {} layers",
            img.id.image,
            img.config.diff_ids.len(),
            img.layers.len()
        ));
    }
    let mut out = Vec::new();
    for (i, l) in img.layers.iter().enumerate() {
        let Some(s) = scans.get(&l.key) else {
            continue;
        };
        let want_diff = img.config.diff_ids.get(i);
        if checked.insert(l.key.clone()) {
            let label = layer_label(&img.id, i, l);
            if let (Some(want), Some(got)) = (&l.digest, &s.digest)
                && want != got
                && !s.digest_checked
            {
                scanner.warn(format!(
                    "{label}: digest mismatch: the manifest says {want}, the blob hashes to {got}"
                ));
            }
            if let (Some(want), Some(got)) = (want_diff, &s.diff_id)
                && want != got
            {
                scanner.warn(format!(
                    "{label}: diff id mismatch: the config says {want}, the layer hashes to {got}"
                ));
            }
        }
        let diff_id = want_diff
            .cloned()
            .or_else(|| s.diff_id.clone())
            .unwrap_or_default();
        for f in &s.findings {
            let rel = f.location.path.trim_start_matches('/');
            let deleted_in = whiteout::deleted_in(&wh, i, rel);
            let mut f = f.clone();
            f.source = img.id.source(ImagePart::Layer {
                index: i,
                diff_id: diff_id.clone(),
                digest: l.digest.clone().or_else(|| s.digest.clone()),
                path: f.location.path.clone(),
                deleted: deleted_in.is_some(),
                deleted_in,
                history: history[i],
            });
            out.push(f);
        }
    }
    scanner.push_findings(out);
}
