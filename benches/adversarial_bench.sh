#!/usr/bin/env bash
# Times leakhound against Kingfisher, Gitleaks and Betterleaks on generated hostile inputs, in
# one run (validation off everywhere): 200 MB files that are one line of minified code (with a
# keyword every 4 KB, and with keywords everywhere), a directory holding a 10 GB sparse file,
# and a git repository with 100 000 refs. Prints each tool's wall time (hyperfine median when a
# run takes under 20 s, else the single run; killed after LIMIT=300 s) and peak RSS.
#   bash benches/adversarial_bench.sh            (BENCH_DIR=/tmp/leakhound-adv-bench by default)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-/tmp/leakhound-adv-bench}
RUNS=${RUNS:-3}
P=/opt/peers/bin
[ -x "$P/kingfisher" ] || bash ../shared/bench/install_peers.sh >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq hyperfine time >/dev/null; }
cargo build -q --release --locked
LH="$PWD/target/release/leakhound"
mkdir -p "$WORK"

# Inputs (deterministic; made once).
LINE="$WORK/line"; DENSE="$WORK/dense"; SPARSE="$WORK/sparse"; REPO="$WORK/refs-repo"
if [ ! -f "$LINE/bundle.min.js" ]; then
  mkdir -p "$LINE"
  python3 - "$LINE/bundle.min.js" <<'PY'
import sys
unit = b"var a=b(c,d),e=f.g(h);if(x&&i){j=k[l]}else{m(n,o)};" * 80 + b"if(token){q()};"
with open(sys.argv[1], "wb") as f:
    for _ in range((200 << 20) // len(unit)):
        f.write(unit)
PY
fi
if [ ! -f "$DENSE/bundle.min.js" ]; then
  mkdir -p "$DENSE"
  python3 - "$DENSE/bundle.min.js" <<'PY'
import random, sys
random.seed(1)
words = ["function", "var", "return", "token", "key", "secret", "password", "api", "auth",
         "this", "data", "value", "AKIA", "ghp_", "Bearer", "xoxb-", "eyJ", "sk-", "=", "(",
         ")", "{", "}", ";", ",", ".", "+", '"', "'"]
tails = ["a", "b", "c", "xyz", "_1", "Q", ""]
out, n = [], 0
while n < 200 << 20:
    w = random.choice(words) + random.choice(tails)
    out.append(w)
    n += len(w)
open(sys.argv[1], "w").write("".join(out))
PY
fi
if [ ! -f "$SPARSE/disk.img" ]; then
  mkdir -p "$SPARSE"
  truncate -s 10G "$SPARSE/disk.img"
  printf 'x = 1\n' > "$SPARSE/small.py"
fi
if [ ! -f "$REPO/.git/packed-refs" ]; then
  rm -rf "$REPO"; mkdir -p "$REPO"
  g() { git -C "$REPO" -c user.name=b -c user.email=b@example.com "$@"; }
  g init -q -b main
  for i in 1 2 3; do printf 'v = %s\n' "$i" > "$REPO/f$i.txt"; g add -A; g commit -qm "c$i"; done
  python3 - "$REPO" "$(g rev-parse HEAD~2)" "$(g rev-parse HEAD~1)" "$(g rev-parse HEAD)" <<'PY'
import sys
repo, ids = sys.argv[1], sys.argv[2:]
names = sorted(f"refs/heads/topic/{i:06}" for i in range(100_000))
with open(f"{repo}/.git/packed-refs", "w") as f:
    f.write("# pack-refs with: peeled fully-peeled sorted \n")
    for i, n in enumerate(names):
        f.write(f"{ids[i % 3]} {n}\n")
PY
fi

[ -z "${ONLY_INPUTS:-}" ] || exit 0
cd "$WORK"
# name | leakhound | kingfisher | gitleaks | betterleaks
cases=(
  "one 200 MB line, a keyword every 4 KB|$LH scan $LINE --no-progress --format json -o $WORK/lh.json|$P/kingfisher scan $LINE --no-validate --no-update-check -q --git-history none --format json -o $WORK/kf.json|$P/gitleaks dir $LINE --no-banner --exit-code 0 -l warn -f json -r $WORK/gl.json|$P/betterleaks fs $LINE --no-banner -s --exit-code 0 -l warn -o $WORK/bl.json"
  "one 200 MB line, keywords everywhere|$LH scan $DENSE --no-progress --format json -o $WORK/lh.json|$P/kingfisher scan $DENSE --no-validate --no-update-check -q --git-history none --format json -o $WORK/kf.json|$P/gitleaks dir $DENSE --no-banner --exit-code 0 -l warn -f json -r $WORK/gl.json|$P/betterleaks fs $DENSE --no-banner -s --exit-code 0 -l warn -o $WORK/bl.json"
  "a 10 GB sparse file|$LH scan $SPARSE --no-progress --format json -o $WORK/lh.json|$P/kingfisher scan $SPARSE --no-validate --no-update-check -q --git-history none --format json -o $WORK/kf.json|$P/gitleaks dir $SPARSE --no-banner --exit-code 0 -l warn -f json -r $WORK/gl.json|$P/betterleaks fs $SPARSE --no-banner -s --exit-code 0 -l warn -o $WORK/bl.json"
  "a repository with 100 000 refs|$LH git $REPO --no-progress --format json -o $WORK/lh.json|$P/kingfisher scan $REPO --no-validate --no-update-check -q --git-history full --format json -o $WORK/kf.json|$P/gitleaks git $REPO --no-banner --exit-code 0 -l warn -f json -r $WORK/gl.json|$P/betterleaks git $REPO --no-banner -s --exit-code 0 -l warn -o $WORK/bl.json"
)
names=(leakhound kingfisher gitleaks betterleaks)
# One run under /usr/bin/time (wall, peak RSS; killed after LIMIT s); runs under 20 s are then
# timed again with hyperfine for a median.
LIMIT=${LIMIT:-300}
for c in "${cases[@]}"; do
  IFS='|' read -r title lh kf gl bl <<<"$c"
  $kf >/dev/null 2>&1 || true   # warm Kingfisher's rule cache
  echo "## $title"
  cmds=("$lh" "$kf" "$gl" "$bl")
  for i in 0 1 2 3; do
    rc=0
    /usr/bin/time -f "%e %M" -o "$WORK/time" timeout "$LIMIT" ${cmds[$i]} >/dev/null 2>&1 || rc=$?
    read -r wall rss < <(tail -1 "$WORK/time")
    if [ "$rc" = 124 ]; then
      wall="> $LIMIT (killed)"
    elif awk "BEGIN{exit !($wall < 20)}"; then
      hyperfine -N -w 1 -r "$RUNS" -i --export-json "$WORK/hf.json" "${cmds[$i]}" >/dev/null 2>&1
      wall=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.3f" % r["median"])' "$WORK/hf.json")
    fi
    printf '%-12s %20s s  peak %6d MiB\n' "${names[$i]}" "$wall" "$((rss / 1024))"
  done
done
