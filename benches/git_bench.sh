#!/usr/bin/env bash
# Times `leakhound git` against Kingfisher, Betterleaks and Gitleaks on the same repository, in
# one run, validation off everywhere. The repository is generated deterministically
# (examples/gen_history.rs: thousands of commits over the benchmark corpus, side branches,
# merges, tags, renames, planted fake secrets), then repacked the way a server packs a clone.
# Prints wall time (hyperfine median), CPU time and peak RSS per scanner, and the ratios.
#   bash benches/git_bench.sh [COMMITS] [FILES]     (default: 14,000 commits over 3,000 files)
#   RUNS=5 bash benches/git_bench.sh                (hyperfine runs per scanner, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
COMMITS=${1:-14000}; FILES=${2:-3000}; RUNS=${RUNS:-3}
WORK=${BENCH_DIR:-/tmp/leakhound-git-bench}
REPO="$WORK/history-$COMMITS-$FILES.git"
P=/opt/peers/bin
mkdir -p "$WORK"
[ -x "$P/kingfisher" ] || bash ../shared/bench/install_peers.sh >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq hyperfine time >/dev/null; }
cargo build -q --release --example gen_history
cargo build -q --release
if [ ! -f "$REPO/.complete" ]; then
  rm -rf "$REPO"
  git init -q --bare "$REPO"
  ./target/release/examples/gen_history "$COMMITS" "$FILES" | git -C "$REPO" fast-import --quiet
  git -C "$REPO" repack -a -d -f -q --window=10 --depth=50
  touch "$REPO/.complete"
fi
NCOMMITS=$(git -C "$REPO" rev-list --all | wc -l)
read -r NBLOBS BLOBBYTES < <(git -C "$REPO" cat-file --batch-all-objects --batch-check \
  | awk '$2=="blob" {n++; s+=$3} END {print n, s}')
PACKMB=$(du -sm "$REPO/objects/pack" | cut -f1)

LH="$PWD/target/release/leakhound git $REPO --no-progress --format json -o $WORK/lh.json"
KF="$P/kingfisher scan $REPO --no-validate --no-update-check -q --git-history full --format json -o $WORK/kf.json"
BL="$P/betterleaks git $REPO --no-banner -s --exit-code 0 -l warn -o $WORK/bl.json"
GL="$P/gitleaks git $REPO --no-banner --exit-code 0 -l warn -f json -r $WORK/gl.json"
cd "$WORK"
$KF >/dev/null 2>&1 || true   # warm Kingfisher's rule cache
hyperfine -N -w 1 -r "$RUNS" -i --export-json "$WORK/hf.json" \
  -n leakhound "$LH" -n kingfisher "$KF" -n betterleaks "$BL" -n gitleaks "$GL" >/dev/null 2>&1
usage() { /usr/bin/time -f "%M %U %S" "$@" >/dev/null 2>"$WORK/usage" || true; tail -1 "$WORK/usage"; }
python3 - "$WORK" "$NCOMMITS" "$NBLOBS" "$BLOBBYTES" "$PACKMB" \
  "$(usage $LH)" "$(usage $KF)" "$(usage $BL)" "$(usage $GL)" <<'PY'
import json, sys
work, commits, blobs, blob_bytes, pack_mb = sys.argv[1], *map(int, sys.argv[2:6])
names = ["leakhound", "kingfisher", "betterleaks", "gitleaks"]
usage = {n: list(map(float, u.split())) for n, u in zip(names, sys.argv[6:10])}
res = {r["command"]: r for r in json.load(open(f"{work}/hf.json"))["results"]}
def count(name):
    try:
        d = json.load(open(f"{work}/{ {'leakhound':'lh','kingfisher':'kf','betterleaks':'bl','gitleaks':'gl'}[name]}.json"))
    except Exception:
        return "?"
    if isinstance(d, dict):
        d = d.get("findings", d.get("matches", []))
    return len(d)
print(f"repository: {commits} commits, {blobs} unique blobs, {blob_bytes / 1e9:.2f} GB "
      f"uncompressed, {pack_mb} MB packed")
print(f"{'scanner':12} {'wall (median)':>14} {'cpu':>8} {'peak RSS':>9} {'findings':>9}")
for n in names:
    r = res[n]
    rss, user, sys_ = usage[n]
    print(f"{n:12} {r['median']:12.2f} s {user + sys_:6.1f} s {rss / 1024:6.0f} MB {count(n):>9}")
lh = res["leakhound"]["median"]
lh_rss = usage["leakhound"][0]
for n in names[1:]:
    print(f"leakhound vs {n:11}: {res[n]['median'] / lh:.2f}x faster, "
          f"{lh_rss / usage[n][0]:.2f}x the peak memory")
PY
