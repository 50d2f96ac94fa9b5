#!/usr/bin/env bash
# Fuzzes egressmon with libFuzzer: builds every target of tests/fuzz in build-fuzz (Clang,
# -DEGRESSMON_FUZZ=ON: ASan + UBSan + coverage), writes the seed corpus into build-fuzz/corpus,
# replays every past crash kept in tests/fuzz/regressions/<target>/, then runs each target for
# SECONDS_PER_TARGET seconds (default 20), two at a time. Fails, naming the crash file, when any
# target finds a crash, a sanitizer report, a leak or a timeout.
#
#   ./scripts/fuzz.sh [SECONDS_PER_TARGET]
#
# What libFuzzer finds stays in build-fuzz/corpus/<target>, so later runs start from there.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=build-fuzz
parallel=2 # the reference machine has 2 cores

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DEGRESSMON_FUZZ=ON -DEGRESSMON_BUILD_BENCH=OFF -DEGRESSMON_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$parallel" --target egressmon_fuzz_targets
python3 tests/fuzz/make_seed_corpus.py "$build/corpus" >/dev/null

targets=()
for source in tests/fuzz/*_fuzz.cpp; do
    targets+=("$(basename "$source" .cpp)")
done
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Past crashes first: libFuzzer runs the files given as arguments once each.
for target in "${targets[@]}"; do
    dir="tests/fuzz/regressions/$target"
    [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] || continue
    if ! "$build/tests/fuzz/$target" "$dir"/* >"$build/regressions-$target.log" 2>&1; then
        echo "fuzz: $target fails on a kept regression input:" >&2
        grep -E "Running: |ERROR|SUMMARY" "$build/regressions-$target.log" | tail -n 20 >&2
        exit 1
    fi
    echo "fuzz: $target: $(ls "$dir" | wc -l) regression inputs pass"
done

fuzz_one() {
    local build=$1 seconds=$2 target=$3
    local log="$build/fuzz-logs/$target.log" artifacts="$build/fuzz-artifacts/$target/"
    mkdir -p "$build/corpus/$target" "$artifacts"
    if "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts" \
        "$build/corpus/$target" >"$log" 2>&1; then
        echo "fuzz: $target: $(grep -o 'number_of_executed_units: [0-9]*' "$log" |
            grep -o '[0-9]*$') runs in ${seconds}s, no finding"
    else
        echo "fuzz: $target FAILED; log $log" >&2
        grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -n 5 >&2
        grep -o "Test unit written to .*" "$log" >&2 || true
        return 1
    fi
}
export -f fuzz_one
mkdir -p "$build/fuzz-logs"
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $parallel at a time"
printf '%s\n' "${targets[@]}" | xargs -P "$parallel" -I{} bash -c 'fuzz_one "$@"' _ \
    "$build" "$seconds" {} || {
    echo "fuzz: findings above; keep each crash file under tests/fuzz/regressions/<target>/" >&2
    exit 1
}
