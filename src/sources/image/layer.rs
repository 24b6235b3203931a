//! Scans one layer blob as a stream: sniff and undo its compression under the size caps, hash
//! it (blob digest and diff id) on the way, walk its tar entries, record whiteouts, and scan
//! every regular file with the same engine and limits as the filesystem scan. Nothing is
//! written to disk; small files are batched to the worker pool, large ones are streamed in
//! chunks. A layer that ends early (truncated, corrupt, over a cap) keeps what was read and
//! yields one warning naming it.

use std::io::{self, BufReader, Read};
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use rayon::iter::{ParallelBridge, ParallelIterator};

use super::reader::{self, Budget, CapHit, Capped, Compression, HashState, Hashing};
use super::tar_stream::{Kind, TarReader};
use super::whiteout::{self, Whiteouts};
use crate::content::SNIFF_LEN;
use crate::finding::{Finding, ImagePart, Source};
use crate::scan::{Limit, Scanner};

/// Bytes of small files handed to a worker at once.
const BATCH_BYTES: usize = 4 << 20;
/// Files handed to a worker at once.
const BATCH_FILES: usize = 512;

/// Decompression limits.
#[derive(Debug)]
pub struct Limits<'a> {
    /// Most decompressed bytes of one layer (0: unlimited).
    pub max_layer_bytes: u64,
    /// What the whole image may still decompress.
    pub budget: &'a Budget,
    /// Layers already scanned in this run, by diff id.
    pub cache: &'a LayerCache,
}

/// Layers scanned earlier in the run, by diff id: a base layer shared by several images is
/// scanned once whichever transport delivered it.
#[derive(Debug, Default)]
pub struct LayerCache(
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<LayerScan>>>,
);

impl LayerCache {
    /// The scan of the layer with this diff id, if there is one.
    pub fn get(&self, diff_id: &str) -> Option<std::sync::Arc<LayerScan>> {
        self.0.lock().ok().and_then(|m| m.get(diff_id).cloned())
    }

    /// Remembers a complete scan under its (verified) diff id.
    pub fn insert(&self, diff_id: String, scan: std::sync::Arc<LayerScan>) {
        if let Ok(mut m) = self.0.lock() {
            m.entry(diff_id).or_insert(scan);
        }
    }
}

/// What scanning one layer produced. Findings carry a placeholder source until the layer is
/// attributed to its place in an image.
#[derive(Debug, Default)]
pub struct LayerScan {
    /// Findings; `location.path` is the absolute path inside the image.
    pub findings: Vec<Finding>,
    /// Files this layer deletes from lower layers.
    pub whiteouts: Whiteouts,
    /// `sha256:` of the blob as read, when it was read to the end.
    pub digest: Option<String>,
    /// `sha256:` of the uncompressed tar, when it was read to the end.
    pub diff_id: Option<String>,
    /// Compression found.
    pub compression: Option<Compression>,
    /// Whether the whole layer was read without error.
    pub complete: bool,
    /// Whether `digest` was already checked against the expected one (and any mismatch
    /// reported).
    pub digest_checked: bool,
}

/// The source findings carry until attribution replaces it.
pub fn pending_source() -> Source {
    Source::Image {
        image: String::new(),
        manifest_digest: None,
        config_digest: String::new(),
        platform: None,
        part: ImagePart::Layer {
            index: 0,
            diff_id: String::new(),
            digest: None,
            path: String::new(),
            deleted: false,
            deleted_in: None,
            history: None,
        },
    }
}

#[derive(Default)]
struct WalkState {
    findings: Vec<Finding>,
    whiteouts: Whiteouts,
    error: Option<String>,
    unsafe_names: usize,
    first_unsafe: Option<String>,
}

struct FileJob {
    path: String,
    data: Vec<u8>,
}

/// Reads tar entries and yields batches of small files; streams large files itself.
struct Walk<'a, 's, R> {
    tar: TarReader<R>,
    state: &'a Mutex<WalkState>,
    scanner: &'a Scanner<'s>,
    source: &'a Source,
    label: &'a str,
    ended: bool,
}

