//! `leakhound image` on files: docker-archive (Engine 20.10, skopeo and Docker ≥ 25 shapes,
//! plain and compressed), OCI layouts, OCI archives and multi-platform indexes, plus every kind
//! of bad input the issue lists.

mod image_support;

use image_support::*;
use leakhound::sources::image::fixture::{
    self, DockerStyle, Image, Item, Layer, layer_tar, write_docker_archive, write_oci_layout,
};
use leakhound::sources::image::reader::Compression;
use serde_json::Value;

fn json_run(image_ref: &str, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["--format", "json", "--show-secrets", image_ref];
    args.extend_from_slice(extra);
    let r = run(&args);
    let v = r.json();
    (r, v)
}

#[test]
fn docker_archives_of_every_shape_yield_the_same_findings() {
    let t = Tokens::new("archive");
    let built = standard_image(&t, "amd64").build();
    let dir = tempfile::tempdir().unwrap();
    let mut refs = Vec::new();
    for (style, outer, name) in [
        (DockerStyle::Legacy, Compression::None, "legacy.tar"),
        (DockerStyle::Legacy, Compression::Gzip, "legacy.tar.gz"),
        (DockerStyle::Skopeo, Compression::None, "skopeo.tar"),
        (DockerStyle::OciLayout, Compression::None, "docker25.tar"),
        (
            DockerStyle::OciLayout,
            Compression::Zstd,
            "docker25.tar.zst",
        ),
    ] {
        let p = dir.path().join(name);
        write_docker_archive(&p, &[(&built, "lab/app:1.0")], style, outer).unwrap();
        refs.push((format!("docker-archive:{}", p.display()), style, name));
    }
    let all: Vec<String> = refs.iter().map(|r| r.0.clone()).collect();
    let (r, report) = json_run_many(&all, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "unexpected warnings: {}", r.stderr);
    for (image, style, name) in refs {
        let rep = only(&report, &image);
        check_standard(&rep, &t, &image);
        let f = &rep["findings"][0]["source"];
        assert_eq!(f["config_digest"], built.config_digest.as_str(), "{name}");
        assert_eq!(f["platform"], "linux/amd64");
        if style == DockerStyle::OciLayout {
            assert_eq!(
                f["manifest_digest"],
                built.manifest_digest.as_str(),
                "{name}"
            );
        }
    }
    // Picking one image of a multi-image archive by tag; layers shared by both are scanned once.
    let other = {
        let mut img = standard_image(&t, "amd64");
        img.env.push("EXTRA=1".into());
        img.build()
    };
    let p = dir.path().join("two.tar");
    write_docker_archive(
        &p,
        &[(&built, "lab/app:1.0"), (&other, "lab/app:2.0")],
        DockerStyle::Legacy,
        Compression::None,
    )
    .unwrap();
    let image = format!("docker-archive:{}", p.display());
    let (_, both) = json_run(&image, &[]);
    let (_, one) = json_run(&format!("{image}:lab/app:2.0"), &[]);
    check_standard(&one, &t, &format!("{image}:lab/app:2.0"));
    assert_eq!(
        one["findings"][0]["source"]["config_digest"],
        other.config_digest.as_str()
    );
    let files = |v: &Value| v["summary"]["files_scanned"].as_u64().unwrap();
    // Two configs' worth of text blobs more, not a second copy of the layers.
    assert_eq!(
        files(&both),
        files(&one) + 4,
        "shared layers must be scanned once"
    );
    // Across the references of one run too: of the five archives of one image, the plain
    // ones reuse the layers seen first; the compressed ones are read front to back (the
    // manifest comes last), so their layers are scanned as they pass.
    let layer_files = files(&one) - 4;
    assert_eq!(
        files(&report),
        5 * 4 + 3 * layer_files,
        "layers seen in an earlier reference are not scanned again"
    );
    assert_eq!(
        with_secret(&both, &t.top_gh).len(),
        2,
        "a shared layer's finding is attributed to both images"
    );
}

