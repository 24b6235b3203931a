//! Turns manifest and index documents into [`PlannedImage`]s: selects index members by tag and
//! platform (recursing into nested indexes), reads and verifies each config, and lists the
//! layers. The transport supplies the documents through [`BlobSource`].

use anyhow::{Context, Result, bail};

use super::config::ImageConfig;
use super::oci::{self, Descriptor, Document, Index, Manifest};
use super::{ImageIdentity, PlannedImage, PlannedLayer};
use crate::scan::Scanner;

/// Deepest nesting of indexes followed.
const MAX_DEPTH: usize = 4;

/// Most index members one walk looks at. An index that lists the same nested index many times
/// over, level after level, would otherwise spell millions of manifests from a few small
/// documents.
const MAX_MEMBERS: usize = 10_000;

/// Where manifests, indexes and configs come from.
pub trait BlobSource {
    /// A manifest or index: its bytes (verified against `d.digest`) and the transport's
    /// content type, if it has one.
    fn document(&self, d: &Descriptor) -> Result<(Vec<u8>, Option<String>)>;
    /// A config blob, verified against `d.digest`.
    fn blob(&self, d: &Descriptor) -> Result<Vec<u8>>;
    /// The key under which the transport opens layer `d`.
    fn layer_key(&self, d: &Descriptor) -> String;
}

/// What to pick and how to name it.
pub struct Selection<'a> {
    /// The reference as given.
    pub image: &'a str,
    /// Tag (`org.opencontainers.image.ref.name`) to pick at the top level.
    pub tag: Option<&'a str>,
    /// `--platform`.
    pub platform: Option<&'a str>,
}

/// Whether an index entry's ref name matches a requested tag (`latest`, `repo:latest`, or a
/// fully qualified name).
fn tag_matches(d: &Descriptor, tag: &str) -> bool {
    d.annotations.get(oci::REF_NAME).is_some_and(|n| {
        n == tag
            || n.rsplit_once(':')
                .is_some_and(|(_, t)| t == tag && !tag.contains(':'))
    })
}

/// Plans every image the top-level `index` selects. Problems with one member are warnings;
/// finding no image at all is an error.
pub fn from_index(
    index: &Index,
    src: &dyn BlobSource,
    sel: &Selection,
    scanner: &Scanner,
) -> Result<Vec<PlannedImage>> {
    let top: Vec<&Descriptor> = match sel.tag {
        Some(t) => {
            let m: Vec<&Descriptor> = index
                .manifests
                .iter()
                .filter(|d| tag_matches(d, t))
                .collect();
            if m.is_empty() {
                let names: Vec<&str> = index
                    .manifests
                    .iter()
                    .filter_map(|d| d.annotations.get(oci::REF_NAME).map(String::as_str))
                    .collect();
                bail!(
                    "{}: no image tagged {t:?} (tags: {})",
                    sel.image,
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                );
            }
            m
        }
        None => index.manifests.iter().collect(),
    };
    // Several differently named images in one layout: say which is which.
    let names: std::collections::BTreeSet<&str> = top
        .iter()
        .filter_map(|d| d.annotations.get(oci::REF_NAME).map(String::as_str))
        .collect();
    let mut out = Vec::new();
    let sub = Index {
        media_type: index.media_type.clone(),
        manifests: top.into_iter().cloned().collect(),
    };
    let mut available = Vec::new();
    let mut walk = Walk {
        src,
        scanner,
        out: &mut out,
        available: &mut available,
        nested: std::collections::HashSet::new(),
        repeated: std::collections::HashSet::new(),
        members_left: MAX_MEMBERS,
    };
    walk.index(&sub, sel, names.len() > 1, 0);
    if out.is_empty() {
        match sel.platform {
            Some(p) => bail!(
                "{}: no image for platform {p} (available: {})",
                sel.image,
                if available.is_empty() {
                    "see the warnings".to_string()
                } else {
                    available.join(", ")
                }
            ),
            None => bail!("{}: no image could be read", sel.image),
        }
    }
    Ok(out)
}

