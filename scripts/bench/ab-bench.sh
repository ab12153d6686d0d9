#!/usr/bin/env bash
# Two herald builds on the same herald-bench scenario, alternating, for an
# A/B of a change: each run starts a fresh node of one build on the bench
# template (scripts/bench/peers/herald.ini, data in a temp dir), runs
# herald-bench with the given arguments against it and stops it by pid;
# then the medians of each build.
# Usage: scripts/bench/ab-bench.sh A_BIN B_BIN PAIRS HERALD_BENCH_ARGS...
#   e.g. ... 3 --conns 10000 --mode users --rate 0 --duration 10 --publishers 64 --ttl 3600
#        ... 3 --conns 10000 --mode idle --hold 5
#   CPU=1: each line also gets cpu_ms_per_s, the node's CPU (user + system,
#     /proc/PID/stat) per second over 5 s from 4 s into the run: with a
#     fixed --rate, the cost of the same work on both builds
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
a=$(realpath "$1"); b=$(realpath "$2"); pairs=$3; shift 3
bench=build/apps/herald-bench
[ -x "$bench" ] || bash scripts/build.sh
work=$(mktemp -d /tmp/herald-ab.XXXXXX)
lines=$work/lines
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
port=18900
one() {  # binary label, then herald-bench args
  local bin=$1 label=$2; shift 2
  port=$((port + 1))
  rm -rf "$work/node"; mkdir -p "$work/node"
  herald_ini ab "$port" "$work/node/data" > "$work/node.ini"
  "$bin" --config "$work/node.ini" > "$work/node.log" 2>&1 &
  pid=$!
  wait_port "$port"
  local line
  if [ -n "${CPU:-}" ]; then
    "$bench" --server herald --port "$port" --pids "$pid" "$@" > "$work/bench.out" &
    local b=$! t0 t1
    sleep 4; t0=$(cpu_ticks "$pid"); sleep 5; t1=$(cpu_ticks "$pid")
    wait "$b"
    line=$(tail -1 "$work/bench.out")
    line="${line%\}}, \"cpu_ms_per_s\": $(( (t1 - t0) * 1000 / $(getconf CLK_TCK) / 5 ))}"
  else
    line=$("$bench" --server herald --port "$port" --pids "$pid" "$@" | tail -1)
  fi
  echo "$label $line" | tee -a "$lines"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
echo "args: $*; A = $a, B = $b"
for i in $(seq "$pairs"); do
  if [ $((i % 2)) = 1 ]; then one "$a" A "$@"; one "$b" B "$@"; else one "$b" B "$@"; one "$a" A "$@"; fi
done
python3 - "$lines" <<'PY'
import json, statistics, sys
rows = [(l.split(" ", 1)[0], json.loads(l.split(" ", 1)[1])) for l in open(sys.argv[1]) if l.strip()]
keys = ["deliveries_per_s", "publish_rate", "api_p99_us", "lat_p99_us", "rss_per_conn", "lost", "duplicates"]
if all("cpu_ms_per_s" in x for _, x in rows): keys.append("cpu_ms_per_s")
for label in ("A", "B"):
    r = [x for l, x in rows if l == label]
    med = {k: statistics.median(x.get(k, 0) for x in r) for k in keys}
    print(f"median {label} ({len(r)} runs): " + "  ".join(f"{k} {med[k]:.0f}" for k in keys))
PY
