//! Images in the local Docker engine, through bollard: connect as `DOCKER_HOST` says (default:
//! the local socket), negotiate the API version (engines as old as API 1.41 answer), inspect the
//! image (id, repo digests), then stream its export (`GET /images/{name}/get`, a `docker save`
//! archive) through the archive reader without writing it anywhere.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use futures_util::StreamExt;

use super::archive::{self, Kind};
use super::layer::Limits;
use super::plan::Selection;
use super::reader::ChannelReader;
use super::{ImageOptions, PlannedImage};
use crate::scan::Scanner;

/// How long one engine request (including a whole export) may take.
const TIMEOUT: Duration = Duration::from_secs(6 * 3600);

/// Where the engine is expected, for error messages.
fn engine_address() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string())
}

/// Scans image `name` of the local engine.
pub fn scan(
    name: &str,
    display: &str,
    opts: &ImageOptions,
    limits: &Limits,
    scanner: &Scanner,
) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let docker = rt
        .block_on(async {
            bollard::Docker::connect_with_defaults()?
                .with_timeout(TIMEOUT)
                .negotiate_version()
                .await
        })
        .with_context(|| format!("cannot reach the Docker engine at {}", engine_address()))?;
    let info = rt
        .block_on(docker.inspect_image(name))
        .map_err(|e| match e {
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            } => anyhow!("{display}: no such image in the Docker engine"),
            e => anyhow!("{display}: image inspect failed: {e}"),
        })?;
    let image_id = info.id.clone().unwrap_or_default();
    let manifest_digest = info
        .repo_digests
        .iter()
        .flatten()
        .find_map(|d| d.split_once('@').map(|(_, d)| d.to_string()));
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(16);
    let export_name = name.to_string();
    let exporter = docker.clone();
    let producer = rt.spawn(async move {
        let mut s = exporter.export_image(&export_name);
        while let Some(chunk) = s.next().await {
            let item = chunk
                .map(Vec::from)
                .map_err(|e| std::io::Error::other(format!("export stream: {e}")));
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                break;
            }
        }
    });
    let sel = Selection {
        image: display,
        tag: None,
        platform: opts.platform.as_deref(),
    };
    let fixup = |img: &mut PlannedImage| {
        if img.id.manifest_digest.is_none() {
            img.id.manifest_digest = manifest_digest.clone();
        }
        if !image_id.is_empty() && img.id.config_digest != image_id {
            scanner.warn(format!(
                "{display}: exported config {} differs from the inspected image id {image_id}",
                img.id.config_digest
            ));
        }
    };
    let result = archive::scan_stream(
        ChannelReader::new(rx),
        Kind::Docker,
        &sel,
        &fixup,
        limits,
        scanner,
    );
    producer.abort();
    let _ = rt.block_on(producer);
    result
}
