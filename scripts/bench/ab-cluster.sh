#!/usr/bin/env bash
# Two herald settings on the saturated room fan-out, on one node and on a
# 3-node local cluster, alternating, for an A/B that also shows the
# cluster's ratio to one node: each run starts fresh nodes on the bench
# template (scripts/bench/peers/herald.ini, data in a temp dir), runs
# herald-bench as run.sh's saturation / cluster-saturation scenarios do
# (10k members of one room, rate 0, 4 publishers on the first node), and
# stops them by pid. Then the medians of each setting and size.
# Usage: scripts/bench/ab-cluster.sh ROUNDS "A_ARGS" "B_ARGS"
#   e.g. ... 3 "--node.write_delay=0" "--node.write_delay=50"
#   HERALD_BIN=path: another build (default build/apps/herald)
#   HERALD_BIN_B=path: B's build when it differs from A's (an A/B of a change)
#   PERF_STAT=1: each run also prints the nodes' CPU, sendmsg calls per
#     second and frames per sendmsg (perf stat over 5 s of the publishing)
#   RATE=n: publishes per second instead of as fast as accepted (latency at
#     equal load); DRAIN=s: seconds to wait for the last deliveries (10)
#   SIZES="3": only the 3-node runs (default "1 3")
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
rounds=$1; a_args=$2; b_args=$3
herald=$(realpath "${HERALD_BIN:-build/apps/herald}")
herald_b=$(realpath "${HERALD_BIN_B:-$herald}")
bench=build/apps/herald-bench
[ -x "$bench" ] && [ -x "$herald" ] || bash scripts/build.sh
work=$(mktemp -d /tmp/herald-abc.XXXXXX)
lines=$work/lines
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() { stop_all; rm -rf "$work"; }
trap cleanup EXIT
port=18700
one() {  # label, nodes, herald args (one word list)
  local label=$1 n=$2 args=$3 ports=() i p seeds bin=$herald
  [ "$label" = B ] && bin=$herald_b
  for i in $(seq "$n"); do
    port=$((port + 1)); ports+=($port)
    rm -rf "$work/n$i"; mkdir -p "$work/n$i"
    herald_ini "ab$i" "$port" "$work/n$i/data" > "$work/n$i.ini"
    seeds=""
    [ "$n" -gt 1 ] && seeds=$(cluster_args "$i" "$port" "${ports[0]}")
    # shellcheck disable=SC2086  # the settings are separate words
    "$bin" --config "$work/n$i.ini" $seeds $args > "$work/n$i.log" 2>&1 &
    pids+=($!)
    wait_port "$port"
  done
  [ "$n" -gt 1 ] && wait_members "$n" "${ports[@]}"  # every node sees every member
  local line stats=() cores=0 sends=0
  if [ "${PERF_STAT:-0}" = 1 ]; then  # each node's CPU and sendmsg calls over 5 s of the publishing
    for p in "${pids[@]}"; do
      (sleep 6; perf stat -x, -e task-clock,syscalls:sys_enter_sendmsg -p "$p" -- sleep 5) > /dev/null 2> "$work/stat.$p" &
      stats+=($!)
    done
  fi
  line=$("$bench" --server herald --port "${ports[0]}" --ports "$(IFS=,; echo "${ports[*]}")" \
    --pids "$(IFS=,; echo "${pids[*]}")" --conns 10000 --rooms 1 --rate "${RATE:-0}" --duration 10 --drain "${DRAIN:-10}" 2> "$work/bench.err" | tail -1)
  [ -n "$line" ] || { echo "bench failed: $(tail -3 "$work/bench.err")" >&2; exit 1; }
  echo "$label$n $line" >> "$lines"
  echo "$label$n: $(echo "$line" | grep -oE '"(deliveries_per_s|lat_p99_us|lost|duplicates)":[0-9.]*' | tr '\n' ' ')"
  if [ ${#stats[@]} -gt 0 ]; then
    wait "${stats[@]}"
    cores=$(awk -F, '$3 == "task-clock" {ms += $1} END {printf "%.2f", ms / 5000}' "$work"/stat.*)
    sends=$(awk -F, '$3 ~ /sendmsg/ {n += $1} END {printf "%.0f", n / 5}' "$work"/stat.*)
    rm -f "$work"/stat.*
    echo "$label$n: nodes' CPU $cores cores, $sends sendmsg/s, $(echo "$line" | python3 -c "import json,sys; print(f'{json.load(sys.stdin)[\"deliveries_per_s\"] / max(1, $sends):.1f}')") frames per sendmsg"
  fi
  stop_all
}
echo "A = $herald $a_args; B = $herald_b $b_args"
for i in $(seq "$rounds"); do
  for n in ${SIZES:-1 3}; do
    if [ $((i % 2)) = 1 ]; then one A "$n" "$a_args"; one B "$n" "$b_args"
    else one B "$n" "$b_args"; one A "$n" "$a_args"; fi
  done
done
python3 - "$lines" <<'PY'
import json, statistics, sys
rows = [(l.split(" ", 1)[0], json.loads(l.split(" ", 1)[1])) for l in open(sys.argv[1]) if l.strip()]
keys = ["deliveries_per_s", "publish_rate", "api_p50_us", "lat_p50_us", "lat_p99_us", "lost", "duplicates"]
med = {}
for label in ("A1", "B1", "A3", "B3"):
    r = [x for l, x in rows if l == label]
    if not r: continue
    med[label] = {k: statistics.median(x.get(k, 0) for x in r) for k in keys}
    print(f"median {label} ({len(r)} runs): " + "  ".join(f"{k} {med[label][k]:.0f}" for k in keys))
for s in ("A", "B"):
    if s + "1" in med and s + "3" in med:
        print(f"{s}: 3 nodes / 1 node = {med[s + '3']['deliveries_per_s'] / med[s + '1']['deliveries_per_s']:.2f}")
print("B / A: " + ", ".join(f"{n} node{'s' if n == '3' else ''} {med['B' + n]['deliveries_per_s'] / med['A' + n]['deliveries_per_s']:.2f}"
                            for n in ("1", "3") if "A" + n in med))
PY
