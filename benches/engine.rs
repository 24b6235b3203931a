//! Engine throughput on a generated corpus of realistic source files with planted fake secrets,
//! with the full embedded rule catalogue. Reports bytes/s.

#[path = "support/corpus.rs"]
mod corpus;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakhound::engine::{Engine, EngineOptions};

fn bench(c: &mut Criterion) {
    let rules = leakhound::rules::embedded().expect("embedded rules");
    let engine = Engine::new(rules, EngineOptions::default()).expect("engine");
    let files = corpus::corpus(7, 8 << 20, 12 << 10);
    let bytes: usize = files.iter().map(|(_, c, _)| c.len()).sum();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("scan_corpus_8MiB", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|(_, c, _)| engine.scan(c.as_bytes()).len())
                .sum::<usize>()
        })
    });
    g.finish();
    c.bench_function("compile_catalogue", |b| {
        b.iter(|| {
            Engine::new(
                leakhound::rules::embedded().expect("rules"),
                EngineOptions::default(),
            )
            .expect("engine")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
