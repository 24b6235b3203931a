//! Fuzzes one layer blob: compression sniffing, gzip / zstd decompression under the size caps,
//! hashing, the tar walk (long names, PAX, links, whiteouts) and scanning of every file. The
//! first byte picks whether the rest is the blob itself or a tar the harness compresses with
//! gzip or zstd first (so the tar inside compressed layers is reachable).
#![no_main]

use leakhound::sources::image::fixture::compress;
use leakhound::sources::image::layer::{self, LayerCache, Limits};
use leakhound::sources::image::oci::sha256_digest;
use leakhound::sources::image::reader::{Budget, Compression};
use leakhound_fuzz::scanner;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let blob = match mode % 3 {
        0 => rest.to_vec(),
        1 => compress(rest, Compression::Gzip),
        _ => compress(rest, Compression::Zstd),
    };
    let s = scanner();
    let budget = Budget::new(4 << 20);
    let cache = LayerCache::default();
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        budget: &budget,
        cache: &cache,
    };
    let expected = (mode & 0x80 != 0).then(|| sha256_digest(&blob));
    let scan = layer::scan_layer(&blob[..], "fuzz layer", expected.as_deref(), &limits, &s);
    if scan.complete {
        assert_eq!(scan.digest.as_deref(), Some(sha256_digest(&blob).as_str()));
        assert!(scan.diff_id.is_some());
    }
    if leakhound_fuzz::debug() {
        eprintln!(
            "layer complete {} with {} findings",
            scan.complete,
            scan.findings.len()
        );
    }
    for f in &scan.findings {
        assert!(f.location.path.starts_with('/'), "{}", f.location.path);
    }
    leakhound_fuzz::finish(s);
});
