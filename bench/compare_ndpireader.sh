#!/usr/bin/env bash
# Whole-pipeline throughput on one capture, egressmon beside Debian's ndpiReader 4.2 (the peer
# whose classification egressmon reproduces), measured in the same run on the same file.
# Usage: bench/compare_ndpireader.sh [CAPTURE] [REPEATS]
#   CAPTURE defaults to the largest shared nDPI capture; REPEATS (default 5) runs of each, best kept.
set -euo pipefail
cd "$(dirname "$0")/.."
capture=${1:-../shared/pcaps/ndpi/1kxun.pcap}
repeats=${2:-5}
bin=./build/app/egressmon
[ -x "$bin" ] || { echo "build first: cmake -S . -B build -G Ninja && cmake --build build"; exit 1; }
command -v ndpiReader >/dev/null || { echo "ndpiReader not installed (apt-get install libndpi-bin)"; exit 1; }
bytes=$(stat -c %s "$capture")

best() { # best wall seconds of $repeats runs of the given command
    local best_s=999999 s
    for _ in $(seq "$repeats"); do
        s=$(python3 -c "import time,subprocess,sys; t=time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(time.perf_counter()-t)" "$@")
        best_s=$(python3 -c "print(min($best_s, $s))")
    done
    echo "$best_s"
}

peer=$(best ndpiReader -i "$capture" -q -v 0)
printf "capture: %s (%d bytes)\n" "$capture" "$bytes"
printf "%-34s %9s %10s %8s\n" "run" "seconds" "MB/s" "vs peer"
printf "%-34s %9.4f %10.1f %8s\n" "ndpiReader 4.2 (1 thread)" "$peer" \
    "$(python3 -c "print($bytes/$peer/1e6)")" "1.00"
for w in 1 2; do
    s=$(best "$bin" -r "$capture" --workers "$w" --flows /dev/null)
    printf "%-34s %9.4f %10.1f %8.2f\n" "egressmon --workers $w --flows" "$s" \
        "$(python3 -c "print($bytes/$s/1e6)")" "$(python3 -c "print($peer/$s)")"
done
echo "--stats of the last configuration:"
"$bin" -r "$capture" --workers 2 --flows /dev/null --stats 2>&1 >/dev/null | python3 -c \
    "import json,sys; s=json.loads(sys.stdin.read().splitlines()[-1]); print({k: s[k] for k in ('packets','bytes','flows','elapsed_seconds','gbps','pps')})"
