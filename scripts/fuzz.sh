#!/usr/bin/env bash
# libFuzzer targets (tests/fuzz/*.cpp) built with Debian's clang 14 and
# ASan + UBSan into build-fuzz/, each run from its seed corpus
# (tests/fuzz/corpus/TARGET) in a scratch copy. Usage:
#   scripts/fuzz.sh [seconds=20] [target ...]     # each target for a fixed time (CI)
#   RUNS=10000000 scripts/fuzz.sh 0 [target ...]  # each for a number of executions
# A crash leaves its input in build-fuzz/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
[ -f /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || need+=(libfuzzer-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/install-deps.sh
seconds=${1:-20}; shift || true
targets=${*:-ws_reader json_scan client_frame url config token socketio}
out=build-fuzz
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.)
core=(actors/json_scan.cpp actors/wire.cpp actors/names.cpp actors/room_access.cpp actors/namespace_settings.cpp)
for t in $targets; do
  case $t in
    ws_reader) src=(net/ws_codec.cpp); libs=(-lcrypto) ;;
    json_scan|client_frame) src=(); libs=() ;;
    url) src=(net/url.cpp); libs=() ;;
    config) src=(apps/config.cpp); libs=() ;;
    token) src=(net/token.cpp net/url.cpp); libs=(-lssl -lcrypto) ;;
    socketio) src=(net/eio_codec.cpp net/sio_frames.cpp); libs=() ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
  clang++-14 "${flags[@]}" "tests/fuzz/$t.cpp" "${core[@]}" "${src[@]}" "${libs[@]}" -o "$out/$t"
done
rc=0
for t in $targets; do
  work=$(mktemp -d)
  [ -d "tests/fuzz/corpus/$t" ] && cp -r "tests/fuzz/corpus/$t/." "$work/"
  seeds=$(ls "$work" | wc -l)
  args=(-max_len=65536 -artifact_prefix="$out/crash-$t-" -print_final_stats=1)
  if [ "$seconds" = 0 ]; then args+=(-runs="${RUNS:-10000000}"); else args+=(-max_total_time="$seconds"); fi
  echo "== $t ($seeds seeds)"
  if ! "$out/$t" "${args[@]}" "$work" 2> "$out/$t.log"; then
    echo "FAILED: $t (see $out/$t.log)"; tail -30 "$out/$t.log"; rc=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/$t.log" | sed "s/^/  /"
  echo "  corpus after: $(ls "$work" | wc -l) inputs"
  rm -rf "$work"
done
exit $rc
