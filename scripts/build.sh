#!/usr/bin/env bash
# Configures and builds into ./build (ccache when present).
set -euo pipefail
cd "$(dirname "$0")/.."
# The pages' browser assets come from npm (apps/web/package-lock.json),
# embedded in the binary: nothing is fetched from a CDN at run time.
[ -f apps/web/node_modules/uplot/dist/uPlot.iife.min.js ] ||
  (cd apps/web && npm ci --no-audit --no-fund --loglevel=error)
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)"
