#!/usr/bin/env bash
# Issue 17's figures, one node, in one alternating run:
#  - durable pushes (ttl 3600, to users without sessions, so each push is
#    also an `undelivered` webhook event) with webhooks off, on with a
#    receiver that answers 200 at once (Node's http server, which reads
#    every body; and nginx's `return 200`, the cheapest receiver there is,
#    since on two cores the receiver's CPU is taken from herald's), and on
#    with a receiver that never answers: pushes/s and the API's p99;
#  - the same pushes through POST /v1/push/batch (BATCH per call) beside
#    single POST /v1/push.
# Loopback only; every process started here is stopped by pid.
# Usage: scripts/bench/hooks-batch.sh [seconds] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
secs=${1:-10}; runs=${2:-3}; batch=${BATCH:-100}
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi
# The Debian package may start a system nginx on port 80: not ours to keep.
[ -f /run/nginx.pid ] && kill "$(cat /run/nginx.pid)" 2>/dev/null || true
[ -x build/apps/herald ] || bash scripts/build.sh
port=18940; hport=18941
work=$(mktemp -d)
cleanup() {
  for f in "$work"/pid "$work"/rpid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
start_receiver() { # $1 = ok|hang|nginx
  if [ "$1" = nginx ]; then
    mkdir -p "$work/ng"
    cat > "$work/ng/nginx.conf" <<NG
daemon off; worker_processes 1; pid $work/ng/nginx.pid; error_log $work/ng/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $work/ng; client_max_body_size 64m;
  server { listen 127.0.0.1:$hport; location /hooks { return 200 '{}'; } } }
NG
    nginx -c "$work/ng/nginx.conf" -p "$work/ng" > "$work/rlog" 2>&1 &
  else
    node scripts/bench/hook-receiver.mjs $hport "$1" > "$work/rlog" 2>&1 &
  fi
  echo $! > "$work/rpid"
  wait_port "$hport" || true
}
stop_receiver() { kill "$(cat "$work/rpid")" 2>/dev/null || true; wait "$(cat "$work/rpid")" 2>/dev/null || true; rm -f "$work/rpid"; }
run_one() { # $1 = hooks off|ok|hang, $2 = wrk script, $3 = connections
  rm -rf "$work/data"
  local hooks=()
  if [ "$1" != off ]; then
    start_receiver "$1"
    hooks=(--namespace.demo.webhook_url=http://127.0.0.1:$hport/hooks --namespace.demo.webhook_events=undelivered
           --namespace.demo.webhook_timeout=5)
  fi
  ./build/apps/herald --config config.ini --node.listen=127.0.0.1:$port --node.data_dir="$work/data" \
    --node.log_level=error "${hooks[@]}" > "$work/log" 2>&1 &
  echo $! > "$work/pid"
  wait_healthy "http://127.0.0.1:$port/healthz" || true
  local out
  out=$(TTL=3600 USERS=10000 BATCH=$batch wrk -t1 -c"$3" -d"${secs}s" -s "$2" "http://127.0.0.1:$port" | grep RESULT)
  local q
  q=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^herald_webhook_events_total\{ns="demo",result="(emitted|delivered|dropped)"\}/ {split($1,a,"result=\""); sub("\"}","",a[2]); printf "%s=%d ", a[2], $2}')
  kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true
  [ "$1" != off ] && stop_receiver
  echo "$out $q"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r); ${secs}s per cell"
for r in $(seq "$runs"); do
  for h in off ok nginx hang; do
    echo "run=$r kind=single hooks=$h c=64 $(run_one $h scripts/bench/push.lua 64)"
  done
  echo "run=$r kind=batch$batch hooks=off c=8 $(run_one off scripts/bench/push_batch.lua 8)"
done
