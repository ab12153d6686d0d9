#!/usr/bin/env bash
# One command: install what is missing, build, and run every test (Catch2
# unit tests and the integration tests that start real herald processes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-test-tools
bash scripts/build.sh
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
# Each libFuzzer target for a short fixed time (tests/fuzz, docs/testing.md);
# first, so that ctest's summary is the run's closing line.
bash scripts/fuzz.sh 10
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 300
