#!/usr/bin/env bash
# Times live validation with the release binary against a local stand-in provider that answers
# after a fixed latency (a real HTTP server on 127.0.0.1; nothing leaves the machine): a scan
# without validation, with --validate at per-host concurrency 2 (default) and 8, and a second
# run answered by the persisted cache; the default per-host rate limit (10/s) and a raised one. Also counts the requests the stand-in saw (one per unique
# secret) and reports peak RSS. Peers are not compared: their validators cannot be pointed at a
# local server, and fake tokens must never be sent to real providers.
#   bash benches/validate_bench.sh [UNIQUE_TOKENS] [COPIES_EACH] [LATENCY_MS]   (default 100 4 50)
set -euo pipefail
cd "$(dirname "$0")/.."
UNIQUE=${1:-100}; COPIES=${2:-4}; LAT=${3:-50}
WORK=${BENCH_DIR:-/tmp/leakhound-validate-bench}
TREE="$WORK/tree-$UNIQUE-$COPIES"
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq hyperfine time >/dev/null; }
cargo build -q --release --example gen_validate_tree
cargo build -q --release
mkdir -p "$WORK"
[ -d "$TREE" ] || ./target/release/examples/gen_validate_tree "$TREE" "$UNIQUE" "$COPIES" >/dev/null
PORT_FILE="$WORK/port"; COUNT_FILE="$WORK/count"; rm -f "$PORT_FILE" "$COUNT_FILE"
python3 - "$LAT" "$PORT_FILE" "$COUNT_FILE" <<'PY' &
import http.server, json, sys, threading, time
lat, port_file, count_file = int(sys.argv[1]) / 1000, sys.argv[2], sys.argv[3]
n = 0; lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self):
        global n
        length = int(self.headers.get("content-length") or 0)
        if length: self.rfile.read(length)
        with lock:
            n += 1
            open(count_file, "w").write(str(n))
        time.sleep(lat)
        if self.command == "POST":
            body = json.dumps({"GetCallerIdentityResponse": {"GetCallerIdentityResult": {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/bench", "UserId": "AIDA"}}})
        else:
            body = json.dumps({"login": "bench", "type": "User"})
        data = body.encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = answer; do_POST = answer
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$PORT_FILE" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$PORT_FILE")"
export LEAKHOUND_VALIDATE_ENDPOINTS="api.github.com=$URL,sts.amazonaws.com=$URL"
LH="$PWD/target/release/leakhound"
BASE="$LH scan $TREE --no-progress --format json --fail-on never"
CACHE="$WORK/cache.json"; rm -f "$CACHE" "$CACHE.key"
$BASE --validate --validate-cache "$CACHE" -o "$WORK/warm.json" 2>/dev/null   # fills the cache
BEFORE=$(cat "$COUNT_FILE")
$BASE --validate -o "$WORK/one.json" 2>"$WORK/one.err"
REQS=$(( $(cat "$COUNT_FILE") - BEFORE ))
hyperfine -N -w 1 -r 5 --export-json "$WORK/hf.json" \
  -n "scan" "$BASE -o $WORK/a.json" \
  -n "validate-c2" "$BASE --validate -o $WORK/b.json" \
  -n "validate-c8-rate100" "$BASE --validate --validate-concurrency 8 --validate-rate 100 -o $WORK/c.json" \
  -n "validate-cached" "$BASE --validate --validate-cache $CACHE -o $WORK/d.json" >/dev/null 2>&1
RSS=$(/usr/bin/time -f %M $BASE --validate -o "$WORK/e.json" 2>&1 >/dev/null | tail -1)
python3 - "$WORK/hf.json" "$REQS" "$RSS" "$WORK/one.json" "$LAT" <<'PY'
import json, sys
res = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
reqs, rss, lat = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
rep = json.load(open(sys.argv[4]))
checked = {f["fingerprint"] for f in rep["findings"] if "paired secret" not in f.get("validation", {}).get("reason", "") and f.get("validation", {}).get("reason", "") != "no validator for this rule"}
creds = checked
live = sum(1 for f in rep["findings"] if f.get("validation", {}).get("status") == "live")
print(f"findings {len(rep['findings'])} ({live} live), unique credentials checked {len(checked)}, requests sent {reqs} (stand-in latency {lat} ms)")
for k, v in res.items():
    print(f"{k:16} {v:.3f} s")
c2, c8, sc, ca = res["validate-c2"], res["validate-c8-rate100"], res["scan"], res["validate-cached"]
print(f"validation overhead: default +{c2 - sc:.2f} s ({len(creds) / (c2 - sc):.1f} credentials/s), c8 at 100/s +{c8 - sc:.2f} s, cached +{ca - sc:.2f} s")
print(f"c8/100 per s vs default speed-up {c2 / c8:.2f}x; peak RSS with --validate {rss / 1024:.0f} MiB")
PY
