#!/usr/bin/env bash
# Starts a local cluster of N herald nodes (default 3) on 127.0.0.1, in the
# foreground; Ctrl-C stops them all (by pid). Node i listens on 808i (HTTP and
# WebSocket) and 740i (cluster), keeps its data in ./data/node-i, and seeds
# from node 1. Builds first if needed. Usage: scripts/cluster.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
[ -x build/apps/herald ] || { bash scripts/install-deps.sh; bash scripts/build.sh; }
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
trap stop EXIT INT TERM
for i in $(seq 1 "$n"); do
  seeds=""
  [ "$i" -gt 1 ] && seeds="127.0.0.1:7401"
  ./build/apps/herald --config config.ini --node.name="node$i" --node.listen="127.0.0.1:808$i" \
    --node.cluster_listen="127.0.0.1:740$i" --node.data_dir="./data/node-$i" --cluster.seeds="$seeds" &
  pids+=($!)
done
echo "cluster of $n nodes: http://127.0.0.1:8081 .. http://127.0.0.1:808$n (pids ${pids[*]}); Ctrl-C stops them"
wait
