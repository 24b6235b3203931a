//! Fuzzes the full engine over arbitrary bytes through the scanner: classification (text,
//! UTF-16, binary strings), keyword windows, regexes, filters, decoders, pairing, and finding
//! construction, whole-buffer and streamed in chunks.
#![no_main]

use leakhound::content::{self, Content};
use leakhound::finding::Source;
use leakhound::scan::ScanOptions;
use leakhound_fuzz::{check_findings, scanner, scanner_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = Source::File {
        path: "fuzz.txt".into(),
    };
    let text = content::classify(data) == Content::Text;
    let s = scanner();
    let found = s.scan_bytes(data, "fuzz.txt", &source);
    if text {
        check_findings(&found, data.len());
    }
    leakhound_fuzz::finish(s);

    // Binary strings, and a stream read in the smallest chunks the engine allows.
    let s = scanner_with(ScanOptions {
        scan_binary: true,
        chunk_size: 1,
        max_findings_per_file: 3,
        ..ScanOptions::default()
    });
    let _ = s.findings_in(data, "fuzz.bin", &source);
    let head = data[..data.len().min(content::SNIFF_LEN)].to_vec();
    let mut rest = &data[head.len()..];
    let found = s.stream_findings(head, &mut rest, "fuzz.txt", &source);
    if text {
        check_findings(&found, data.len());
    }
    assert!(found.len() <= 3);
});
