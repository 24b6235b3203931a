//! Times compiling each embedded rule alone (regex, allow patterns) and prints the most
//! expensive: `cargo run --release --example compile_cost [-- TOP]`.

use std::time::Instant;

use leakhound::engine::{Engine, EngineOptions};

fn main() -> anyhow::Result<()> {
    let top: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(25);
    let t = Instant::now();
    let rules = leakhound::rules::embedded()?;
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    println!("parsing the embedded YAML: {:.1} ms", ms(t));
    let t = Instant::now();
    let all = Engine::new(rules.clone(), EngineOptions::default())?;
    println!("engine (keywords, analysis): {:.1} ms", ms(t));
    let t = Instant::now();
    all.compile_all()?;
    println!(
        "compiling all {} regexes: {:.1} ms",
        all.rules().len(),
        ms(t)
    );
    let mut costs = Vec::new();
    for r in &rules {
        let mut one = r.clone();
        one.pair.clear();
        let t = Instant::now();
        Engine::new(vec![one], EngineOptions::default())?.compile_all()?;
        costs.push((t.elapsed().as_secs_f64() * 1000.0, r.id.clone()));
    }
    let total: f64 = costs.iter().map(|c| c.0).sum();
    println!("sum of single-rule compiles: {total:.1} ms");
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, id) in costs.iter().take(top) {
        println!("{ms:8.2} ms  {id}");
    }
    Ok(())
}
