//! Fuzzes baseline files (`--baseline`): a leakhound baseline or a JSON report used as one,
//! then matching a finding against what was loaded.
#![no_main]

use leakhound::baseline::Baseline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(b) = Baseline::parse(text, "fuzz.json") else {
        return;
    };
    // A loaded baseline accepts the findings it was made from.
    let again = serde_json::to_string(&b).expect("a baseline serializes");
    let b2 = Baseline::parse(&again, "again.json").expect("a written baseline loads");
    assert_eq!(b, b2);
});
