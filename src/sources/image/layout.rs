//! OCI image layout directories (`oci-layout`, `index.json`, `blobs/<algo>/<hex>`), as written
//! by skopeo, umoci, buildah and `docker buildx --output type=oci,tar=false`.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use super::layer::Limits;
use super::oci::{self, Descriptor, Document};
use super::plan::{self, BlobSource, Selection};
use super::{ImageOptions, PlannedLayer};
use crate::scan::Scanner;

/// Blobs of a layout directory.
struct LayoutBlobs {
    root: PathBuf,
}

impl LayoutBlobs {
    /// The file of a digest; digests are validated so a crafted one cannot leave `blobs/`.
    fn path(&self, digest: &str) -> Result<PathBuf> {
        let hex = oci::digest_hex(digest).ok_or_else(|| anyhow!("invalid digest {digest:?}"))?;
        let algo = digest.split(':').next().unwrap_or("sha256");
        Ok(self.root.join("blobs").join(algo).join(hex))
    }
}

impl BlobSource for LayoutBlobs {
    fn document(&self, d: &Descriptor) -> Result<(Vec<u8>, Option<String>)> {
        Ok((self.blob(d)?, None))
    }

    fn blob(&self, d: &Descriptor) -> Result<Vec<u8>> {
        let p = self.path(&d.digest)?;
        let bytes = std::fs::read(&p).with_context(|| format!("blob {}", p.display()))?;
        oci::verify(&bytes, &d.digest, &d.digest)?;
        Ok(bytes)
    }

    fn layer_key(&self, d: &Descriptor) -> String {
        d.digest.clone()
    }
}

/// Scans the images of a layout directory (those tagged `tag`, if given).
pub fn scan(
    root: &Path,
    tag: Option<&str>,
    display: &str,
    opts: &ImageOptions,
    limits: &Limits,
    scanner: &Scanner,
) -> Result<()> {
    if !root.is_dir() {
        bail!(
            "{}: not a directory (an OCI layout is a directory)",
            root.display()
        );
    }
    let index_path = root.join("index.json");
    let bytes = std::fs::read(&index_path).with_context(|| {
        format!(
            "{}: not an OCI image layout (cannot read index.json)",
            root.display()
        )
    })?;
    if !root.join("oci-layout").is_file() {
        scanner.warn(format!(
            "{}: oci-layout file missing; reading index.json anyway",
            root.display()
        ));
    }
    let index = match oci::parse_document(&bytes, None, &index_path.display().to_string())? {
        Document::Index(i) => i,
        Document::Manifest(_) => bail!("{}: is a manifest, not an index", index_path.display()),
    };
    let blobs = LayoutBlobs {
        root: root.to_path_buf(),
    };
    let sel = Selection {
        image: display,
        tag,
        platform: opts.platform.as_deref(),
    };
    let images = plan::from_index(&index, &blobs, &sel, scanner)?;
    let open = |l: &PlannedLayer| -> Result<Box<dyn Read + Send>> {
        let p = blobs.path(&l.key)?;
        let f = File::open(&p).with_context(|| format!("missing blob {}", p.display()))?;
        Ok(Box::new(f))
    };
    super::scan_planned(&images, &open, limits, scanner);
    Ok(())
}
