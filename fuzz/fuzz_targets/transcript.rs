//! Fuzzes the transcript parser: the span-keeping JSON tokenizer, the decoded view (escapes,
//! JSON-in-string, colour codes, line-number prefixes) and its raw-offset mapping. Every mapped
//! range must stay inside the input and every pointer lookup must succeed without panicking.
#![no_main]

use std::borrow::Cow;

use leakhound::sources::agents::{json, view::View};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json::parse(data, json::MAX_DEPTH) else {
        let v = View::text_with(Cow::Borrowed(data), leakhound::sources::agents::view::clean);
        let n = v.text().len();
        if n > 0 {
            let (a, b) = v.map_range(0, n);
            assert!(a <= b && b <= data.len());
        }
        return;
    };
    for i in 0..doc.nodes.len() {
        let _ = json::pointer(&doc.path(data, i));
        let _ = doc.str(data, i);
    }
    let v = View::json(Cow::Borrowed(data), doc, 3);
    let n = v.text().len();
    let step = (n / 64).max(1);
    let mut k = 0;
    while k < n {
        let (a, b) = v.map_range(k, (k + 7).min(n));
        assert!(a <= b && b <= data.len(), "{k}: {a}..{b} of {}", data.len());
        let _ = v.pointers(k);
        k += step;
    }
});