/// State of one walk over nested indexes.
struct Walk<'a> {
    src: &'a dyn BlobSource,
    scanner: &'a Scanner<'a>,
    out: &'a mut Vec<PlannedImage>,
    /// Platforms seen, for the error when none matches.
    available: &'a mut Vec<String>,
    /// Digests of the nested indexes already followed (each is walked once).
    nested: std::collections::HashSet<String>,
    /// Nested indexes already reported as listed again.
    repeated: std::collections::HashSet<String>,
    /// Index members this walk may still look at.
    members_left: usize,
}

impl Walk<'_> {
    fn index(&mut self, index: &Index, sel: &Selection, name_members: bool, depth: usize) {
        for d in &index.manifests {
            if let Some(p) = &d.platform
                && !self.available.contains(&p.name())
            {
                self.available.push(p.name());
            }
        }
        for d in oci::select_platforms(index, sel.platform) {
            let what = format!("{} manifest {}", sel.image, d.digest);
            if self.members_left == 0 {
                self.scanner.warn(format!(
                    "{what}: more than {MAX_MEMBERS} index members; the rest of the index is \
                     skipped"
                ));
                return;
            }
            self.members_left -= 1;
            let doc = self.src.document(d).and_then(|(bytes, mt)| {
                let mt = mt.or_else(|| (!d.media_type.is_empty()).then(|| d.media_type.clone()));
                oci::parse_document(&bytes, mt.as_deref(), &what)
            });
            let image = match (name_members, d.annotations.get(oci::REF_NAME)) {
                (true, Some(n)) => format!("{}:{n}", sel.image),
                _ => sel.image.to_string(),
            };
            match doc {
                Ok(Document::Manifest(m)) => {
                    let platform = d.platform.as_ref().map(|p| p.name());
                    match from_manifest(&m, Some(d.digest.clone()), platform, &image, self.src) {
                        Ok(p) => {
                            // An entry without a platform is judged by its config.
                            let wanted = match (sel.platform, &d.platform, &p.id.platform) {
                                (Some(w), None, Some(have)) => {
                                    if !self.available.contains(have) {
                                        self.available.push(have.clone());
                                    }
                                    oci::Platform::parse(have).matches(w)
                                }
                                _ => true,
                            };
                            if wanted {
                                self.out.push(p);
                            }
                        }
                        Err(e) => self.scanner.warn(format!("{e:#}; image skipped")),
                    }
                }
                Ok(Document::Index(_)) if !self.nested.insert(d.digest.clone()) => {
                    if self.repeated.insert(d.digest.clone()) {
                        self.scanner.warn(format!(
                            "{what}: the same nested index is listed more than once; followed \
                             once"
                        ))
                    }
                }
                Ok(Document::Index(ix)) if depth < MAX_DEPTH => {
                    let inner = Selection {
                        image: &image,
                        tag: None,
                        platform: sel.platform,
                    };
                    self.index(&ix, &inner, false, depth + 1);
                }
                Ok(Document::Index(_)) => self
                    .scanner
                    .warn(format!("{what}: indexes nested too deeply; skipped")),
                Err(e) => self.scanner.warn(format!("{e:#}; skipped")),
            }
        }
    }
}

/// Plans one image from its manifest: reads and verifies the config, lists the layers.
pub fn from_manifest(
    m: &Manifest,
    manifest_digest: Option<String>,
    platform: Option<String>,
    image: &str,
    src: &dyn BlobSource,
) -> Result<PlannedImage> {
    let what = format!("{image} config {}", m.config.digest);
    let bytes = src.blob(&m.config).with_context(|| what.clone())?;
    let config = ImageConfig::parse(&bytes, &what)?;
    let platform = platform.or_else(|| config.platform.clone());
    Ok(PlannedImage {
        id: ImageIdentity {
            image: image.to_string(),
            manifest_digest,
            config_digest: m.config.digest.clone(),
            platform,
        },
        config,
        layers: m
            .layers
            .iter()
            .map(|d| PlannedLayer {
                key: src.layer_key(d),
                digest: Some(d.digest.clone()),
            })
            .collect(),
    })
}
