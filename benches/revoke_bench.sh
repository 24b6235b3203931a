#!/usr/bin/env bash
# Times `leakhound revoke` (release binary) against a local stand-in provider that answers after
# a fixed latency and really flips a token to dead once it is revoked (a real HTTP server on
# 127.0.0.1; nothing leaves the machine), side by side with Kingfisher's `revoke` pointed at the
# same server through a custom rule. leakhound does validate → revoke → re-validate per secret
# (three requests, at most 10 per second per host by default) in one process; Kingfisher sends the
# revocation only, one process per secret. Also counts the requests the stand-in saw and reports
# peak RSS.
#   bash benches/revoke_bench.sh [TOKENS] [LATENCY_MS]   (default 20 50)
# Peers: bash /work/shared/bench/install_peers.sh (Kingfisher in /opt/peers/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}; LAT=${2:-50}
WORK=${BENCH_DIR:-/tmp/leakhound-revoke-bench}
KF=${KINGFISHER:-/opt/peers/bin/kingfisher}
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq hyperfine time >/dev/null; }
[ -x "$KF" ] || { echo "kingfisher not found at $KF (bash /work/shared/bench/install_peers.sh)" >&2; exit 2; }
cargo build -q --release --example gen_validate_tree
cargo build -q --release
rm -rf "$WORK"; mkdir -p "$WORK"
TREE="$WORK/tree"
./target/release/examples/gen_validate_tree "$TREE" "$N" 0 >/dev/null
LH="$PWD/target/release/leakhound"
(cd "$TREE" && "$LH" scan . --no-progress --format json --fail-on never -o "$WORK/report.json")
PORT_FILE="$WORK/port"; COUNT_FILE="$WORK/count"
python3 - "$LAT" "$PORT_FILE" "$COUNT_FILE" <<'PY' &
import http.server, json, re, sys, threading, time, urllib.parse
lat, port_file, count_file = int(sys.argv[1]) / 1000, sys.argv[2], sys.argv[3]
n = 0; lock = threading.Lock(); revoked = set()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def answer(self):
        global n
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path == "/reset":
            with lock: revoked.clear()
            return self.reply(200, "{}")
        with lock:
            n += 1
            open(count_file, "w").write(str(n))
        time.sleep(lat)
        auth = self.headers.get("authorization") or ""
        if self.path == "/user":
            tok = auth.removeprefix("Bearer ")
            return self.reply(401, '{"message":"Bad credentials"}') if tok in revoked else self.reply(200, '{"login":"bench"}')
        if self.path == "/credentials/revoke":
            with lock: revoked.update(json.loads(body)["credentials"])
            return self.reply(202, "")
        if self.path == "/":
            form = urllib.parse.parse_qs(body)
            m = re.search(r"Credential=([A-Z0-9]+)/", auth)
            key = m.group(1) if m else ""
            if form.get("Action") == ["GetCallerIdentity"]:
                if key in revoked:
                    return self.reply(403, "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>", "text/xml")
                return self.reply(200, json.dumps({"GetCallerIdentityResponse": {"GetCallerIdentityResult": {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/bench", "UserId": "AIDA"}}}))
            if form.get("Action") == ["UpdateAccessKey"]:
                with lock: revoked.add(form["AccessKeyId"][0])
                return self.reply(200, "<UpdateAccessKeyResponse/>", "text/xml")
        return self.reply(404, "{}")
    do_GET = answer; do_POST = answer
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$PORT_FILE" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$PORT_FILE")"
RESET="python3 -c \"import urllib.request; urllib.request.urlopen('$URL/reset', data=b'')\""
export LEAKHOUND_VALIDATE_ENDPOINTS="api.github.com=$URL,sts.amazonaws.com=$URL,iam.amazonaws.com=$URL"
# Kingfisher: the same revocation request, to the same stand-in, from a custom rule.
cat > "$WORK/kf-rule.yml" <<EOF
rules:
  - name: Bench GitHub token
    id: kingfisher.benchgh.1
    pattern: |
      (?x)
      \b(ghp_[A-Za-z0-9]{36})\b
    min_entropy: 3.0
    confidence: medium
    examples:
      - ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789
    revocation:
      type: Http
      content:
        request:
          method: POST
          url: $URL/credentials/revoke
          headers:
            Accept: application/vnd.github+json
            Content-Type: application/json
          body: '{"credentials":["{{ TOKEN }}"]}'
          response_matcher:
            - type: StatusMatch
              status: [202]
EOF
python3 - "$WORK/report.json" "$TREE" > "$WORK/tokens.txt" <<'PY'
import json, re, sys, pathlib
# The report is redacted; read the tokens back from the generated files.
toks = sorted({m for p in pathlib.Path(sys.argv[2]).rglob("*.env") for m in re.findall(r"ghp_[A-Za-z0-9]{36}", p.read_text())})
print("\n".join(toks))
PY
cat > "$WORK/kf-loop.sh" <<EOF
while read -r t; do "$KF" revoke --rule kingfisher.benchgh.1 --rules-path "$WORK/kf-rule.yml" -q "\$t" >/dev/null; done < "$WORK/tokens.txt"
EOF
"$KF" revoke --rule kingfisher.benchgh.1 --rules-path "$WORK/kf-rule.yml" -q "$(head -1 "$WORK/tokens.txt")" >/dev/null   # warm its rule cache
cd "$TREE"   # the report's paths are relative to the scanned tree; secrets are re-read there
REV="$LH revoke --from $WORK/report.json --yes --audit-log $WORK/audit.jsonl --format json"
eval "$RESET"; BEFORE=$(cat "$COUNT_FILE")
$REV --rule github.pat.classic --revoke-wait 0 -o "$WORK/one.json" 2>/dev/null
REQS=$(( $(cat "$COUNT_FILE") - BEFORE ))
eval "$RESET"
hyperfine -N -w 0 -r 3 --export-json "$WORK/hf.json" --prepare "$RESET" \
  -n "leakhound-github" "$REV --rule github.pat.classic --revoke-wait 0 -o $WORK/a.json" \
  -n "leakhound-all" "$REV --revoke-wait 0 -o $WORK/b.json" \
  -n "leakhound-dry-run" "$REV --dry-run -o $WORK/c.json" >/dev/null 2>&1
hyperfine -w 0 -r 3 --export-json "$WORK/hf-kf.json" --prepare "$RESET" \
  -n "kingfisher-github" "bash $WORK/kf-loop.sh" >/dev/null 2>&1
eval "$RESET"
RSS_LH=$(/usr/bin/time -f %M $REV --rule github.pat.classic --revoke-wait 0 -o "$WORK/d.json" 2>&1 >/dev/null | tail -1)
RSS_KF=$(/usr/bin/time -f %M "$KF" revoke --rule kingfisher.benchgh.1 --rules-path "$WORK/kf-rule.yml" -q "$(head -1 "$WORK/tokens.txt")" 2>&1 >/dev/null | tail -1)
python3 - "$WORK" "$REQS" "$RSS_LH" "$RSS_KF" "$N" "$LAT" <<'PY'
import json, sys
work, reqs, rss_lh, rss_kf, n, lat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
res = {r["command"]: r["median"] for f in ("hf.json", "hf-kf.json") for r in json.load(open(f"{work}/{f}"))["results"]}
one = json.load(open(f"{work}/one.json"))
print(f"{n} GitHub tokens (+{-(-n // 10)} AWS key pairs), stand-in latency {lat} ms; leakhound statuses {one['summary']['by_status']}, {reqs} requests for the GitHub tokens")
for k, v in res.items():
    print(f"{k:20} {v:7.3f} s   {v / n * 1000:6.0f} ms per GitHub token")
lh, kf = res["leakhound-github"], res["kingfisher-github"]
print(f"leakhound/kingfisher wall time (GitHub tokens): {lh / kf:.2f}x; peak RSS leakhound {rss_lh / 1024:.1f} MiB (one process, all tokens), kingfisher {rss_kf / 1024:.1f} MiB (one process per token)")
PY
