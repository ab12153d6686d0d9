#!/usr/bin/env bash
# The whole suite (Catch2 and integration) on an ASan + UBSan build of
# herald in build-asan/: any report fails the run. Usage:
#   scripts/sanitize.sh            # address + undefined
#   SAN=thread scripts/sanitize.sh [ctest -R regex]   # TSan, e.g. the socket/actor bridge tests
# TSan builds against a CAF built with TSan from Debian's own source of
# libcaf-dev (scripts/tsan-caf.sh): an uninstrumented CAF makes every
# message hand-over look like a race.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-test-tools
san=${SAN:-address,undefined}
dir=build-${san//,/-}
caf=()
if [ "$san" = thread ]; then
  prefix=$(bash scripts/tsan-caf.sh)
  caf=(-DCAF_INCLUDE_DIR="$prefix/include" -DCAF_CORE="$prefix/lib/libcaf_core.so" -DCAF_IO="$prefix/lib/libcaf_io.so")
fi
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${caf[@]}" \
  -DCMAKE_CXX_FLAGS="-fsanitize=$san -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$san" >/dev/null
cmake --build "$dir" -j"$(nproc)"
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
# Reports go to stderr of the process that has them; halt on the first,
# so a test sees the process die and fails. Leaks are reports too.
# A small quarantine: the default holds 256 MB of freed memory, which the
# tests that bound server RSS would read as a leak.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp}
cd "$dir"
if [ $# -gt 0 ]; then ctest --output-on-failure -j"$(nproc)" --timeout 600 -R "$1"
else ctest --output-on-failure -j"$(nproc)" --timeout 600; fi
