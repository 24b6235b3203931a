#!/usr/bin/env bash
# GitHub Action step: makes `leakhound` available on PATH, building it from the action's own
# source (the build is cached by the action's cache step keyed on the sources).
set -euo pipefail
root=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
bin="$root/target/release/leakhound"
if [ ! -x "$bin" ]; then
  command -v cargo >/dev/null || { echo "::error::leakhound needs a Rust toolchain (cargo) on the runner"; exit 2; }
  cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
fi
"$bin" --version
if [ -n "${GITHUB_PATH:-}" ]; then echo "$root/target/release" >> "$GITHUB_PATH"; fi