#[test]
fn oci_layouts_archives_tags_and_platforms() {
    let t = Tokens::new("oci");
    let amd = standard_image(&t, "amd64").build();
    let arm = standard_image(&t, "arm64").build();
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("single");
    write_oci_layout(&single, &[&amd], "v1").unwrap();
    let archive = dir.path().join("single.tar");
    fixture::tar_dir(&single, &archive).unwrap();
    let refs = [
        format!("oci:{}", single.display()),
        format!("oci:{}:v1", single.display()),
        format!("oci-archive:{}", archive.display()),
        format!("oci:{}:v2", single.display()),
    ];
    let (run_a, report) = json_run_many(&refs, &[]);
    assert_eq!(run_a.code, 1, "{}", run_a.stderr);
    for r in &refs[..3] {
        let rep = only(&report, r);
        check_standard(&rep, &t, r);
        assert_eq!(
            rep["findings"][0]["source"]["manifest_digest"],
            amd.manifest_digest.as_str()
        );
    }
    assert!(
        run_a.stderr.contains("no image tagged \"v2\" (tags: v1)"),
        "{}",
        run_a.stderr
    );

    // A multi-platform index: all platforms by default, one with --platform.
    let multi = dir.path().join("multi");
    write_oci_layout(&multi, &[&amd, &arm], "latest").unwrap();
    let r = format!("oci:{}", multi.display());
    let (_, all) = json_run(&r, &[]);
    let (_, only_arm) = json_run(&r, &["--platform", "linux/arm64"]);
    let platforms = |v: &Value| {
        let mut p: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["source"]["platform"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p.dedup();
        p
    };
    assert_eq!(platforms(&all), ["linux/amd64", "linux/arm64"]);
    assert_eq!(platforms(&only_arm), ["linux/arm64"]);
    check_standard(&only_arm, &t, &r);
    let files = |v: &Value| v["summary"]["files_scanned"].as_u64().unwrap();
    assert_eq!(
        files(&all),
        files(&only_arm) + 4,
        "layers shared by platforms are scanned once"
    );
    let none = run(&[&r, "--platform", "linux/s390x"]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr
            .contains("no image for platform linux/s390x (available: linux/amd64, linux/arm64)"),
        "{}",
        none.stderr
    );
    let multi_tar = dir.path().join("multi.tar");
    fixture::tar_dir(&multi, &multi_tar).unwrap();
    let r = format!("oci-archive:{}", multi_tar.display());
    let (_, rep) = json_run(&r, &["--platform", "linux/amd64"]);
    check_standard(&rep, &t, &r);
}

#[test]
fn text_and_sarif_reports_explain_image_findings_without_leaking() {
    let t = Tokens::new("formats");
    let built = standard_image(&t, "amd64").build();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.tar");
    write_docker_archive(
        &p,
        &[(&built, "lab/app:1.0")],
        DockerStyle::Legacy,
        Compression::None,
    )
    .unwrap();
    let image = format!("docker-archive:{}", p.display());
    let text = run(&[&image]);
    assert_eq!(text.code, 1);
    for want in [
        "deleted in layer 1",
        "/app/config/.env",
        "RUN in history entry 4 → layer 2",
        "ENV in history entry 1",
        "config Env[3] AWS_SECRET_ACCESS_KEY",
        "config label org.example.token",
        "config Cmd",
        "layer 2 (sha256:",
        "created by history entry 4",
    ] {
        assert!(
            text.stdout.contains(want),
            "text report lacks {want:?}:\n{}",
            text.stdout
        );
    }
    let sarif = run(&["--format", "sarif", &image]);
    assert_eq!(sarif.code, 1);
    let doc: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let deleted = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| u.ends_with("app/config/.env"))
        })
        .expect("SARIF result for the deleted file");
    let src = &deleted["properties"]["source"];
    assert_eq!(src["kind"], "image");
    assert_eq!(src["part"]["deleted_in"], 1);
    assert!(
        deleted["message"]["text"]
            .as_str()
            .unwrap()
            .contains("deleted in layer 1")
    );
    assert!(
        results
            .iter()
            .any(|r| r["properties"]["source"]["part"]["field"] == "history")
    );
    for secret in [
        &t.deleted_file_gh,
        &t.env_gh,
        &t.aws_secret,
        &t.run_gh,
        &t.label_gh,
    ] {
        assert!(
            !text.stdout.contains(secret.as_str()),
            "text report leaks a secret"
        );
        assert!(
            !sarif.stdout.contains(secret.as_str()),
            "SARIF leaks a secret"
        );
        assert!(!text.stderr.contains(secret.as_str()));
    }
}

