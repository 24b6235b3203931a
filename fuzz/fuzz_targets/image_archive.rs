//! Fuzzes image archives: `docker save` and OCI tars, read front to back as a stream (how
//! compressed archives and the engine's export are read) or indexed from a file and read at
//! entry offsets (how plain archive files are read). Covers the tar reader, link resolution,
//! manifest.json / index.json / config parsing, planning, layer scans and attribution.
//! The first byte picks the reading mode, the archive kind, and a tag / platform selection.
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use leakhound::sources::image::ImageOptions;
use leakhound::sources::image::archive::{self, Kind};
use leakhound::sources::image::layer::{LayerCache, Limits};
use leakhound::sources::image::plan::Selection;
use leakhound::sources::image::reader::Budget;
use leakhound_fuzz::scanner;
use libfuzzer_sys::fuzz_target;

/// A scratch file for the file-based mode, one per process.
fn scratch() -> &'static tempfile::TempPath {
    static FILE: OnceLock<tempfile::TempPath> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = if std::path::Path::new("/dev/shm").is_dir() {
            std::path::PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        tempfile::Builder::new()
            .prefix("leakhound-fuzz-")
            .suffix(".tar")
            .tempfile_in(dir)
            .expect("scratch file")
            .into_temp_path()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let s = scanner();
    let budget = Budget::new(4 << 20);
    let cache = LayerCache::default();
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        budget: &budget,
        cache: &cache,
    };
    let kind = if mode & 1 == 0 {
        Kind::Docker
    } else {
        Kind::Oci
    };
    let tag = (mode & 2 != 0).then_some("app:1");
    let platform = (mode & 4 != 0).then(|| "linux/amd64".to_string());
    if mode & 8 == 0 {
        let sel = Selection {
            image: "fuzz.tar",
            tag,
            platform: platform.as_deref(),
        };
        let _ = archive::scan_stream(rest, kind, &sel, &|_| {}, &limits, &s);
    } else {
        let path = scratch();
        let mut f = std::fs::File::create(path).expect("scratch file writable");
        f.write_all(rest).expect("scratch file written");
        drop(f);
        let opts = ImageOptions {
            platform,
            max_layer_bytes: 1 << 20,
            max_image_bytes: 4 << 20,
            ..ImageOptions::default()
        };
        let _ = archive::scan(path, tag, kind, "fuzz.tar", &opts, &limits, &s);
    }
    leakhound_fuzz::finish(s);
});
