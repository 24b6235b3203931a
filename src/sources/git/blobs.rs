//! Scans each unique blob exactly once, in parallel, then attributes every finding to each
//! path the blob was introduced at. Packs holding many of the blobs are resolved in one pass
//! ([`packs`]); the remaining blobs are read one at a time in pack order, so the delta bases
//! they need are usually still in the thread's cache. Blobs over the size limit are counted,
//! not scanned.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use gix::ObjectId;
use gix::objs::{Find as _, FindHeader as _};
use rayon::prelude::*;

use crate::finding::Finding;
use crate::progress::Progress;
use crate::scan::Scanner;

use super::packs;
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
    let blobs = table.take_blobs();
    if blobs.is_empty() {
        return;
    }
    let table = &table;
    let position: super::IdMap<usize> = blobs
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let done: Vec<AtomicBool> = blobs.iter().map(|_| AtomicBool::new(false)).collect();
    let too_large = Mutex::new(TooLarge::default());
    let repo = opened.repo.to_thread_local();
    let threads = rayon::current_num_threads();
    let max = scanner.options().max_file_size;
    // As for the repository's own reads (repo::open): no entry over the size limit is allocated.
    let alloc_limit = (max > 0).then(|| usize::try_from(max).unwrap_or(usize::MAX));

    // Packs that hold many of the blobs: resolve each delta tree once.
    let wanted = |id: &ObjectId| {
        position
            .get(id)
            .is_some_and(|&i| !done[i].load(Ordering::Relaxed))
    };
    let on_blob = |id: &ObjectId, data: &[u8]| {
        let Some(&i) = position.get(id) else {
            return;
        };
        if done[i].swap(true, Ordering::Relaxed) {
            return;
        }
        let places = &blobs[i].1;
        if max > 0 && data.len() as u64 > max {
            note_too_large(&too_large, table, places, data.len() as u64);
        } else {
            scan_data(opened, table, id, places, data, scanner);
        }
        scanner.tick();
    };
    for index in packs::index_files(&repo) {
        if let Err(e) = packs::traverse(
            &index,
            repo.object_hash(),
            threads,
            alloc_limit,
            &wanted,
            &on_blob,
        ) {
            scanner.warn(format!(
                "{}: pack {} could not be read in one pass ({e}); reading its objects one by one",
                opened.display,
                index.with_extension("pack").display()
            ));
        }
    }

    // Everything else (loose objects, small shares of big packs, undecodable entries): one
    // object at a time, in pack order so delta bases are still cached.
    let mut rest: Vec<usize> = (0..blobs.len())
        .filter(|&i| !done[i].load(Ordering::Relaxed))
        .collect();
    if rest.len() > 1000 {
        sort_by_pack_position(&repo, &blobs, &mut rest);
    }
    rest.par_iter().with_min_len(32).for_each_init(
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
        |(repo, buf), &i| {
            let (id, places) = &blobs[i];
            lookup_and_scan(opened, repo, buf, table, id, places, scanner, &too_large);
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
            "{}: {} blob{} over --max-file-size {} skipped (largest: {what}, {size} bytes)",
            opened.display,
            t.count,
            if t.count == 1 { "" } else { "s" },
            scanner.options().max_file_size
        ));
    }
}

fn note_too_large(too_large: &Mutex<TooLarge>, table: &PlaceTable, places: &[Place], size: u64) {
    if let Ok(mut t) = too_large.lock() {
        t.count += 1;
        if t.largest.as_ref().is_none_or(|(s, _)| size > *s)
            && let Some(first) = places.first()
        {
            t.largest = Some((size, describe_place(table, first)));
        }
    }
}

/// Orders `rest` (indices into `blobs`) by position in the object database: pack by pack, by
/// offset, then loose objects.
fn sort_by_pack_position(
    repo: &gix::Repository,
    blobs: &[(ObjectId, Vec<Place>)],
    rest: &mut [usize],
) {
    let mut rank: super::IdMap<u64> = rest.iter().map(|&i| (blobs[i].0, u64::MAX)).collect();
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
    rest.sort_by_key(|&i| (rank.get(&blobs[i].0).copied().unwrap_or(u64::MAX), i));
}

/// Where a blob was first seen, for warnings.
fn describe_place(table: &PlaceTable, place: &Place) -> String {
    match place.commit.and_then(|i| table.commits.get(i as usize)) {
        Some(c) => format!("{} in commit {}", table.path(place.path), c.id),
        None => table.path(place.path).to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn lookup_and_scan(
    opened: &Opened,
    repo: &gix::Repository,
    buf: &mut Vec<u8>,
    table: &PlaceTable,
    id: &ObjectId,
    places: &[Place],
    scanner: &Scanner,
    too_large: &Mutex<TooLarge>,
) {
    let Some(first) = places.first() else {
        return;
    };
    let max = scanner.options().max_file_size;
    if max > 0
        && let Ok(Some(h)) = repo.objects.try_header(id)
        && h.size > max
    {
        note_too_large(too_large, table, places, h.size);
        return;
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
    scan_data(opened, table, id, places, data, scanner);
}

/// Scans one blob's bytes and records each finding at every path the blob was introduced at.
fn scan_data(
    opened: &Opened,
    table: &PlaceTable,
    id: &ObjectId,
    places: &[Place],
    data: &[u8],
    scanner: &Scanner,
) {
    let firsts = first_per_path(places);
    let Some(first) = firsts.first() else {
        return;
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
