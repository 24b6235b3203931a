//! Fuzzes git objects as the git source decodes and walks them, in memory: loose object files
//! (zlib stream, then the `<kind> <size>\0` header, as gix's loose store reads them), commit
//! parsing (`walk::read_commit`), annotated tags, tree parsing and the tree diff that finds
//! what each commit introduced (`diff::additions`), and the scan of every introduced blob.
//! `git_repo` runs the same objects through the whole source on disk, much more slowly.
//!
//! Object `k` (the `k`-th piece, pieces separated by `leakhound_fuzz::SEP`) has the id made of
//! the byte `k + 1` repeated 20 times, so commits, tags and trees in the input can point at
//! each other. A piece's first byte says how it is stored: `0x80` set, the rest is the loose
//! file (zlib and header included); `0x40` set, the rest is the object with its header;
//! otherwise the low two bits pick commit / tree / blob / tag and the rest is its content.
#![no_main]

use std::collections::HashMap;
use std::io::Read;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::{Data, Find, Kind};
use leakhound::finding::Source;
use leakhound::sources::git::{diff, walk};
use leakhound_fuzz::{scanner, split};
use libfuzzer_sys::fuzz_target;

const MAX_OBJECTS: usize = 8;

/// Largest inflated loose object kept (a zlib bomb in 2 KB of input stays cheap).
const MAX_INFLATED: u64 = 1 << 20;

/// An object database in memory.
struct Objects(HashMap<ObjectId, (Kind, Vec<u8>)>);

impl Find for Objects {
    fn try_find<'a>(
        &self,
        id: &gix::oid,
        buffer: &'a mut Vec<u8>,
    ) -> gix::Result<Option<Data<'a>>> {
        let Some((kind, data)) = self.0.get(id) else {
            return Ok(None);
        };
        buffer.clear();
        buffer.extend_from_slice(data);
        Ok(Some(Data {
            kind: *kind,
            object_hash: gix::hash::Kind::Sha1,
            data: buffer,
        }))
    }
}

fn id(k: usize) -> ObjectId {
    ObjectId::Sha1([k as u8 + 1; 20])
}

/// An object with its header: the header must parse and its size must be the body's.
fn with_header(obj: &[u8]) -> Option<(Kind, Vec<u8>)> {
    let (kind, size, at) = gix::objs::decode::loose_header(obj).ok()?;
    let body = obj.get(at..)?;
    (body.len() as u64 == size).then(|| (kind, body.to_vec()))
}

/// A loose object file: inflate, then the header.
fn loose(file: &[u8]) -> Option<(Kind, Vec<u8>)> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(file)
        .take(MAX_INFLATED)
        .read_to_end(&mut out)
        .ok()?;
    with_header(&out)
}

fn object(piece: &[u8]) -> Option<(Kind, Vec<u8>)> {
    let (&how, body) = piece.split_first()?;
    if how & 0x80 != 0 {
        loose(body)
    } else if how & 0x40 != 0 {
        with_header(body)
    } else {
        let kind = [Kind::Commit, Kind::Tree, Kind::Blob, Kind::Tag][(how & 3) as usize];
        Some((kind, body.to_vec()))
    }
}

fuzz_target!(|data: &[u8]| {
    let pieces = split(data, MAX_OBJECTS);
    let objects = Objects(
        pieces
            .iter()
            .enumerate()
            .filter_map(|(k, p)| object(p).map(|o| (id(k), o)))
            .collect(),
    );
    let mut buf = Vec::new();
    // Where history starts: every commit, and what every annotated tag points at.
    let mut starts: Vec<ObjectId> = Vec::new();
    for k in 0..pieces.len() {
        match objects.0.get(&id(k)) {
            Some((Kind::Commit, _)) => starts.push(id(k)),
            Some((Kind::Tag, d)) => {
                if let Ok(t) = gix::objs::TagRef::from_bytes(d, gix::hash::Kind::Sha1) {
                    starts.push(t.target());
                }
            }
            _ => {}
        }
    }
    let mut introduced = Vec::new();
    for c in starts {
        let Ok(meta) = walk::read_commit(&objects, &c, &mut buf) else {
            continue;
        };
        let parent_tree = meta
            .parents
            .first()
            .and_then(|p| walk::read_commit(&objects, p, &mut buf).ok())
            .map(|p| p.tree);
        let _ = diff::additions(
            &objects,
            parent_tree.as_ref(),
            &meta.tree,
            &diff::DiffLimits::default(),
            &mut introduced,
        );
    }
    let s = scanner();
    let source = Source::File {
        path: "fuzz".into(),
    };
    // Each blob once, under its first path (the source attributes the rest afterwards).
    let mut seen = std::collections::HashSet::new();
    for (path, blob) in introduced {
        if !seen.insert(blob) {
            continue;
        }
        if let Ok(Some(d)) = objects.try_find(&blob, &mut buf)
            && d.kind == Kind::Blob
        {
            let _ = s.scan_bytes(d.data, &path.to_str_lossy(), &source);
        }
    }
    leakhound_fuzz::finish(s);
});
