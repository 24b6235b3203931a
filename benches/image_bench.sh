#!/usr/bin/env bash
# Times `leakhound image` against Kingfisher's image scan on the same generated `docker save`
# archive, in one hyperfine run (validation off). Prints wall time, MB/s and peak RSS for each,
# findings counts, and the ratio of Kingfisher's time to leakhound's.
#   bash benches/image_bench.sh [TOTAL_MB] [LAYERS] [AVG_FILE_BYTES]   (default: 600 MB, 8, 16 KiB)
#   RUNS=N sets the hyperfine runs (default 3); BENCH_DIR the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-600}; LAYERS=${2:-8}; AVG=${3:-16384}
WORK=${BENCH_DIR:-/tmp/leakhound-image-bench}
IMG="$WORK/image-$MB-$LAYERS-$AVG.tar"
P=/opt/peers/bin
mkdir -p "$WORK"
[ -x "$P/kingfisher" ] || bash ../shared/bench/install_peers.sh >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq hyperfine time >/dev/null; }
cargo build -q --release --example gen_image
cargo build -q --release
[ -f "$IMG" ] || ./target/release/examples/gen_image "$IMG" "$MB" "$LAYERS" "$AVG"
BYTES=$(stat -c %s "$IMG")
LH="$PWD/target/release/leakhound image docker-archive:$IMG --no-progress --format json -o $WORK/lh.json"
# Kingfisher refuses archives over 256 MB unless --no-limits; it extracts every layer to disk.
KF="$P/kingfisher scan docker --archive $IMG --no-limits --no-validate --no-update-check -q --format json -o $WORK/kf.json"
WARM="$WORK/warm.tar"
[ -f "$WARM" ] || ./target/release/examples/gen_image "$WARM" 2 1 2>/dev/null
cd "$WORK"
# Warm Kingfisher's compiled rule cache (on a tiny archive) and the page cache.
$P/kingfisher scan docker --archive "$WARM" --no-validate --no-update-check -q --format json -o /dev/null >/dev/null 2>&1 || true
cat "$IMG" >/dev/null
hyperfine -N -w 0 -r "${RUNS:-3}" -i --export-json "$WORK/hf.json" -n leakhound "$LH" -n kingfisher "$KF" >/dev/null
rss() { /usr/bin/time -f %M "$@" >/dev/null 2>"$WORK/rss" || true; tail -1 "$WORK/rss"; }
python3 - "$WORK/hf.json" "$BYTES" "$(rss $LH)" "$(rss $KF)" "$WORK/lh.json" "$WORK/kf.json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
mb = int(sys.argv[2]) / 1e6
rss = dict(zip(["leakhound", "kingfisher"], sys.argv[3:5]))
def count(path, who):
    try:
        doc = json.load(open(path))
        return doc["summary"]["findings"] if who == "leakhound" else doc["metadata"]["summary"]["findings"]
    except Exception:
        return "?"
found = {"leakhound": count(sys.argv[5], "leakhound"), "kingfisher": count(sys.argv[6], "kingfisher")}
for name, r in res.items():
    print(f"{name:12} {r['median']:.3f} s (±{r['stddev']:.3f})  {mb / r['median']:7.1f} MB/s  "
          f"peak {int(rss[name]) / 1024:.0f} MiB  findings {found[name]}")
print(f"leakhound is {res['kingfisher']['median'] / res['leakhound']['median']:.2f}x faster than "
      f"Kingfisher ({mb:.0f} MB docker-archive)")
PY
