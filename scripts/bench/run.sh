#!/usr/bin/env bash
# The benchmark scenarios of docs/benchmarks.md, each against herald,
# Socket.IO 4, nginx+nchan and NATS 2.9 in one session, with herald-bench as the
# client. Loopback only; every process started here is stopped by pid.
#
#   scripts/bench/run.sh [runs] [scenario ...]
#   scenarios: idle idle-cluster fanout saturation p2p cluster   (default: all)
#   SERVERS="herald herald-sio socketio nchan nats" picks the servers (default:
#     all; herald-sio is herald's Socket.IO endpoint, docs/socketio.md)
#   HERALD_WORKERS=n sets herald's node.workers (default: the config's, 0: actors on the io threads)
#   HERALD_IO=n sets herald's node.io_threads (default: the config's)
#   HERALD_ARGS="--section.key=value ..." more settings for every herald node (an A/B)
#
# Results: one JSON line per run in bench-results/<date>.jsonl, then a
# table of medians (min-max) and ratios by scripts/bench/summarize.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
. scripts/bench/lib.sh
runs=${1:-3}; shift || true
scenarios=${*:-idle idle-cluster fanout saturation p2p cluster}
servers=${SERVERS:-herald herald-sio socketio nchan nats}

# -- install what is missing ---------------------------------------------------
need_apt=()
command -v nginx >/dev/null || need_apt+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || need_apt+=(libnginx-mod-nchan)
command -v node >/dev/null || need_apt+=(nodejs npm)
command -v nats-server >/dev/null || need_apt+=(nats-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The Debian package may start a system nginx on port 80: not ours to keep.
[ -f /run/nginx.pid ] && kill "$(cat /run/nginx.pid)" 2>/dev/null || true
[ -d scripts/bench/peers/node_modules/socket.io ] || (cd scripts/bench/peers && npm ci --no-audit --no-fund --silent)
[ -x build/apps/herald-bench ] && [ -x build/apps/herald ] || bash scripts/build.sh
herald=${HERALD_BIN:-$root/build/apps/herald}  # HERALD_BIN: another build, for an A/B
bench=$root/build/apps/herald-bench

mkdir -p bench-results
out=bench-results/$(date -u +%Y%m%dT%H%M%S).jsonl
work=$(mktemp -d /tmp/herald-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Each start_* sets $srv_pid (what to stop) and $rss_pids (whose RSS counts).
start_herald() { # $1 = port, $2 = name, then extra --key=value args
  local port=$1 name=$2; shift 2
  rm -rf "$work/$name"; mkdir -p "$work/$name"
  herald_ini "$name" "$port" "$work/$name/data" > "$work/$name.ini"
  "$herald" --config "$work/$name.ini" ${HERALD_WORKERS:+--node.workers=$HERALD_WORKERS} ${HERALD_IO:+--node.io_threads=$HERALD_IO} ${HERALD_ARGS:-} "$@" > "$work/$name.log" 2>&1 &
  srv_pid=$!; rss_pids=$srv_pid; pids+=("$srv_pid")
  wait_port "$port"
}
start_socketio() { # $1 = port
  node scripts/bench/peers/socketio-server.mjs "$1" > "$work/socketio.log" 2>&1 &
  srv_pid=$!; rss_pids=$srv_pid; pids+=("$srv_pid")
  wait_port "$1"
}
start_nchan() { # $1 = port
  mkdir -p "$work/nginx"
  sed -e "s|PORT|$1|; s|WORK|$work/nginx|g" scripts/bench/peers/nchan.conf > "$work/nginx/nginx.conf"
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' > "$work/nginx.log" 2>&1 &
  srv_pid=$!; pids+=("$srv_pid")
  wait_port "$1"
  rss_pids=$(pgrep -P "$srv_pid" | paste -sd, -)  # the worker (the master holds no connections)
  rss_pids="$srv_pid,$rss_pids"
}
# NATS: subscribers on its WebSocket listener ($1), publishers on its
# client port ($1 + 2000), its own protocol on both (verbose publishers:
# each PUB answered +OK, herald-bench's round trip).
start_nats() { # $1 = WebSocket port
  mkdir -p "$work/nats"
  printf 'listen: 127.0.0.1:%s\nmax_payload: 1MB\nwebsocket {\n  listen: "127.0.0.1:%s"\n  no_tls: true\n}\n' \
    $(($1 + 2000)) "$1" > "$work/nats/nats.conf"
  nats-server -c "$work/nats/nats.conf" > "$work/nats.log" 2>&1 &
  srv_pid=$!; rss_pids=$srv_pid; pids+=("$srv_pid")
  wait_port "$1"
  wait_port $(($1 + 2000))
}
# The extra herald-bench arguments a server needs.
peer_args() { # $1 = server, $2 = port
  [ "$1" = nats ] && echo "--pub-port $(($2 + 2000))" || true
}
stop_server() {
  kill "$srv_pid" 2>/dev/null || true
  wait "$srv_pid" 2>/dev/null || true
}

# Runs herald-bench against one server and tags its JSON line.
measure() { # $1 = scenario, $2 = server, $3 = run, then herald-bench args
  local scenario=$1 server=$2 run=$3; shift 3
  local line
  line=$("$bench" --server "$server" --pids "$rss_pids" "$@" 2> "$work/bench.err" | tail -1) || true
  if [ -z "$line" ]; then echo "bench failed: $(tail -3 "$work/bench.err")" >&2; return 0; fi
  echo "{\"scenario\":\"$scenario\",\"run\":$run,\"args\":\"$*\",${line:1}" >> "$out"
  echo "$scenario $server run $run: $line"
}

on_server() { # $1 = herald|socketio|nchan|nats, $2 = port
  case $1 in
    herald|herald-sio) start_herald "$2" bench1 ;;
    socketio) start_socketio "$2" ;;
    nchan) start_nchan "$2" ;;
    nats) start_nats "$2" ;;
  esac
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB, $(uname -r)"
echo "results: $out"
port=18200
for run in $(seq "$runs"); do
  for s in $scenarios; do
    case $s in
      idle)
        for n in 5000 10000 19000; do
          for srv in $servers; do
            port=$((port + 1)); on_server $srv $port
            measure "idle-$n" $srv "$run" --port $port $(peer_args $srv $port) --mode idle --conns $n --hold 5
            stop_server
          done
        done ;;
      idle-cluster)
        # 100k connections over 6 herald nodes, one bench process per node
        # (each process is limited to 20,000 open files).
        ports=(); allpids=()
        for i in 1 2 3 4 5 6; do
          port=$((port + 1)); ports+=($port)
          start_herald $port "c$i" $(cluster_args $i $port "${ports[0]}")
          allpids+=("$srv_pid")
        done
        rss_pids=$(IFS=,; echo "${allpids[*]}")
        benchpids=()
        # Staggered, 12 s apart, with few connects in flight: all six at
        # once overload the two cores. Each process connects its share in
        # seconds (5 of 6 sessions attach to a user homed on another node),
        # gets up to 300 s for it, and holds long enough for all six to
        # overlap; each reads its node's RSS 5 s after its own connections
        # are up.
        for i in 0 1 2 3 4 5; do
          "$bench" --server herald --port "${ports[$i]}" --mode idle --conns 16667 --offset $((i * 16667)) \
            --window 64 --connect-timeout 300 --hold $(( (5 - i) * 12 + 60 )) --run "cl$run" \
            --pids "${allpids[$i]}" > "$work/cl$i.json" 2> "$work/cl$i.err" &
          benchpids+=($!)
          sleep 12
        done
        for p in "${benchpids[@]}"; do wait "$p" || true; done
        node scripts/bench/summarize.mjs --merge-idle "$run" "$work"/cl?.json >> "$out"
        tail -1 "$out"
        for p in "${allpids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${allpids[@]}"; do wait "$p" 2>/dev/null || true; done ;;
      fanout)
        for srv in $servers; do
          port=$((port + 1)); on_server $srv $port
          measure fanout $srv "$run" --port $port $(peer_args $srv $port) --conns 10000 --rooms 1 --rate 50 --duration 10 --drain 5
          stop_server
          # The same room at a tenth of the rate: latency below saturation.
          port=$((port + 1)); on_server $srv $port
          measure fanout-5hz $srv "$run" --port $port $(peer_args $srv $port) --conns 10000 --rooms 1 --rate 5 --duration 10 --drain 5
          stop_server
        done ;;
      saturation)
        for srv in $servers; do
          port=$((port + 1)); on_server $srv $port
          measure saturation $srv "$run" --port $port $(peer_args $srv $port) --conns 10000 --rooms 1 --rate 0 --duration 10 --drain 10
          stop_server
        done ;;
      p2p)
        for srv in herald socketio nchan nats; do
          case " $servers " in *" $srv "*) ;; *) continue ;; esac  # SERVERS picks here too
          port=$((port + 1)); on_server $srv $port
          measure p2p $srv "$run" --port $port $(peer_args $srv $port) --conns 10000 --mode users --rate 0 --duration 10 --publishers 64
          if [ $srv = herald ]; then
            measure p2p-durable $srv "$run" --port $port --conns 10000 --mode users --rate 0 --duration 10 --publishers 64 --ttl 3600
          fi
          stop_server
        done ;;
      cluster)
        ports=(); allpids=()
        for i in 1 2 3; do
          port=$((port + 1)); ports+=($port)
          start_herald $port "k$i" $(cluster_args $i $port "${ports[0]}")
          allpids+=("$srv_pid")
        done
        wait_members 3 "${ports[@]}"
        rss_pids=$(IFS=,; echo "${allpids[*]}")
        measure cluster-fanout herald "$run" --ports "$(IFS=,; echo "${ports[*]}")" --port "${ports[0]}" \
          --conns 10000 --rooms 1 --rate 50 --duration 10 --drain 5
        measure cluster-saturation herald "$run" --ports "$(IFS=,; echo "${ports[*]}")" --port "${ports[0]}" \
          --conns 10000 --rooms 1 --rate 0 --duration 10 --drain 10
        for p in "${allpids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${allpids[@]}"; do wait "$p" 2>/dev/null || true; done ;;
      *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
  done
done
node scripts/bench/summarize.mjs "$out"
