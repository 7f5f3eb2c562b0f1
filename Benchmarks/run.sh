#!/usr/bin/env bash
# The performance benchmark (issue #5): payplan against the DuckDB SQL an
# analyst would write, the cat floor, check and what-if. Not a unit test.
#
#   Benchmarks/run.sh            # 5 runs each (median), figures to Benchmarks/results.md
#   RUNS=3 Benchmarks/run.sh
#
# Builds payplan in release mode, generates the data once (deterministic:
# seeds 42 and 5) and installs duckdb from PyPI into Benchmarks/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"

swift build -c release --product payplan >&2
swift build -c release --product payplan-gen >&2
BIN="$(swift build -c release --show-bin-path)"

if [ ! -f Benchmarks/data/large/transactions.csv ]; then
    echo "generating 100k reps / 10M transactions (~450 MB)…" >&2
    "$BIN/payplan-gen" --reps 100000 --transactions 10000000 --seed 42 --out Benchmarks/data/large
fi
if [ ! -f Benchmarks/data/medium/transactions.csv ]; then
    "$BIN/payplan-gen" --reps 10000 --transactions 1000000 --seed 5 --out Benchmarks/data/medium
fi
if [ ! -x Benchmarks/.venv/bin/python ]; then
    python3 -m venv Benchmarks/.venv
    Benchmarks/.venv/bin/pip install --quiet duckdb
fi

Benchmarks/.venv/bin/python Benchmarks/bench.py --payplan "$BIN/payplan" \
    --large Benchmarks/data/large --medium Benchmarks/data/medium --runs "$RUNS" \
    --python Benchmarks/.venv/bin/python --report Benchmarks/results.md