/// A layer holding one file with a token, for the bad-input tests.
fn token_layer(path: &str, token: &str, c: Compression) -> Layer {
    Layer {
        tar: layer_tar(
            &[Item::File(path.into(), format!("t={token}\n").into_bytes())],
            true,
        ),
        compression: c,
    }
}

fn image_of(layers: Vec<Layer>) -> Image {
    let n = layers.len();
    Image {
        layers,
        history: (0..n).map(|i| (format!("COPY {i} /"), false)).collect(),
        ..Default::default()
    }
}

fn blob_path(layout: &std::path::Path, digest: &str) -> std::path::PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

#[test]
fn hostile_and_broken_inputs_warn_and_the_rest_is_scanned() {
    let t = Tokens::new("hostile");
    let dir = tempfile::tempdir().unwrap();
    let escape = format!("leakhound-escape-{}", std::process::id());

    // `..` and absolute names: reported as paths inside the image, never written anywhere.
    let evil = Layer {
        tar: layer_tar(
            &[
                Item::File(
                    format!("../../../../tmp/{escape}"),
                    format!("t={}\n", t.env_gh).into_bytes(),
                ),
                Item::File(
                    "/etc/abs.txt".into(),
                    format!("t={}\n", t.label_gh).into_bytes(),
                ),
            ],
            true,
        ),
        compression: Compression::Gzip,
    };
    let img = image_of(vec![
        evil,
        token_layer("ok.txt", &t.kept_gh, Compression::None),
    ])
    .build();
    let p = dir.path().join("evil.tar");
    write_docker_archive(
        &p,
        &[(&img, "evil:1")],
        DockerStyle::Legacy,
        Compression::None,
    )
    .unwrap();
    let evil_ref = format!("docker-archive:{}", p.display());

    // A layout with: a corrupt gzip layer, a missing blob, a blob whose content does not match
    // its digest, a truncated plain layer, and one good layer.
    let big_prefix = "x".repeat(4000);
    let truncated_tar = layer_tar(
        &[
            Item::File("first.txt".into(), format!("t={}\n", t.cmd_gh).into_bytes()),
            Item::File(
                "second.txt".into(),
                format!("{big_prefix}{}\n", t.run_gh).into_bytes(),
            ),
        ],
        true,
    );
    let img = image_of(vec![
        token_layer("corrupt.txt", &t.aws_id, Compression::Gzip),
        token_layer("missing.txt", &t.deleted_file_gh, Compression::Gzip),
        token_layer("swapped.txt", &t.opaque_gh, Compression::None),
        Layer {
            tar: truncated_tar,
            compression: Compression::None,
        },
        token_layer("good.txt", &t.top_gh, Compression::Zstd),
    ])
    .build();
    let layout = dir.path().join("broken");
    write_oci_layout(&layout, &[&img], "latest").unwrap();
    // Corrupt the middle of the gzip stream.
    let p0 = blob_path(&layout, &img.layers[0].0);
    let mut gz = std::fs::read(&p0).unwrap();
    let mid = gz.len() / 2;
    for b in &mut gz[mid..mid + 8] {
        *b ^= 0x5a;
    }
    std::fs::write(&p0, gz).unwrap();
    std::fs::remove_file(blob_path(&layout, &img.layers[1].0)).unwrap();
    let swapped = layer_tar(
        &[
            Item::File(
                "swapped.txt".into(),
                format!("t={}\n", t.opaque_gh).into_bytes(),
            ),
            Item::File("extra.txt".into(), b"more".to_vec()),
        ],
        true,
    );
    std::fs::write(blob_path(&layout, &img.layers[2].0), swapped).unwrap();
    let p3 = blob_path(&layout, &img.layers[3].0);
    let plain = std::fs::read(&p3).unwrap();
    std::fs::write(&p3, &plain[..512 + 512 + 512 + 2048]).unwrap();
    let image = format!("oci:{}", layout.display());
    let (r, rep) = json_run_many(&[image.clone(), evil_ref], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 entries with an absolute or `..` path"),
        "{}",
        r.stderr
    );
    assert!(!std::path::Path::new("/tmp").join(&escape).exists());
    assert_eq!(
        with_secret(&rep, &t.env_gh)[0]["location"]["path"],
        format!("/tmp/{escape}")
    );
    assert_eq!(
        with_secret(&rep, &t.label_gh)[0]["location"]["path"],
        "/etc/abs.txt"
    );
    assert_eq!(with_secret(&rep, &t.kept_gh).len(), 1);

    let warn = |needle: &str| {
        assert!(
            r.stderr.contains(needle),
            "no warning {needle:?} in:\n{}",
            r.stderr
        );
    };
    warn(&format!("{image} layer 0 ("));
    warn("reported what was read");
    warn(&format!("{image} layer 1 ("));
    warn("missing blob");
    warn(&format!("{image} layer 2 ("));
    warn("digest mismatch");
    warn(&format!("{image} layer 3 ("));
    warn("truncated");
    assert_eq!(
        with_secret(&rep, &t.top_gh).len(),
        1,
        "the good layer is scanned"
    );
    assert_eq!(
        with_secret(&rep, &t.opaque_gh).len(),
        1,
        "a mismatching blob is still scanned"
    );
    assert_eq!(
        with_secret(&rep, &t.cmd_gh).len(),
        1,
        "a truncated layer keeps what was read"
    );
    assert!(with_secret(&rep, &t.deleted_file_gh).is_empty());

    // Decompression bombs: per-layer and per-image caps stop them; other layers go on.
    let zeros = vec![0u8; 3 << 20];
    let bomb = |c| Layer {
        tar: layer_tar(&[Item::File("bomb.txt".into(), zeros.clone())], true),
        compression: c,
    };
    let img = image_of(vec![
        bomb(Compression::Gzip),
        bomb(Compression::Zstd),
        token_layer("after.txt", &t.top_gh, Compression::Gzip),
    ])
    .build();
    assert!(img.layers[0].1.len() < 100_000, "the gzip bomb is small");
    let layout = dir.path().join("bomb");
    write_oci_layout(&layout, &[&img], "latest").unwrap();
    let image = format!("oci:{}", layout.display());
    let (r, rep) = json_run(&image, &["--max-layer-bytes", "1000000"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr
            .matches("exceeds the per-layer cap of 1000000 bytes")
            .count(),
        2,
        "{}",
        r.stderr
    );
    assert_eq!(with_secret(&rep, &t.top_gh).len(), 1);
    let (r, _) = json_run(&image, &["--max-image-bytes", "4000000"]);
    assert!(
        r.stderr
            .contains("exceeds the cap of 4000000 bytes (--max-image-bytes)"),
        "{}",
        r.stderr
    );

    // Not an image at all, and nothing there.
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, vec![7u8; 4096]).unwrap();
    let refs = [
        format!("docker-archive:{}", junk.display()),
        format!("docker-archive:{}", dir.path().join("nope.tar").display()),
        format!("oci:{}", dir.path().join("nope").display()),
    ];
    let args: Vec<&str> = refs.iter().map(String::as_str).collect();
    let r = run(&args);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a tar archive"), "{}", r.stderr);
    assert!(r.stderr.contains("nope.tar: cannot open"), "{}", r.stderr);
    assert!(r.stderr.contains("nope: not a directory"), "{}", r.stderr);
}
