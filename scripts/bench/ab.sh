#!/usr/bin/env bash
# Two herald builds on the same room fan-out, alternating, for an A/B of a
# change: each run is scripts/bench/fanout-cpu.sh with HERALD_BIN set (its
# herald CPU, deliveries/s and latency); then the medians of each build.
# Usage: scripts/bench/ab.sh A_BIN B_BIN [pairs=3] [members=10000] [rate=0]
#   rate 0: publish as fast as accepted (saturation); else messages/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
a=$(realpath "$1"); b=$(realpath "$2"); pairs=${3:-3}; members=${4:-10000}; rate=${5:-0}
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
one() {  # binary label
  HERALD_BIN="$1" MEMBERS="$members" bash scripts/bench/fanout-cpu.sh "$rate" | grep '^rate' | sed "s|^|$2 |" | tee -a "$lines"
}
echo "$members members, rate $rate (0: as fast as accepted); A = $a, B = $b"
for i in $(seq "$pairs"); do
  if [ $((i % 2)) = 1 ]; then one "$a" A; one "$b" B; else one "$b" B; one "$a" A; fi
done
python3 - "$lines" <<'PY'
import re, statistics, sys
pat = re.compile(r"^(\w) rate \S+: herald (\d+)%.*deliveries/s (\S+) .*p50 (\S+) ms  p99 (\S+) ms  lost (\d+)  dups (\d+)")
rows = [m.groups() for m in map(pat.match, open(sys.argv[1])) if m]
for label in ("A", "B"):
    r = [x for x in rows if x[0] == label]
    med = lambda i: statistics.median(float(x[i]) for x in r)
    print(f"median {label} ({len(r)} runs): {med(2):.0f}/s  p50 {med(3):.1f} ms  p99 {med(4):.1f} ms  herald cpu {med(1):.0f} %"
          f"  lost {sum(int(x[5]) for x in r)}  dups {sum(int(x[6]) for x in r)}")
PY
