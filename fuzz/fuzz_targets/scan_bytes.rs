//! Fuzzes the full engine over arbitrary bytes through the scanner: classification (text,
//! UTF-16, binary strings), keyword windows, regexes, filters, decoders, pairing, and finding
//! construction. The first byte picks the path: a whole buffer, its printable strings
//! (`--scan-binary`), or a stream read in the smallest chunks the engine allows.
#![no_main]

use leakhound::content::{self, Content};
use leakhound::finding::Source;
use leakhound::scan::ScanOptions;
use leakhound_fuzz::{check_findings, scanner_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    let source = Source::File {
        path: "fuzz.txt".into(),
    };
    let text = content::classify(data) == Content::Text;
    let s = scanner_with(ScanOptions {
        scan_binary: mode & 1 != 0,
        chunk_size: 1,
        max_findings_per_file: 3,
        ..ScanOptions::default()
    });
    let found = if mode & 2 == 0 {
        s.scan_bytes(data, "fuzz.txt", &source)
    } else {
        let head = data[..data.len().min(content::SNIFF_LEN)].to_vec();
        let mut rest = &data[head.len()..];
        s.scan_stream(head, &mut rest, "fuzz.txt", &source)
    };
    if text {
        check_findings(&found, data.len());
    }
    assert!(found.len() <= 3);
    leakhound_fuzz::finish(s);
});
