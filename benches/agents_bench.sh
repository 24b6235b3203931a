#!/usr/bin/env bash
# Times `leakhound agents` against `leakhound scan` (and the peer scanners, which treat the files
# as plain text) on the same generated year of agent transcripts, in one run. Prints wall time,
# MB/s and peak RSS for each, and the agents/scan throughput ratio (the target is >= 1.0: the
# transcript scan with leaf-level decoding and attribution must be at least as fast per byte as
# the plain filesystem scan).
#   bash benches/agents_bench.sh [TOTAL_MB]      (default: 2048 MB)
#   PEERS=0 bash benches/agents_bench.sh 512     (leakhound only)
#   RUNS=1 WARMUP=0 bash benches/agents_bench.sh  (one timed run each)
#   PEER_LIST=kingfisher bash benches/agents_bench.sh   (skip gitleaks, the slowest)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-2048}
WORK=${BENCH_DIR:-/tmp/leakhound-agents-bench}
TREE="$WORK/home-$MB"
P=/opt/peers/bin
PEERS=${PEERS:-1}
mkdir -p "$WORK"
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq hyperfine time >/dev/null; }
if [ "$PEERS" = 1 ] && [ ! -x "$P/kingfisher" ]; then bash ../shared/bench/install_peers.sh >/dev/null || PEERS=0; fi
cargo build -q --release --example gen_transcripts
cargo build -q --release
[ -d "$TREE" ] || ./target/release/examples/gen_transcripts "$TREE" "$MB"
BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%d", s}')
LH="$PWD/target/release/leakhound"
AG="$LH agents $TREE --no-progress --format json -o $WORK/agents.json"
SC="$LH scan $TREE --no-progress --format json -o $WORK/scan.json"
cmds=(-n agents "$AG" -n scan "$SC")
names="agents scan"
KF="$P/kingfisher scan $TREE --no-validate --no-update-check -q --git-history none --format json -o $WORK/kf.json"
GL="$P/gitleaks dir $TREE --no-banner --exit-code 0 -l warn -f json -r $WORK/gl.json"
if [ "$PEERS" = 1 ]; then
  for p in ${PEER_LIST:-kingfisher gitleaks}; do
    case $p in kingfisher) cmds+=(-n kingfisher "$KF");; gitleaks) cmds+=(-n gitleaks "$GL");; esac
    names="$names $p"
  done
fi
cd "$WORK"
case " $names " in *" kingfisher "*) $KF >/dev/null 2>&1 || true;; esac   # warm Kingfisher's cache
cat $(find "$TREE" -type f) >/dev/null                   # warm the page cache
hyperfine -N -w "${WARMUP:-1}" -r "${RUNS:-3}" -i --export-json "$WORK/hf.json" "${cmds[@]}" >/dev/null
rss() { /usr/bin/time -f %M "$@" >/dev/null 2>"$WORK/rss" || true; tail -1 "$WORK/rss"; tail -1 "$WORK/rss" >>"$WORK/rss.log"; }
RSS=()
for n in $names; do
  case $n in agents) RSS+=("$(rss $AG)");; scan) RSS+=("$(rss $SC)");; kingfisher) RSS+=("$(rss $KF)");; gitleaks) RSS+=("$(rss $GL)");; esac
done
python3 - "$WORK/hf.json" "$BYTES" "$names" "${RSS[@]}" "$WORK/agents.json" "$WORK/scan.json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
mb = int(sys.argv[2]) / 1e6
names = sys.argv[3].split()
rss = dict(zip(names, sys.argv[4:4 + len(names)]))
for name in names:
    r = res[name]
    print(f"{name:11} {r['median']:7.2f} s  {mb / r['median']:7.1f} MB/s  peak {int(rss[name]) / 1024:6.0f} MiB")
ag, sc = res["agents"]["median"], res["scan"]["median"]
print(f"agents/scan throughput ratio: {sc / ag:.2f} (>= 1.0 means the transcript scan is at least as fast per byte)")
a = json.load(open(sys.argv[-2]))["summary"]
s = json.load(open(sys.argv[-1]))["summary"]
print(f"findings: agents {a['findings']} (grouped by secret), scan {s['findings']}; {mb:.0f} MB of JSONL")
PY
