#!/usr/bin/env bash
# GitHub Action step: scans what the event calls for, then writes annotations (stdout), a job
# summary ($GITHUB_STEP_SUMMARY), SARIF and the step outputs ($GITHUB_OUTPUT). Exits 1 when
# findings reach INPUT_FAIL_ON, 2 when the scan itself failed.
set -uo pipefail
root=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
lh=${LEAKHOUND_BIN:-leakhound}
command -v "$lh" >/dev/null || lh="$root/target/release/leakhound"
path=${INPUT_PATH:-.}
mode=${INPUT_MODE:-auto}
fail_on=${INPUT_FAIL_ON:-any}
sarif=${INPUT_SARIF_FILE:-leakhound.sarif}
event=${GITHUB_EVENT_NAME:-}
work=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
json="$work/leakhound-findings.json"

zero=0000000000000000000000000000000000000000
event_field() { # jq path into the event payload, empty when absent
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
  python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print(v or "")' "$GITHUB_EVENT_PATH" "$1"
}

if [ "$mode" = auto ]; then
  case "$event" in pull_request|pull_request_target|push) mode=diff ;; *) mode=full ;; esac
fi
cmd=()
case "$mode" in
  diff)
    base=""
    case "$event" in
      pull_request|pull_request_target) base=$(event_field pull_request.base.sha) ;;
      push) base=$(event_field before) ;;
    esac
    if [ -z "$base" ] || [ "$base" = "$zero" ]; then
      echo "::notice::leakhound: no base commit for this event; scanning the whole history"
      cmd=("$lh" git "$path")
    else
      cmd=("$lh" git "$path" --since-commit "$base")
    fi
    ;;
  full) cmd=("$lh" git "$path") ;;
  files) cmd=("$lh" scan "$path") ;;
  *) echo "::error::leakhound: unknown mode '$mode' (diff, full, files, auto)"; exit 2 ;;
esac
[ "${INPUT_VALIDATE:-false}" = true ] && cmd+=(--validate)
[ -n "${INPUT_CONFIG:-}" ] && cmd+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && cmd+=(--baseline "$INPUT_BASELINE")
# shellcheck disable=SC2206  # word splitting of extra args is intended
[ -n "${INPUT_ARGS:-}" ] && cmd+=(${INPUT_ARGS})
cmd+=(--format json --output "$json" --fail-on never --no-progress)

"${cmd[@]}"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "::error::leakhound: the scan failed (exit $rc)"
  exit 2
fi
"$lh" report --from "$json" --format sarif --output "$sarif" --sarif-category "leakhound/$mode/"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$lh" report --from "$json" --format markdown >> "$GITHUB_STEP_SUMMARY"
fi
counts=$(python3 -c 'import json,sys
f=json.load(open(sys.argv[1]))["findings"]
print(len(f), sum(1 for x in f if (x.get("validation") or {}).get("status") == "live"))' "$json")
read -r count live <<<"$counts"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "findings-count=$count"; echo "live-count=$live"; echo "sarif-file=$sarif"; } >> "$GITHUB_OUTPUT"
fi
# Annotations go to stdout; the exit code follows --fail-on.
"$lh" report --from "$json" --format github --fail-on "$fail_on"
