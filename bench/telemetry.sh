#!/bin/sh
# Gateway throughput with telemetry on vs off (issue 4; see bench/README.md, "Telemetry on vs off").
# Same harness, token and settings as bench/gateway-vs-hive.sh (BENCH_AUTH set by gateway-vs-hive.ts,
# GATEWAY_MAX_COST=200000, LOG_LEVEL=warn); the no-dedup variants, so every request is executed:
#   ours-nodedup               --no-dedup                 (telemetry on: GATEWAY_TELEMETRY=on)
#   ours-nodedup-telemetry-off --no-dedup --no-telemetry
# Usage: bench/telemetry.sh [more bench.mjs options; later ones win]
set -e
cd "$(dirname "$0")/.."
# Own scratch/results folder, so a concurrent gateway-vs-hive run keeps its files.
export GWBENCH_DIR="${GWBENCH_DIR:-${TMPDIR:-/tmp}/gwbench-telemetry}"
exec npx tsx bench/gateway-vs-hive.ts \
  --only ours-nodedup,ours-nodedup-telemetry-off \
  --tests direct,heavy --rounds 2 --duration 15 --warmup 5 "$@"
