//! Fuzzes the whole git source over a repository on disk: the pieces of the input become the
//! loose objects (and optionally the index) of a scratch repository, which the git source then
//! scans as usual: ref peeling, the commit walk, tree diffs, blob reading and attribution, and
//! the `--all-objects` and `--staged` paths, with gix reading the files exactly as for a real
//! repository. Slower than `git_objects` (files and refs per input); run it after that one.
//!
//! Object `k` (the `k`-th piece, pieces separated by `leakhound_fuzz::SEP`) is stored under
//! the id made of the byte `k + 1` repeated 20 times; `refs/heads/main` names object 0 and
//! `refs/tags/v1` object 1, so commits and trees in the input can point at each other. A
//! piece's first byte says how it is stored: `0x80` set, the rest is the loose file verbatim
//! (zlib and header included); `0x40` set, the rest is the uncompressed object with its
//! header; otherwise the low two bits pick commit / tree / blob / tag and the harness adds the
//! header. The input's first byte holds flags: bit 0 `--all-objects`, bit 1 `--staged` (piece 0
//! is then the index file, completed with its trailing checksum).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use leakhound::progress::Progress;
use leakhound::sources::git::{self, GitOptions, diff::DiffLimits, repo::Opened};
use leakhound::scan::{ScanOptions, Scanner};
use leakhound_fuzz::{scanner_with, split};
use libfuzzer_sys::fuzz_target;

const MAX_OBJECTS: usize = 8;

struct Repo {
    _dir: tempfile::TempDir,
    git_dir: PathBuf,
    opened: Opened,
    /// How many object files the previous input wrote.
    written: Mutex<usize>,
}

/// The fuzz scanner, with a 16 MiB size limit (the repository's allocation limit too), so that
/// objects whose headers claim up to the 100 MB `git` default do not slow every input down.
fn scanner() -> Scanner<'static> {
    scanner_with(ScanOptions {
        max_file_size: 16 << 20,
        chunk_size: 1,
        ..ScanOptions::default()
    })
}

fn object_path(git_dir: &Path, k: usize) -> PathBuf {
    let hex = format!("{:02x}", k + 1).repeat(20);
    git_dir.join("objects").join(&hex[..2]).join(&hex[2..])
}

fn repo() -> &'static Repo {
    static REPO: OnceLock<Repo> = OnceLock::new();
    REPO.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("leakhound-fuzz-git-")
            .tempdir_in(base)
            .expect("scratch dir");
        let work = dir.path().join("repo");
        gix::init(&work).expect("git init");
        let git_dir = work.join(".git");
        let id = |k: usize| format!("{:02x}", k + 1).repeat(20) + "\n";
        std::fs::write(git_dir.join("refs/heads/main"), id(0)).expect("ref");
        std::fs::write(git_dir.join("refs/tags/v1"), id(1)).expect("ref");
        for k in 0..MAX_OBJECTS {
            if let Some(p) = object_path(&git_dir, k).parent() {
                std::fs::create_dir_all(p).expect("object dir");
            }
        }
        let s = scanner();
        let opened = git::repo::open(&work, &s).expect("scratch repository opens");
        Repo {
            _dir: dir,
            git_dir,
            opened,
            written: Mutex::new(0),
        }
    })
}

/// `data` as a zlib stream of stored (uncompressed) blocks: what gix reads, without the cost
/// of compressing every input.
fn zlib(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(0xffff).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(b) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = b.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// The loose file for one piece.
fn loose_file(piece: &[u8]) -> Vec<u8> {
    let Some((&how, body)) = piece.split_first() else {
        return zlib(b"blob 0\0");
    };
    if how & 0x80 != 0 {
        return body.to_vec();
    }
    if how & 0x40 != 0 {
        return zlib(body);
    }
    let kind = ["commit", "tree", "blob", "tag"][(how & 3) as usize];
    let mut obj = format!("{kind} {}\0", body.len()).into_bytes();
    obj.extend_from_slice(body);
    zlib(&obj)
}

fn index_file(body: &[u8]) -> Vec<u8> {
    let mut h = gix::hash::hasher(gix::hash::Kind::Sha1);
    h.update(body);
    let mut out = body.to_vec();
    if let Ok(id) = h.try_finalize() {
        out.extend_from_slice(id.as_bytes());
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let r = repo();
    let staged = flags & 2 != 0;
    let mut pieces = split(rest, MAX_OBJECTS + 1);
    let index = if staged { Some(pieces.remove(0)) } else { None };
    pieces.truncate(MAX_OBJECTS);
    let mut written = r.written.lock().expect("not poisoned");
    for k in pieces.len()..*written {
        let _ = std::fs::remove_file(object_path(&r.git_dir, k));
    }
    for (k, p) in pieces.iter().enumerate() {
        std::fs::write(object_path(&r.git_dir, k), loose_file(p)).expect("object written");
    }
    *written = pieces.len();
    let index_path = r.git_dir.join("index");
    match index {
        Some(i) => std::fs::write(&index_path, index_file(i)).expect("index written"),
        None => {
            let _ = std::fs::remove_file(&index_path);
        }
    }
    let s = scanner();
    // Smaller diff budgets than a real scan: the limit paths are still reached, but a tree
    // bomb costs a few milliseconds instead of a million entries per input.
    let opts = GitOptions {
        all_objects: flags & 1 != 0,
        staged,
        diff_limits: DiffLimits {
            depth: 64,
            entries: 1 << 14,
            path_bytes: 1 << 20,
        },
        ..GitOptions::default()
    };
    let _ = git::scan_repo(&r.opened, &opts, &s, &Progress::hidden());
    leakhound_fuzz::finish(s);
});
