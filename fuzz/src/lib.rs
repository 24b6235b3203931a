//! Shared set-up for the fuzz targets: one engine over the embedded catalogue built once per
//! process, a single-threaded rayon pool (one fuzzer process per core), quiet scanners, and a
//! splitter that turns one fuzz input into several documents.

use std::sync::OnceLock;

use leakhound::engine::{Engine, EngineOptions};
use leakhound::progress::Progress;
use leakhound::scan::{ScanOptions, Scanner};

/// The embedded rule catalogue, compiled once per process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        leakhound::cli::init_threads(Some(1));
        let rules = leakhound::rules::embedded().expect("embedded rules parse");
        Engine::new(rules, EngineOptions::default()).expect("embedded rules compile")
    })
}

/// Whether `LEAKHOUND_FUZZ_DEBUG` is set: scanners then print their warnings and [`finish`]
/// prints each input's summary (for checking what seeds reach; never set while fuzzing).
pub fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("LEAKHOUND_FUZZ_DEBUG").is_some())
}

/// A scanner with `opts` that prints nothing (unless [`debug`]).
pub fn scanner_with(opts: ScanOptions) -> Scanner<'static> {
    let progress = if debug() {
        Progress::new(false, "fuzz")
    } else {
        Progress::hidden()
    };
    Scanner::new(engine(), opts, progress)
}

/// A quiet scanner with the default options, except that streamed files are read in the
/// smallest chunks the engine allows (the default 8 MB chunk buffer is zeroed for every
/// streamed file, which would dominate small inputs).
pub fn scanner() -> Scanner<'static> {
    scanner_with(ScanOptions {
        chunk_size: 1,
        ..ScanOptions::default()
    })
}

/// Ends a scan; its findings (printed with the summary when [`debug`]).
pub fn finish(s: Scanner<'_>) -> Vec<leakhound::finding::Finding> {
    let (findings, summary) = s.finish();
    if debug() {
        let rules: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
        eprintln!("findings {rules:?}\n{summary:?}");
    }
    findings
}

/// Separator between the documents of one fuzz input (rare in real data, easy for the fuzzer
/// to insert from the dictionary or the seeds).
pub const SEP: &[u8] = b"\n--8<--\n";

/// Splits `data` at every [`SEP`], at most `max` pieces (the last keeps the rest).
pub fn split(data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() + 1 < max {
        match memchr::memmem::find(rest, SEP) {
            Some(p) => {
                out.push(&rest[..p]);
                rest = &rest[p + SEP.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

/// Checks the invariants every finding must hold for a blob of `len` bytes.
pub fn check_findings(findings: &[leakhound::finding::Finding], len: usize) {
    for f in findings {
        let l = &f.location;
        assert!(l.offset <= l.end_offset, "{l:?}");
        assert!(l.end_offset as usize <= len, "{l:?} past {len}");
        assert!(l.line >= 1 && l.line <= l.end_line, "{l:?}");
        assert!(!f.rule_id.is_empty());
    }
}
