//! Times each rule alone over the benchmark corpus, to find rules that cost more than they
//! should: `cargo run --release --example rule_cost [-- TOP]`.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::time::Instant;

use leakhound::engine::{Engine, EngineOptions};

fn main() -> anyhow::Result<()> {
    let top: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(25);
    let files = corpus::corpus(7, 8 << 20, 12 << 10);
    let rules = leakhound::rules::embedded()?;
    let opts = EngineOptions {
        decode_depth: 0,
        ..EngineOptions::default()
    };
    let mut costs = Vec::new();
    for r in &rules {
        let mut one = r.clone();
        one.pair.clear();
        let e = Engine::new(vec![one], opts.clone())?;
        let t = Instant::now();
        let n: usize = files
            .iter()
            .map(|(_, c, _)| e.scan(c.as_bytes()).len())
            .sum();
        costs.push((
            t.elapsed().as_secs_f64() * 1000.0,
            r.id.clone(),
            n,
            e.rules()[0].max_len,
        ));
    }
    println!("all rules together: {:.0} ms", without(&files, |_| false));
    println!(
        "without generic.*: {:.0} ms",
        without(&files, |r| r.id.starts_with("generic."))
    );
    for kw in ["token", "secret", "password", "key", "auth", "api"] {
        println!(
            "without rules keyed on words containing {kw:?}: {:.0} ms",
            without(&files, |r| r
                .keywords
                .iter()
                .any(|k| k.to_ascii_lowercase().contains(kw)))
        );
    }
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = costs.iter().map(|c| c.0).sum();
    println!(
        "total {total:.0} ms over {} rules (8 MiB, one thread, no decoding)",
        costs.len()
    );
    for (ms, id, n, max) in costs.iter().take(top) {
        println!("{ms:8.1} ms  {id:<48} matches {n:<5} max_len {max:?}");
    }
    Ok(())
}

/// Time of the whole catalogue minus the rules `drop` selects.
#[allow(dead_code)]
pub fn without(
    files: &[(String, String, Vec<&str>)],
    drop: impl Fn(&leakhound::rules::Rule) -> bool,
) -> f64 {
    let rules: Vec<_> = leakhound::rules::embedded()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !drop(r))
        .map(|mut r| {
            r.pair.clear();
            r
        })
        .collect();
    let e = Engine::new(
        rules,
        EngineOptions {
            decode_depth: 0,
            ..EngineOptions::default()
        },
    )
    .expect("engine");
    let t = Instant::now();
    let _: usize = files
        .iter()
        .map(|(_, c, _)| e.scan(c.as_bytes()).len())
        .sum();
    t.elapsed().as_secs_f64() * 1000.0
}
