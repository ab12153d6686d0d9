#!/usr/bin/env bash
# Two herald binaries on the same room fan-out, alternating, for an A/B of
# a change: deliveries/s, latency and herald's CPU over 6 s of each run,
# then the medians of each. Loopback only; every process is stopped by pid.
# Usage: scripts/bench/ab.sh A_BIN B_BIN [pairs=3] [members=10000] [rate=0]
#   rate 0: publish as fast as accepted (saturation); else messages/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
a=$(realpath "$1"); b=$(realpath "$2"); pairs=${3:-3}; members=${4:-10000}; rate=${5:-0}
[ -x build/apps/herald-bench ] || bash scripts/build.sh
port=18970
work=$(mktemp -d)
trap 'kill $(cat "$work"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
sed -e "s|@NAME@|ab|; s|@PORT@|$port|; s|@DATA@|$work/data|" scripts/bench/peers/herald.ini > "$work/h.ini"
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }  # user+system ticks
hz=$(getconf CLK_TCK)
one() {  # binary label
  rm -rf "$work/data"
  "$1" --config "$work/h.ini" > "$work/log" 2>&1 &
  local hp=$!; echo $hp > "$work/pid"
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
  ./build/apps/herald-bench --server herald --port $port --conns "$members" --mode room --rooms 1 \
    --rate "$rate" --duration 10 --publishers 4 > "$work/out" 2> "$work/err" &
  local bp=$!
  sleep 3; local c0; c0=$(cpu $hp); sleep 6; local c1; c1=$(cpu $hp)
  wait $bp
  kill $hp; wait $hp 2>/dev/null || true
  python3 - "$2" "$c0" "$c1" "$hz" "$work/out" <<'PY' | tee -a "$work/lines"
import json, sys
label, c0, c1, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = json.loads(open(sys.argv[5]).read().strip().splitlines()[-1])
print(f"{label} {d['deliveries_per_s']} {d['lat_p50_us']} {d['lat_p99_us']} {100.0 * (c1 - c0) / hz / 6:.1f} {d['lost']} {d['duplicates']}")
PY
}
echo "label deliveries/s p50_us p99_us herald_cpu% lost dups  ($members members, rate $rate)"
for i in $(seq "$pairs"); do
  if [ $((i % 2)) = 1 ]; then one "$a" A; one "$b" B; else one "$b" B; one "$a" A; fi
done
python3 - "$work/lines" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for label in ("A", "B"):
    r = [x for x in rows if x[0] == label]
    med = lambda i: statistics.median(float(x[i]) for x in r)
    print(f"median {label}: {med(1):.0f}/s  p50 {med(2) / 1000:.1f} ms  p99 {med(3) / 1000:.1f} ms  cpu {med(4):.1f} %"
          f"  lost {sum(int(x[5]) for x in r)}  dups {sum(int(x[6]) for x in r)}")
PY
