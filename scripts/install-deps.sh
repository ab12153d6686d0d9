#!/usr/bin/env bash
# Installs what herald needs to build and test on Debian 12 (as root),
# skipping what is already there. Safe to run again.
set -euo pipefail
pkgs=(build-essential cmake ccache pkg-config libcaf-dev libboost1.81-all-dev librocksdb-dev libjemalloc-dev
      nlohmann-json3-dev catch2 libssl-dev libcpp-jwt-dev libspdlog-dev prometheus-cpp-dev curl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm brings the pages' browser assets at build time (apps/web: the chart
# library), and Node.js drives the integration tests.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# The package test (tests/package) builds a .deb and installs it; the TLS
# tests make their certificates with the openssl CLI.
if [ "${1:-}" = "--with-test-tools" ]; then
  # chromium: Debian's browser, for the headless browser tests
  # (tests/integration/browser_*.test.mjs, driven by npm puppeteer-core).
  for p in dpkg-dev fakeroot adduser openssl chromium; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
