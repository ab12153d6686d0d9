#!/usr/bin/env bash
# Where the two cores go in a room fan-out: the server's and herald-bench's
# CPU and the machine's idle time over 5 s of publishing, with the delivery
# latency, for each rate given (default 5 20 50 messages/s to 10k members).
# SERVER=floor measures apps/bench/fanout_floor.cpp instead of herald: one
# frame per publish, one send() per member, nothing else (what the machine
# allows any server). Loopback only; every process started here is stopped by pid.
# FLOOR_ARGS=--uring: the floor writes with io_uring (liburing-dev, installed
# here when missing) instead of one send() per member.
# Usage: [SERVER=herald|floor] [HERALD_IO=n] [MEMBERS=n] [HERALD_BIN=path] [FLOOR_ARGS=--uring] scripts/bench/fanout-cpu.sh [rate ...]
#   HERALD_IO: herald's io_threads, default: the binary's own; MEMBERS: room size, default 10000;
#   HERALD_BIN: the herald binary (default build/apps/herald; scripts/bench/ab.sh
#   passes two builds in turn); rate 0: publish as fast as accepted
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
rates=${*:-5 20 50}
server=${SERVER:-herald}
case $server in herald|floor) ;; *) echo "SERVER must be herald or floor" >&2; exit 2 ;; esac
[ -x build/apps/herald ] && [ -x build/apps/herald-bench ] && [ -x build/apps/fanout-floor ] || bash scripts/build.sh
if [[ "${FLOOR_ARGS:-}" == *--uring* ]] && ! pkg-config --exists liburing; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y liburing-dev > /dev/null
  cmake build -U 'URING*' -U '__pkg_config_checked_URING' > /dev/null && cmake --build build --target fanout-floor > /dev/null
fi
port=18940
work=$(mktemp -d)
trap 'kill $(cat "$work"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
herald_ini fancpu "$port" "$work/data" > "$work/h.ini"
idle() { awk '/^cpu /{print $5}' /proc/stat; }
hz=$(getconf CLK_TCK)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
for rate in $rates; do
  rm -rf "$work/data"
  if [ "$server" = floor ]; then
    ./build/apps/fanout-floor --port $port --seconds 120 ${FLOOR_ARGS:-} > "$work/log" 2>&1 &
    dialect=nchan
  else
    "${HERALD_BIN:-./build/apps/herald}" --config "$work/h.ini" ${HERALD_IO:+--node.io_threads=$HERALD_IO} > "$work/log" 2>&1 &
    dialect=herald
  fi
  hp=$!; echo $hp > "$work/pid"
  wait_port "$port"
  ./build/apps/herald-bench --server $dialect --pids "$hp" --port $port --conns "${MEMBERS:-10000}" --mode room --rooms 1 \
    --rate "$rate" --duration 10 --publishers 4 > "$work/out" 2> "$work/err" &
  bp=$!
  sleep 4  # connected (under a second) and publishing
  h0=$(cpu_ticks $hp); b0=$(cpu_ticks $bp); i0=$(idle); t0=$(date +%s%N)
  sleep 5
  h1=$(cpu_ticks $hp); b1=$(cpu_ticks $bp); i1=$(idle); t1=$(date +%s%N)
  wait $bp
  kill $hp; wait $hp 2>/dev/null || true
  secs=$(( (t1 - t0) / 1000000 ))
  python3 - "$rate" "$hz" "$secs" "$h0" "$h1" "$b0" "$b1" "$i0" "$i1" "$work/out" "$server" <<'PY'
import json, sys
rate, hz, ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
h0, h1, b0, b1, i0, i1 = map(int, sys.argv[4:10])
pct = lambda a, b: 100.0 * (b - a) / hz / (ms / 1000.0)
server = sys.argv[11]
d = json.loads(open(sys.argv[10]).read().strip().splitlines()[-1])
print(f"rate {rate}/s: {server} {pct(h0, h1):.0f}%  herald-bench {pct(b0, b1):.0f}%  machine idle {pct(i0, i1):.0f}%"
      f"  | deliveries/s {d['deliveries_per_s']}  publishes/s {d['publish_rate']}"
      f"  p50 {d['lat_p50_us'] / 1000:.1f} ms  p99 {d['lat_p99_us'] / 1000:.1f} ms  lost {d['lost']}  dups {d['duplicates']}")
PY
done
