#!/usr/bin/env bash
# One command: install what is missing, build, start a node on config.ini
# (RocksDB under ./data). Extra arguments go to herald, e.g.
#   scripts/run.sh --node.listen=127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/apps/herald --config config.ini "$@"
