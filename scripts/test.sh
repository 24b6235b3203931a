#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (see .ci/run and the README).
# Installs what the tests need (idempotently) first, so no test ever skips for a missing tool.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
cargo test --locked --all-targets --no-fail-fast "$@"
