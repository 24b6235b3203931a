//! The fast path for scanning most of a pack: resolve its delta tree once, so every object is
//! inflated exactly once, base before deltas, instead of re-inflating delta chains object by
//! object. Used for packs where the wanted blobs are a large share of the objects; what it
//! does not deliver (other packs, loose objects, entries it could not decode) is read one
//! object at a time by the caller.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::ObjectId;

/// Packs with more objects than this are read object by object: the delta tree costs about
/// 100 bytes of memory per object.
const MAX_TRAVERSED_OBJECTS: u32 = 2_000_000;

/// A pack is traversed when at least one object in this many is a wanted blob.
const MIN_SHARE: u32 = 5;

/// The `.idx` files of the repository's object directory and of its alternates.
pub fn index_files(repo: &gix::Repository) -> Vec<PathBuf> {
    let objects = repo.objects.store_ref().path().to_path_buf();
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut dirs = vec![objects.clone()];
    // A missing or cyclic alternate was already reported when the repository was opened.
    if let Ok(alternates) = gix::odb::alternate::resolve(objects, &cwd) {
        dirs.extend(alternates);
    }
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
            continue;
        };
        let mut idx: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "idx"))
            .collect();
        idx.sort();
        out.extend(idx);
    }
    out
}

/// Resolves every object of the pack behind `index_path` once and hands each blob that
/// `wanted` accepts to `on_blob`, from several threads. No entry claiming more than
/// `alloc_limit` bytes is allocated (the traversal then ends with an error). Returns `false`
/// (and delivers nothing) when the pack is not worth traversing for this scan; errors end the
/// traversal early and are returned for the caller to fall back on.
pub fn traverse(
    index_path: &Path,
    hash: gix::hash::Kind,
    threads: usize,
    alloc_limit: Option<usize>,
    wanted: &(dyn Fn(&ObjectId) -> bool + Sync),
    on_blob: &(dyn Fn(&ObjectId, &[u8]) + Sync),
) -> Result<bool, String> {
    let bundle = gix::odb::pack::Bundle::at(index_path, hash).map_err(|e| e.to_string())?;
    let total = bundle.index.num_objects();
    if total == 0 || total > MAX_TRAVERSED_OBJECTS {
        return Ok(false);
    }
    let hits = bundle.index.iter().filter(|e| wanted(&e.oid)).count() as u64;
    if hits == 0 || hits * u64::from(MIN_SHARE) < u64::from(total) {
        return Ok(false);
    }
    let interrupt = AtomicBool::new(false);
    let processor = |kind: gix::object::Kind,
                     data: &[u8],
                     entry: &gix::odb::pack::index::Entry,
                     _: &dyn gix::progress::Progress|
     -> gix::Result<()> {
        if kind == gix::object::Kind::Blob && wanted(&entry.oid) {
            on_blob(&entry.oid, data);
        }
        Ok(())
    };
    bundle
        .index
        .traverse_with_index(
            &bundle.pack,
            processor,
            &mut gix::progress::Discard,
            &interrupt,
            gix::odb::pack::index::traverse::with_index::Options {
                thread_limit: Some(threads.max(1)),
                check: gix::odb::pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerification,
                alloc_limit_bytes: alloc_limit,
            },
        )
        .map_err(|e| e.to_string())?;
    Ok(true)
}
