#!/usr/bin/env bash
# Builds the fuzz targets and runs one of them (one process, lowest CPU priority) until it has
# done EXECS executions (default 10 million), with the settings the README's table was made
# with. Crashes are written to artifacts/TARGET/, new coverage to corpus/TARGET/.
#
#   bash fuzz/run.sh TARGET [EXECS] [extra libFuzzer flags...]
#   bash fuzz/run.sh --list
set -euo pipefail
cd "$(dirname "$0")"

declare -A MAX_LEN=(
    [decode]=4096 [scan_bytes]=4096 [transcript]=4096 [transcript_formats]=4096
    [rules]=4096 [config]=2048 [baseline]=4096 [image_archive]=16384 [image_layer]=4096
    [oci_documents]=8192 [git_objects]=2048 [git_repo]=2048
)

if [[ "${1:-}" == "--list" || $# -eq 0 ]]; then
    printf '%s\n' "${!MAX_LEN[@]}" | sort
    exit 0
fi
target=$1
execs=${2:-10000000}
shift $(( $# >= 2 ? 2 : 1 ))
[[ -n "${MAX_LEN[$target]:-}" ]] || { echo "unknown target $target (see --list)" >&2; exit 2; }

# Stable Rust: cargo-fuzz needs nightly flags, RUSTC_BOOTSTRAP allows them. No sanitizer:
# the code under test is safe Rust, and ASan would halve the executions per second. No
# comparison tracing either: it more than halves them again (scan_bytes: 4.4k -> 10.2k/s),
# and the seed corpora already hold the magic values comparisons would have to discover.
# anyhow errors capture a backtrace when RUST_BACKTRACE is set in the caller's environment:
# 60% of git_objects' time went to unwinding for errors nobody prints. Panics still print one.
export RUST_LIB_BACKTRACE=0
RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz build -s none --no-trace-compares --target-dir target-nocmp "$target"
[[ -d corpus/$target ]] || (cd .. && nice -n 19 cargo run -q --example gen_fuzz_seeds -- fuzz/corpus)
mkdir -p "artifacts/$target"
start=$(date +%s)
status=0
nice -n 19 "target-nocmp/x86_64-unknown-linux-gnu/release/$target" "corpus/$target" \
    -runs="$execs" -max_len="${MAX_LEN[$target]}" -timeout=300 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$target/" -print_final_stats=1 "$@" || status=$?
echo "wall_seconds: $(( $(date +%s) - start )) exit: $status"
exit "$status"
