//! Fuzzes rule YAML loading the way `--rules` files and `rules check` take it: parse and
//! shape-check the YAML (including validation specs), compile the rules into an engine, then
//! expand every example template and scan it.
#![no_main]

use leakhound::engine::{Engine, EngineOptions};
use leakhound::rules::{check, parse_rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    leakhound_fuzz::engine();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rules) = parse_rules(text, "fuzz.yml") else {
        return;
    };
    let Ok(engine) = Engine::new(rules, EngineOptions::default()) else {
        return;
    };
    let _ = check::check(&engine);
});
