//! Fuzzes the engine's decoders (JSON string escapes, base64, percent-encoding): every segment
//! must lie inside the input, decode to something, and the budget must hold.
#![no_main]

use leakhound::engine::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for budget in [usize::MAX, 64] {
        let segs = decode::segments(data, budget);
        let mut used = 0usize;
        for s in &segs {
            assert!(
                s.start <= s.end && s.end <= data.len(),
                "{}..{}",
                s.start,
                s.end
            );
            assert!(matches!(s.kind, "json-string" | "base64" | "percent"));
            used += s.decoded.len();
        }
        assert!(used <= budget);
    }
});
