//! Scans each unique blob exactly once, in parallel, in pack order (so the delta bases a
//! blob needs are usually still in the thread's cache), then attributes every finding to each
//! path the blob was introduced at. Blobs over the size limit are counted, not read.

use std::sync::Mutex;
use std::sync::atomic::Ordering;

use gix::ObjectId;
use gix::objs::{Find as _, FindHeader as _};
use rayon::prelude::*;

use crate::finding::Finding;
use crate::progress::Progress;
use crate::scan::Scanner;

use super::places::{Place, PlaceTable, first_per_path};
use super::repo::Opened;

/// Delta-base cache per scanning thread.
const PACK_CACHE: usize = 48 << 20;

/// Blobs skipped for size, for the closing warning.
#[derive(Default)]
struct TooLarge {
    count: u64,
    largest: Option<(u64, String)>,
}

/// Scans every blob of `table` and records the attributed findings in `scanner`.
pub fn scan(opened: &Opened, mut table: PlaceTable, scanner: &Scanner, progress: &Progress) {
    let mut blobs = table.take_blobs();
    if blobs.is_empty() {
        return;
    }
    let repo = opened.repo.to_thread_local();
    sort_by_pack_position(&repo, &mut blobs);
    let too_large = Mutex::new(TooLarge::default());
    let table = &table;
    blobs.par_iter().with_min_len(32).for_each_init(
        || {
            let mut repo = opened.repo.to_thread_local();
            repo.objects.set_pack_cache(|| {
                Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::new(
                    PACK_CACHE,
                ))
            });
            repo.object_cache_size(None);
            (repo, Vec::new())
        },
        |(repo, buf), (id, places)| {
            scan_blob(opened, repo, buf, table, id, places, scanner, &too_large);
            scanner.tick();
        },
    );
    progress.set_label(&format!("git {}", opened.display));
    let t = too_large.into_inner().unwrap_or_else(|e| e.into_inner());
    if t.count > 0 {
        scanner
            .stats
            .skipped_too_large
            .fetch_add(t.count, Ordering::Relaxed);
        let (size, what) = t.largest.unwrap_or_default();
        scanner.warn(format!(
            "{}: {} blob{} over --max-blob-size {} skipped (largest: {what}, {size} bytes)",
            opened.display,
            t.count,
            if t.count == 1 { "" } else { "s" },
            scanner.options().max_file_size
        ));
    }
}

/// Orders blobs by their position in the object database (pack by pack, by offset, then
/// loose objects).
fn sort_by_pack_position(repo: &gix::Repository, blobs: &mut [(ObjectId, Vec<Place>)]) {
    let mut rank: gix::hashtable::HashMap<ObjectId, u64> =
        blobs.iter().map(|(id, _)| (*id, u64::MAX)).collect();
    if let Ok(iter) = repo.objects.iter() {
        let iter = iter.with_ordering(
            gix::odb::store::iter::Ordering::PackAscendingOffsetThenLooseLexicographical,
        );
        for (n, id) in iter.enumerate() {
            if let Ok(id) = id
                && let Some(r) = rank.get_mut(&id)
                && *r == u64::MAX
            {
                *r = n as u64;
            }
        }
    }
    blobs.sort_by_key(|(id, _)| (rank.get(id).copied().unwrap_or(u64::MAX), *id));
}

/// Where a blob was first seen, for warnings.
fn describe_place(table: &PlaceTable, place: &Place) -> String {
    match place.commit.and_then(|i| table.commits.get(i as usize)) {
        Some(c) => format!("{} in commit {}", table.path(place.path), c.id),
        None => table.path(place.path).to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn scan_blob(
    opened: &Opened,
    repo: &gix::Repository,
    buf: &mut Vec<u8>,
    table: &PlaceTable,
    id: &ObjectId,
    places: &[Place],
    scanner: &Scanner,
    too_large: &Mutex<TooLarge>,
) {
    let firsts = first_per_path(places);
    let Some(first) = firsts.first() else {
        return;
    };
    let max = scanner.options().max_file_size;
    if max > 0 {
        match repo.objects.try_header(id) {
            Ok(Some(h)) if h.size > max => {
                if let Ok(mut t) = too_large.lock() {
                    t.count += 1;
                    if t.largest.as_ref().is_none_or(|(s, _)| h.size > *s) {
                        t.largest = Some((h.size, describe_place(table, first)));
                    }
                }
                return;
            }
            _ => {}
        }
    }
    let data = match repo.objects.try_find(id, buf) {
        Ok(Some(d)) if d.kind == gix::object::Kind::Blob => d.data,
        Ok(Some(d)) => {
            scanner.warn(format!(
                "{}: object {id} at {} is a {}, not a blob; skipped",
                opened.display,
                describe_place(table, first),
                d.kind
            ));
            return;
        }
        Ok(None) => {
            scanner.warn(format!(
                "{}: blob {id} at {} is missing from the object database; skipped",
                opened.display,
                describe_place(table, first)
            ));
            return;
        }
        Err(e) => {
            scanner.warn(format!(
                "{}: blob {id} at {} cannot be read ({e}); skipped",
                opened.display,
                describe_place(table, first)
            ));
            return;
        }
    };
    let others = places.len().saturating_sub(1) as u64;
    let first_source = table.source(&opened.display, id, first, others);
    let found = scanner.findings_in(data, table.path(first.path), &first_source);
    if found.is_empty() {
        return;
    }
    let mut out: Vec<Finding> = Vec::with_capacity(found.len() * firsts.len());
    for (i, place) in firsts.iter().enumerate() {
        let source = if i == 0 {
            first_source.clone()
        } else {
            table.source(&opened.display, id, place, others)
        };
        for f in &found {
            let mut f = f.clone();
            f.location.path = table.path(place.path).to_string();
            f.source = source.clone();
            out.push(f);
        }
    }
    scanner.push_findings(out);
}
