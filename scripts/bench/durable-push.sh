#!/usr/bin/env bash
# Durable pushes per second and API latency, group commit on vs one WAL sync
# per write, measured in the same run. Loopback only; every process started
# here is stopped by pid. Usage: scripts/bench/durable-push.sh [seconds] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
secs=${1:-10}; runs=${2:-3}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x build/apps/herald ] || bash scripts/build.sh
port=18930
work=$(mktemp -d)
trap 'kill $(cat "$work"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
run_one() { # $1 = group_commit true|false, $2 = ttl, $3 = connections
  rm -rf "$work/data"
  ./build/apps/herald --config config.ini --node.listen=127.0.0.1:$port --node.data_dir="$work/data" \
    --node.log_level=warn --storage.group_commit="$1" > "$work/log" 2>&1 &
  echo $! > "$work/pid"
  wait_healthy "http://127.0.0.1:$port/healthz" || true
  TTL=$2 USERS=10000 wrk -t1 -c"$3" -d"${secs}s" -s scripts/bench/push.lua "http://127.0.0.1:$port" | grep RESULT
  kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
for r in $(seq "$runs"); do
  for gc in true false; do
    echo "run=$r group_commit=$gc ttl=3600 c=64 $(run_one $gc 3600 64)"
  done
  echo "run=$r group_commit=- ttl=0 c=64 $(run_one true 0 64)"
done
