//! Fuzzes transcript reading per format: JSON Lines records (streamed), whole-file JSON with
//! its JSONL fallback, and text formats, each with the format's attribution tracker, the
//! reassembly of values split across records, and the redaction its findings plan. The first
//! byte picks the format (an index into `Format::ALL`) and the file's path.
#![no_main]

use std::path::Path;

use leakhound::sources::agents::Options;
use leakhound::sources::agents::emit::{Edit, Edits, Target};
use leakhound::sources::agents::formats::{Container, Format};
use leakhound::sources::agents::records::FileScan;
use leakhound::sources::agents::redact::{self, Plan};
use leakhound_fuzz::scanner;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    // SQLite formats are read through SQLite (not fuzzed here); their bytes go the text way.
    let format = Format::ALL[pick as usize % Format::ALL.len()];
    let path = if pick & 0x80 == 0 {
        Path::new("/fuzz/tool-results/toolu_01.txt")
    } else {
        Path::new("/fuzz/task-1/session.jsonl")
    };
    let s = scanner();
    let opts = Options {
        nest_depth: 3,
        // Small enough that long records take the plain-text path too.
        max_record: 4096,
    };
    let edits = Edits::default();
    let fs = FileScan {
        scanner: &s,
        opts: &opts,
        edits: Some(&edits),
        path,
        display: "fuzz",
        format,
    };
    match format.container() {
        Container::Jsonl => fs.jsonl(rest),
        Container::Json => fs.json(rest),
        _ => fs.text_file(rest),
    }
    let findings = leakhound_fuzz::finish(s);
    for f in &findings {
        assert!(
            f.location.end_offset as usize <= rest.len(),
            "{:?}",
            f.location
        );
    }
    // The redaction planned for this file fits it (the rewrite itself is checked for JSON
    // validity before anything is written, so that check may refuse; it must not panic).
    let plan = Plan::new(edits.into_inner().expect("not poisoned"));
    for list in plan.files.values() {
        let file: Vec<&Edit> = list.iter().filter(|e| e.target == Target::File).collect();
        let after = redact::apply(rest, &file).expect("planned edits fit the file");
        let _ = redact::still_valid(rest, &after, &file);
    }
});
