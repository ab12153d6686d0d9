# shellcheck shell=bash
# What the bench scripts share, sourced from the repository's root: a
# herald node on the bench template, bounded waits for it, and a
# process's CPU time.

# herald_ini NAME PORT DATA_DIR: scripts/bench/peers/herald.ini for one
# node, on stdout.
herald_ini() {
  sed -e "s|@NAME@|$1|; s|@PORT@|$2|; s|@DATA@|$3|" scripts/bench/peers/herald.ini
}

# cluster_args I PORT FIRST_PORT: node I's (from 1) cluster listener on
# PORT + 1000 and, past the first node, the first node's as its seed.
cluster_args() {
  echo "--node.cluster_listen=127.0.0.1:$(($2 + 1000))"
  [ "$1" -gt 1 ] && echo "--cluster.seeds=127.0.0.1:$(($3 + 1000))"
  return 0
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (10 s at most).
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2
  return 1
}

# wait_healthy URL [CURL_OPTION...]: until URL answers 2xx (10 s at most).
wait_healthy() {
  local url=$1
  shift
  for _ in $(seq 100); do
    curl -sf "$@" "$url" >/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers $url" >&2
  return 1
}

# wait_members N PORT...: until each node's /v1/cluster lists N members
# (10 s each at most), then a second for the ring to settle.
wait_members() {
  local n=$1 p
  shift
  for p in "$@"; do
    for _ in $(seq 100); do
      [ "$(curl -s "http://127.0.0.1:$p/v1/cluster" | grep -o '"name"' | wc -l)" = "$n" ] && break
      sleep 0.1
    done
  done
  sleep 1
}

# A process's CPU so far, user + system, in clock ticks (getconf CLK_TCK).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
