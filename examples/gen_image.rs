//! Writes the deterministic image-benchmark input: a `docker save`-style archive (uncompressed
//! layers, Engine 20.10 shape) whose layers hold the benchmark corpus's source files, with a
//! secret in the config Env and a file deleted by the last layer.
//! `cargo run --release --example gen_image -- OUT.tar [TOTAL_MB] [LAYERS] [AVG_FILE_BYTES]`

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::path::PathBuf;

use leakhound::rules::template::{Rng, expand};
use leakhound::sources::image::fixture::{
    DockerStyle, Image, Item, Layer, layer_tar, write_docker_archive,
};
use leakhound::sources::image::reader::Compression;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or_else(|| {
        anyhow::anyhow!("usage: gen_image OUT.tar [TOTAL_MB] [LAYERS] [AVG_FILE_BYTES]")
    })?);
    let mb: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(600);
    let layers: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(8);
    let avg: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(16 << 10);
    let per_layer = (mb << 20) / layers.max(1);
    let mut image = Image::default();
    let mut i = 0usize;
    let mut planted = 0usize;
    let mut first_file = String::new();
    for l in 0..layers {
        let mut items = Vec::new();
        let mut bytes = 0usize;
        while bytes < per_layer {
            let (path, content, p) = corpus::file(7, i, avg / 2 + (i * 7919) % avg);
            let path = format!("usr/src/app/{path}");
            if first_file.is_empty() {
                first_file = path.clone();
            }
            bytes += content.len();
            planted += p.len();
            items.push(Item::File(path, content.into_bytes()));
            i += 1;
        }
        if l + 1 == layers && layers > 1 {
            // The last layer deletes a file of the first: still in the image, marked deleted.
            let (dir, name) = first_file.rsplit_once('/').unwrap_or(("", &first_file));
            items.push(Item::File(format!("{dir}/.wh.{name}"), Vec::new()));
        }
        image.layers.push(Layer {
            tar: layer_tar(&items, true),
            compression: Compression::None,
        });
        image.history.push((
            format!("/bin/sh -c #(nop) COPY dir:layer{l} in /usr/src/app"),
            false,
        ));
    }
    let mut r = Rng::from_seed("gen-image");
    image.env = vec![
        "PATH=/usr/local/bin:/usr/bin:/bin".into(),
        format!(
            "GITHUB_TOKEN={}",
            expand("«token:github_crc32:ghp_»", &mut r)?
        ),
    ];
    let built = image.build();
    write_docker_archive(
        &out,
        &[(&built, "bench/app:latest")],
        DockerStyle::Legacy,
        Compression::None,
    )?;
    eprintln!(
        "wrote {} ({i} files in {layers} layers, {mb} MB, {planted} planted secrets)",
        out.display()
    );
    Ok(())
}
