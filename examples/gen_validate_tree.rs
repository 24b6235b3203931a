//! Generates a tree for the validation benchmark: UNIQUE distinct fake GitHub tokens, each
//! repeated in COPIES further files (one request per unique secret is expected), plus one AWS
//! key pair per ten tokens. Values are fake and deterministic.
//!
//!     cargo run --release --example gen_validate_tree -- DIR [UNIQUE] [COPIES]

use std::fs;
use std::path::PathBuf;

use leakhound::rules::template::{Rng, expand};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    // Default outside the work tree: the files hold token-shaped values.
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("leakhound-validate-tree"));
    let unique: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(300);
    let copies: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(4);
    fs::create_dir_all(&dir)?;
    for i in 0..unique {
        let mut rng = Rng::from_seed(&format!("bench-token-{i}"));
        let tok = expand("«token:github_crc32:ghp_»", &mut rng)?;
        for c in 0..=copies {
            let sub = dir.join(format!("svc{:03}", i % 50));
            fs::create_dir_all(&sub)?;
            fs::write(
                sub.join(format!("ci-{i}-{c}.env")),
                format!("# deploy settings\nGITHUB_TOKEN={tok}\nLOG_LEVEL=info\n"),
            )?;
        }
        if i % 10 == 0 {
            let akid = expand("AKIA«upper:16»", &mut rng)?;
            let sak = expand("«b64:40»", &mut rng)?;
            fs::write(
                dir.join(format!("aws-{i}.ini")),
                format!("[default]\naws_access_key_id = {akid}\naws_secret_access_key = {sak}\n"),
            )?;
        }
    }
    println!(
        "{} unique tokens, {} files",
        unique,
        unique * (copies + 1) + unique.div_ceil(10)
    );
    Ok(())
}
