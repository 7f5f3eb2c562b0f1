#!/usr/bin/env bash
# The period ledger benchmark (issue 15): close against run, ledger show,
# ledger size. Not a unit test.
#
#   Benchmarks/ledger.sh                      # 100k reps, 2M transactions, 3 runs each
#   TX=10000000 RUNS=5 Benchmarks/ledger.sh   # the run.sh data size
#
# Builds payplan in release mode and generates the data once (seed 42).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
TX="${TX:-2000000}"

swift build -c release --product payplan >&2
swift build -c release --product payplan-gen >&2
BIN="$(swift build -c release --show-bin-path)"

DATA="Benchmarks/data/ledger-100k-$TX"
if [ ! -f "$DATA/transactions.csv" ]; then
    mkdir -p "$(dirname "$DATA")"
    "$BIN/payplan-gen" --reps 100000 --transactions "$TX" --seed 42 --out "$DATA"
fi
python3 Benchmarks/ledger_bench.py --payplan "$BIN/payplan" --data "$DATA" --runs "$RUNS" --report Benchmarks/ledger-results.md
