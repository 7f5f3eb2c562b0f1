#!/usr/bin/env bash
# The workbench benchmark (issue #16): a parameter change on 100,000 reps /
# 10,000,000 transactions answered by `payplan serve` after the first request.
#
#   Benchmarks/serve.sh            # 10 changes of each kind (RUNS=…)
#
# Builds payplan in release mode and generates the data once, like run.sh
# (the same files: seed 42).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"

swift build -c release --product payplan >&2
swift build -c release --product payplan-gen >&2
BIN="$(swift build -c release --show-bin-path)"

if [ ! -f Benchmarks/data/large/transactions.csv ]; then
    echo "generating 100k reps / 10M transactions (~450 MB)…" >&2
    "$BIN/payplan-gen" --reps 100000 --transactions 10000000 --seed 42 --out Benchmarks/data/large
fi
python3 Benchmarks/serve_bench.py "$BIN/payplan" rules/reference-plan.yaml Benchmarks/data/large "$RUNS"
