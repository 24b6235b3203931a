//! Fuzzes the configuration files read at a scan root: `.leakhound.toml` (TOML, exclude globs,
//! inline custom rules compiled into an engine) and `.gitleaksignore`.
#![no_main]

use std::path::Path;

use leakhound::baseline::parse_gitleaksignore;
use leakhound::config::Config;
use leakhound::engine::{Engine, EngineOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    leakhound_fuzz::engine();
    let text = String::from_utf8_lossy(data);
    let _ = parse_gitleaksignore(&text);
    let Ok(cfg) = Config::parse(&text, Path::new("fuzz/.leakhound.toml")) else {
        return;
    };
    let _ = leakhound::sources::fs::build_globs(&cfg.scan.exclude);
    if !cfg.rules.custom.is_empty() {
        let _ = Engine::new(cfg.rules.custom, EngineOptions::default());
    }
});
