#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and runs each for
# SECONDS (default 600) from a seed corpus made of the repository's own
# plans, formulas and data. Findings land in Fuzz/crash-*, Fuzz/timeout-*;
# each becomes a regression case in Tests/PayplanCLITests/HostileInputTests.swift.
#
#   Fuzz/run.sh                 # all four targets, 10 minutes each
#   SECONDS_EACH=60 Fuzz/run.sh FuzzYAML
set -euo pipefail
cd "$(dirname "$0")"
EACH="${SECONDS_EACH:-600}"
TARGETS=("${@:-FuzzYAML FuzzFormula FuzzChecker FuzzCSV}")
TARGETS=(${TARGETS[*]})

swift build -c debug --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -g >&2
BIN="$(swift build -c debug --build-path .build-fuzz --show-bin-path)"

seed() {
    local dir="corpus-$1"
    mkdir -p "$dir"
    case "$1" in
    FuzzYAML | FuzzChecker)
        cp ../rules/*.yaml ../examples/*.yaml "$dir"/
        cp ../Tests/PayplanCheckerTests/Fixtures/bad/*.yaml "$dir"/ ;;
    FuzzFormula)
        grep -h -E '^\s+(formula|when|gate|measure|base|cap):' ../rules/*.yaml | sed -E 's/^[^:]+:\s*//' |
            awk '{ f = sprintf("%s/f%04d", dir, NR); print > f; close(f) }' dir="$dir" ;;
    FuzzCSV)
        printf '%s\x1e%s\x1e%s\x1e%s' "$(cat ../examples/reps.csv)" "$(cat ../examples/products.csv)" \
            "$(cat ../examples/targets.csv)" "$(head -40 ../examples/transactions.csv)" > "$dir/example" ;;
    esac
}

for t in "${TARGETS[@]}"; do
    seed "$t"
    echo "== $t for $EACH s" >&2
    # -rss_limit_mb: a leak or a blow-up fails; -timeout: a hang fails.
    "$BIN/$t" "corpus-$t" -max_total_time="$EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$t-" 2>&1 | tail -25
done
