#!/bin/sh
# Our gateway vs stock @apollo/gateway and Hive Gateway, auth on (see bench/README.md).
# Usage: bench/gateway-vs-hive.sh [bench.mjs options, e.g. --rounds 1 --warmup 2 --duration 5]
set -e
cd "$(dirname "$0")/.."
exec npx tsx bench/gateway-vs-hive.ts "$@"
