//! Fuzzes the OCI / Docker JSON documents an image is planned from: image indexes (nested,
//! with tag and platform selection), manifests and image configs (history, env, labels), then
//! the layer scans and attribution of the planned images. The input holds several documents
//! separated by `leakhound_fuzz::SEP`: the first is the top-level index or manifest, and a
//! descriptor whose digest starts `sha256:<n>` resolves to document `n` (digests are not
//! verified here; the transports verify them before planning).
#![no_main]

use std::io::Read;

use anyhow::{Result, anyhow};
use leakhound::sources::image::layer::{LayerCache, Limits};
use leakhound::sources::image::oci::{self, Descriptor, Document};
use leakhound::sources::image::plan::{self, BlobSource, Selection};
use leakhound::sources::image::reader::Budget;
use leakhound::sources::image::{PlannedLayer, scan_planned};
use leakhound_fuzz::{scanner, split};
use libfuzzer_sys::fuzz_target;

struct Pieces<'a>(Vec<&'a [u8]>);

impl Pieces<'_> {
    fn get(&self, digest: &str) -> Result<&[u8]> {
        let n = digest
            .strip_prefix("sha256:")
            .and_then(|h| h.get(..1))
            .and_then(|c| usize::from_str_radix(c, 16).ok())
            .ok_or_else(|| anyhow!("no document for {digest:?}"))?;
        self.0
            .get(n)
            .copied()
            .ok_or_else(|| anyhow!("no document {n}"))
    }
}

impl BlobSource for Pieces<'_> {
    fn document(&self, d: &Descriptor) -> Result<(Vec<u8>, Option<String>)> {
        Ok((self.get(&d.digest)?.to_vec(), Some(d.media_type.clone())))
    }

    fn blob(&self, d: &Descriptor) -> Result<Vec<u8>> {
        Ok(self.get(&d.digest)?.to_vec())
    }

    fn layer_key(&self, d: &Descriptor) -> String {
        d.digest.clone()
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let pieces = Pieces(split(rest, 16));
    let s = scanner();
    let sel = Selection {
        image: "fuzz",
        tag: (mode & 1 != 0).then_some("latest"),
        platform: (mode & 2 != 0).then_some("linux/arm64/v8"),
    };
    let media_type = (mode & 4 != 0).then_some(oci::OCI_INDEX);
    let images = match oci::parse_document(pieces.0[0], media_type, "top") {
        Ok(Document::Index(i)) => plan::from_index(&i, &pieces, &sel, &s),
        Ok(Document::Manifest(m)) => {
            plan::from_manifest(&m, None, None, "fuzz", &pieces).map(|i| vec![i])
        }
        Err(_) => return,
    };
    let Ok(images) = images else {
        return;
    };
    for img in &images {
        let _ = img.config.history_layers();
        let _ = img.config.layer_history(img.layers.len());
    }
    let budget = Budget::new(4 << 20);
    let cache = LayerCache::default();
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        budget: &budget,
        cache: &cache,
    };
    let open = |l: &PlannedLayer| -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(pieces.get(&l.key)?))
    };
    scan_planned(&images, &open, &limits, &s);
    leakhound_fuzz::finish(s);
});
