//! Inputs the fuzz targets in `fuzz/` found crashing (or hanging), replayed through the same
//! library entry points after the fix. Each test names its target and the minimized input;
//! token-shaped parts of an input are generated at run time, never stored.

mod support;

use std::path::Path;

use leakhound::finding::Finding;
use leakhound::progress::Progress;
use leakhound::rules::template::{Rng, expand};
use leakhound::scan::{ScanOptions, Scanner};
use leakhound::sources::agents::Options;
use leakhound::sources::agents::formats::Format;
use leakhound::sources::agents::records::FileScan;

fn scanner() -> Scanner<'static> {
    Scanner::new(
        support::engine(),
        ScanOptions::default(),
        Progress::hidden(),
    )
}

fn fake(template: &str) -> String {
    expand(template, &mut Rng::from_seed(template)).expect("valid template")
}

/// `transcript_formats`, as that target reads a text-format file.
fn scan_transcript_text(format: Format, data: &[u8]) -> Vec<Finding> {
    let s = scanner();
    let opts = Options::default();
    let fs = FileScan {
        scanner: &s,
        opts: &opts,
        edits: None,
        path: Path::new("/fuzz/.aider.llm.history"),
        display: "fuzz",
        format,
    };
    fs.text_file(data);
    s.finish().0
}

/// transcript_formats, crash-be65a653: a secret in Aider's LLM log after bytes that are not
/// UTF-8. The line was located in the lossily decoded text (three bytes per bad byte) and
/// used as an offset into the raw bytes, past their end.
#[test]
fn aider_attribution_after_invalid_utf8() {
    let mut data = vec![0xff; 40];
    data.push(b'\n');
    data.extend_from_slice(fake("«token:github_crc32:ghp_»").as_bytes());
    for format in [Format::AiderLlm, Format::AiderChat, Format::AiderInput] {
        let found = scan_transcript_text(format, &data);
        assert_eq!(found.len(), 1, "{format:?}");
        assert_eq!(found[0].rule_id, "github.pat.classic");
        assert_eq!(found[0].location.line, 2);
    }
}
