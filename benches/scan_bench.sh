#!/usr/bin/env bash
# Times `leakhound scan` against Kingfisher and Betterleaks on the same generated source tree,
# in one run (validation off everywhere). Prints wall time, MB/s and peak RSS for each, and the
# ratio of the fastest peer's time to leakhound's.
#   bash benches/scan_bench.sh [TOTAL_MB] [FILES]      (default: 70 MB in 6,500 files)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-70}; FILES=${2:-6500}
WORK=${BENCH_DIR:-/tmp/leakhound-bench}
TREE="$WORK/tree-$MB-$FILES"
P=/opt/peers/bin
[ -x "$P/kingfisher" ] || bash ../shared/bench/install_peers.sh >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq hyperfine time >/dev/null; }
cargo build -q --release --example gen_corpus
cargo build -q --release
[ -d "$TREE" ] || ./target/release/examples/gen_corpus "$TREE" "$MB" "$FILES"
BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
LH="$PWD/target/release/leakhound scan $TREE --no-progress --format json -o $WORK/lh.json"
KF="$P/kingfisher scan $TREE --no-validate --no-update-check -q --git-history none --format json -o $WORK/kf.json"
BL="$P/betterleaks fs $TREE --no-banner -s --exit-code 0 -l warn -o $WORK/bl.json"
cd "$WORK"
$KF >/dev/null 2>&1 || true   # warm Kingfisher's rule cache
hyperfine -N -w 1 -r 5 -i --export-json "$WORK/hf.json" -n leakhound "$LH" -n kingfisher "$KF" -n betterleaks "$BL" >/dev/null
rss() { /usr/bin/time -f %M "$@" >/dev/null 2>"$WORK/rss" || true; tail -1 "$WORK/rss"; }
python3 - "$WORK/hf.json" "$BYTES" "$(rss $LH)" "$(rss $KF)" "$(rss $BL)" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
mb = int(sys.argv[2]) / 1e6
rss = dict(zip(["leakhound", "kingfisher", "betterleaks"], sys.argv[3:6]))
for name, r in res.items():
    print(f"{name:12} {r['median']:.3f} s  {mb / r['median']:7.1f} MB/s  peak {int(rss[name]) / 1024:.0f} MiB")
best = min(res["kingfisher"]["median"], res["betterleaks"]["median"])
print(f"leakhound is {best / res['leakhound']['median']:.2f}x faster than the fastest peer "
      f"({mb:.0f} MB tree)")
PY