impl<R: Read> Walk<'_, '_, R> {
    fn fail(&mut self, msg: String) {
        self.ended = true;
        if let Ok(mut st) = self.state.lock() {
            st.error.get_or_insert(msg);
        }
    }

    fn with_state(&self, f: impl FnOnce(&mut WalkState)) {
        if let Ok(mut st) = self.state.lock() {
            f(&mut st);
        }
    }
}

impl<R: Read> Iterator for Walk<'_, '_, R> {
    type Item = Vec<FileJob>;

    fn next(&mut self) -> Option<Vec<FileJob>> {
        let opts = self.scanner.options();
        let stats = &self.scanner.stats;
        let mut batch = Vec::new();
        let mut bytes = 0usize;
        while !self.ended && bytes < BATCH_BYTES && batch.len() < BATCH_FILES {
            let h = match self.tar.next_entry() {
                Ok(Some(h)) => h,
                Ok(None) => {
                    // Read what follows the end marker so the digests cover the whole blob.
                    self.ended = true;
                    if let Err(e) = io::copy(&mut self.tar.data_after_end(), &mut io::sink()) {
                        self.fail(format!("after the last entry: {e}"));
                    }
                    break;
                }
                Err(e) => {
                    self.fail(e.to_string());
                    break;
                }
            };
            let clean = whiteout::clean(&h.path);
            // A hard link names another entry of the archive: one that leaves the root is as
            // hostile as such a name (symlinks are resolved inside images and often use `..`).
            let unsafe_link = h.kind == Kind::HardLink
                && h.link
                    .as_deref()
                    .is_some_and(|l| whiteout::clean(l).unsafe_name);
            if clean.unsafe_name || unsafe_link {
                self.with_state(|st| {
                    st.unsafe_names += 1;
                    st.first_unsafe.get_or_insert_with(|| h.path.clone());
                });
            }
            match h.kind {
                Kind::Dir => continue,
                Kind::File => {}
                _ => {
                    stats.skipped_other.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
            if let Some(w) = whiteout::classify(&clean.rel) {
                self.with_state(|st| st.whiteouts.add(w));
                continue;
            }
            if clean.rel.is_empty() {
                continue;
            }
            let path = format!("/{}", clean.rel);
            let max = opts.max_file_size;
            if max > 0 && h.size > max {
                stats.skipped_too_large.fetch_add(1, Ordering::Relaxed);
                self.scanner.warn(format!(
                    "{}: {path}: {} bytes is over --max-file-size {max}; skipped",
                    self.label, h.size
                ));
                continue;
            }
            if h.size as usize <= opts.chunk_size {
                let mut data = Vec::with_capacity(h.size as usize);
                let res = self.tar.data().read_to_end(&mut data);
                bytes += data.len();
                batch.push(FileJob { path, data });
                if let Err(e) = res {
                    let at = self.tar.position();
                    self.fail(format!("read error at byte {at}: {e}"));
                }
            } else {
                let mut head = vec![0u8; SNIFF_LEN];
                let mut n = 0;
                let mut data = self.tar.data();
                while n < head.len() {
                    match data.read(&mut head[n..]) {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                head.truncate(n);
                // A read error ends the file quietly here; the layer reports it once below.
                let mut guard = Guard {
                    inner: data,
                    error: None,
                };
                let found = self
                    .scanner
                    .stream_findings(head, &mut guard, &path, self.source);
                let error = guard.error.take();
                self.with_state(|st| st.findings.extend(found));
                self.scanner.tick();
                if let Some(e) = error {
                    let at = self.tar.position();
                    self.fail(format!("read error at byte {at}: {e}"));
                }
            }
        }
        (!batch.is_empty()).then_some(batch)
    }
}

/// Turns a read error into end-of-file and keeps it for the caller.
struct Guard<R> {
    inner: R,
    error: Option<io::Error>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.error.is_some() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => {
                self.error = Some(e);
                Ok(0)
            }
            r => r,
        }
    }
}

/// Scans one layer blob read from `raw`. `label` names the layer in warnings; `expected` is
/// the blob digest the manifest promises, when known here.
pub fn scan_layer<R: Read + Send>(
    raw: R,
    label: &str,
    expected: Option<&str>,
    limits: &Limits,
    scanner: &Scanner,
) -> LayerScan {
    let (hashed, raw_hash) = Hashing::new(raw);
    let (decoded, compression) = match reader::decompress(hashed) {
        Ok(x) => x,
        Err(e) => {
            scanner.warn(format!("{label}: cannot read: {e}"));
            return LayerScan::default();
        }
    };
    let (capped, cap_hit) = Capped::new(decoded, limits.max_layer_bytes, limits.budget);
    let (input, diff_hash): (Box<dyn Read + Send + '_>, Option<HashState>) =
        if compression == Compression::None {
            (Box::new(capped), None)
        } else {
            let (h, st) = Hashing::new(capped);
            (Box::new(BufReader::with_capacity(reader::BUF, h)), Some(st))
        };
    let state = Mutex::new(WalkState::default());
    let source = pending_source();
    let mut walk = Walk {
        tar: TarReader::new(input),
        state: &state,
        scanner,
        source: &source,
        label,
        ended: false,
    };
    (&mut walk).par_bridge().for_each(|batch| {
        let mut found = Vec::new();
        for job in batch {
            found.extend(scanner.findings_in(&job.data, &job.path, &source));
        }
        if let Ok(mut st) = state.lock() {
            st.findings.extend(found);
        }
        scanner.tick();
    });
    let st = std::mem::take(&mut *state.lock().unwrap_or_else(|e| e.into_inner()));
    if st.unsafe_names > 0 {
        scanner.warn(format!(
            "{label}: {} entr{} with an absolute or `..` path or hard-link target (first: \
             {:?}); scanned as paths inside the image, links never followed, nothing is written \
             to disk",
            st.unsafe_names,
            if st.unsafe_names == 1 { "y" } else { "ies" },
            st.first_unsafe.as_deref().unwrap_or("")
        ));
    }
    let cap = cap_hit.lock().ok().and_then(|g| *g);
    let complete = st.error.is_none();
    if !complete && cap.is_none() {
        // Read on (best effort) so the blob digest can tell a tampered blob from a broken one.
        let _ = io::copy(walk.tar.data_after_end(), &mut io::sink());
    }
    drop(walk);
    let digest = raw_hash.at_end().then(|| raw_hash.finish().0);
    let mismatch = match (expected, &digest) {
        (Some(want), Some(got)) if want.starts_with("sha256:") && want != got => Some(format!(
            "digest mismatch: the manifest says {want}, the blob hashes to {got}"
        )),
        _ => None,
    };
    if let Some(err) = &st.error {
        let what = match cap {
            Some(CapHit::Layer(n)) => {
                scanner.limit_hit(Limit::MaxLayerBytes);
                format!(
                    "decompressed size exceeds the per-layer cap of {n} bytes (--max-layer-bytes)"
                )
            }
            Some(CapHit::Image(n)) => {
                scanner.limit_hit(Limit::MaxImageBytes);
                format!(
                    "decompressed size of the image exceeds the cap of {n} bytes \
                     (--max-image-bytes)"
                )
            }
            None => err.clone(),
        };
        let kind = match compression {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        };
        let why = mismatch
            .as_ref()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        scanner.warn(format!(
            "{label}: {what}{why}; reported what was read ({} bytes of the {kind} blob)",
            raw_hash.count()
        ));
    } else if let Some(m) = &mismatch {
        scanner.warn(format!("{label}: {m}"));
    }
    let diff_id = if complete {
        match &diff_hash {
            Some(h) => Some(h.finish().0),
            None => digest.clone(),
        }
    } else {
        None
    };
    LayerScan {
        findings: st.findings,
        whiteouts: st.whiteouts,
        digest,
        diff_id,
        compression: Some(compression),
        complete,
        digest_checked: expected.is_some(),
    }
}
