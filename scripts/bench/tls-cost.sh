#!/usr/bin/env bash
# What TLS costs herald: idle memory per connection (10k connections held)
# and room fan-out saturation (10k members, publish as fast as accepted),
# plain and TLS in turn on the same build, RUNS times each. The
# certificate comes from a CA made here with the openssl CLI; herald-bench
# verifies it (--tls-ca). Loopback only; every process started here is
# stopped by pid. Prints one JSON line per measurement, then the medians.
# Usage: [RUNS=3] [CONNS=10000] scripts/bench/tls-cost.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
runs=${RUNS:-3}
conns=${CONNS:-10000}
[ -x build/apps/herald ] && [ -x build/apps/herald-bench ] || bash scripts/build.sh
work=$(mktemp -d /tmp/herald-tls.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
ssl() { openssl "$@" 2>/dev/null; }
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" \
  -days 2 -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE
ssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/node.key" -out "$work/node.csr" -subj /CN=bench
printf 'subjectAltName=IP:127.0.0.1\n' > "$work/ext"
ssl x509 -req -in "$work/node.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -out "$work/node.crt" \
  -days 2 -extfile "$work/ext"
port=18960
out=$work/results.jsonl
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), $(openssl version)"
start() { # $1 = plain|tls
  rm -rf "$work/data"
  herald_ini tls "$port" "$work/data" > "$work/h.ini"
  local extra=()
  [ "$1" = tls ] && extra=(--node.tls_cert="$work/node.crt" --node.tls_key="$work/node.key")
  ./build/apps/herald --config "$work/h.ini" "${extra[@]}" > "$work/log" 2>&1 &
  pid=$!
  local url=http://127.0.0.1:$port/healthz ca=()
  [ "$1" = tls ] && url=https://127.0.0.1:$port/healthz ca=(--cacert "$work/ca.crt")
  wait_healthy "$url" "${ca[@]}" || { echo "herald did not start: $(tail -3 "$work/log")" >&2; exit 1; }
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
measure() { # $1 = scenario, $2 = plain|tls, $3 = run, then herald-bench args
  local scenario=$1 mode=$2 run=$3; shift 3
  local tls=()
  [ "$mode" = tls ] && tls=(--tls-ca "$work/ca.crt")
  local line
  line=$(./build/apps/herald-bench --server herald --port $port --pids "$pid" "${tls[@]}" "$@" 2> "$work/bench.err" | tail -1) || true
  if [ -z "$line" ]; then echo "bench failed: $(tail -3 "$work/bench.err")" >&2; return 0; fi
  echo "{\"scenario\":\"$scenario\",\"transport\":\"$mode\",\"run\":$run,${line:1}" | tee -a "$out"
}
for run in $(seq "$runs"); do
  for mode in plain tls; do
    start $mode
    measure idle $mode "$run" --mode idle --conns "$conns" --hold 5
    stop
    start $mode
    measure saturation $mode "$run" --conns "$conns" --rooms 1 --rate 0 --duration 10 --drain 10
    stop
  done
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const med = (a) => { a = [...a].sort((x, y) => x - y); return a.length ? a[(a.length - 1) >> 1] : NaN; };
const get = (s, t, k) => med(rows.filter((r) => r.scenario === s && r.transport === t).map((r) => r[k]));
for (const [s, k] of [["idle", "rss_per_conn"], ["saturation", "deliveries_per_s"], ["saturation", "lat_p99_us"]]) {
  const p = get(s, "plain", k), t = get(s, "tls", k);
  console.log(`${s} ${k}: plain ${p}, tls ${t}, tls/plain ${(t / p).toFixed(2)}`);
}' "$out"
