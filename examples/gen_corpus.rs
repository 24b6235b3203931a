//! Writes the deterministic benchmark corpus to a directory:
//! `cargo run --release --example gen_corpus -- DIR [TOTAL_MB] [FILES]`.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: gen_corpus DIR [TOTAL_MB] [FILES]"))?,
    );
    let mb: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(70);
    let files: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(6500);
    let total = mb << 20;
    let mut planted = 0;
    for (path, content, p) in corpus::corpus(1, total, total / files) {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(full, content)?;
        planted += p.len();
    }
    eprintln!(
        "wrote {files} files, {mb} MB, {planted} planted secrets to {}",
        dir.display()
    );
    Ok(())
}
