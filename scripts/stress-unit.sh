#!/usr/bin/env bash
# The stable-tests proof: runs the unit project N times in a row (default 20) while another
# process keeps one core busy, and stops at the first failure. Bounded: the busy process ends with
# the script (and after two hours at most).
#   usage: scripts/stress-unit.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
timeout 7200 node -e 'for (;;) {}' &
burner=$!
trap 'kill "$burner" 2>/dev/null || true' EXIT
echo "stress: unit project ${runs} times, with a busy core (pid $burner), $(nproc) cores" >&2
start=$(date +%s)
for i in $(seq 1 "$runs"); do
  t0=$(date +%s)
  if ! NO_COLOR=1 npx vitest run --project unit >"/tmp/socklab-stress-$i.log" 2>&1; then
    echo "stress: run $i FAILED after $(( $(date +%s) - t0 )) s; see /tmp/socklab-stress-$i.log" >&2
    grep -E '×|FAIL' "/tmp/socklab-stress-$i.log" | head -20 >&2
    exit 1
  fi
  echo "stress: run $i passed ($(grep -oE 'Tests +[0-9]+ passed' "/tmp/socklab-stress-$i.log" | head -1 | tr -s ' '), $(( $(date +%s) - t0 )) s)" >&2
done
echo "stress: ${runs} of ${runs} runs passed in $(( $(date +%s) - start )) s with one core busy" >&2
