#!/usr/bin/env python3
"""Throughput of this build against another egressmon binary (the previous commit's, say) on
the same capture and rules, in one run: the check that a change costs at most a few percent.

    python3 bench/compare_binaries.py --baseline OTHER_BINARY [--repeats 5] [--rules FILE]
        [--capture FILE] [--workers 1]

Both binaries run alternately (A B A B ...), so a machine that slows down mid-run slows both.
Each figure is the pipeline's own throughput (`--stats` elapsed_seconds, without start-up), the
median of --repeats runs; the ratio is this build's over the baseline's. Defaults: the 1 GiB
realistic egress mix and 250 keywords x 4 encodings + 20 regexes (1,020 patterns) from
bench/workloads (made on first use), one worker. Alert counts are printed too: a speed-up that
finds less is no speed-up.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from macro_bench import EGRESSMON, ensure_workloads  # noqa: E402


def one_run(binary, capture, rules, workers):
    alerts = subprocess.run(
        [binary, "-r", capture, "--rules", rules, "--workers", str(workers), "--alerts", "-",
         "--stats"], capture_output=True, text=True)
    if alerts.returncode != 0:
        sys.exit(f"{binary} failed ({alerts.returncode}):\n{alerts.stderr[-2000:]}")
    stats = json.loads(alerts.stderr.strip().splitlines()[-1])
    return stats["bytes"] * 8 / stats["elapsed_seconds"] / 1e9, len(alerts.stdout.splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="the other egressmon binary")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--capture")
    ap.add_argument("--rules")
    ap.add_argument("--cache", default=os.environ.get(
        "EGRESSMON_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "egressmon")))
    args = ap.parse_args()
    if not (args.capture and args.rules):
        wl = ensure_workloads(args.cache)
        args.capture = args.capture or os.path.join(wl, "egress-mix.pcap")
        args.rules = args.rules or os.path.join(wl, "rules-250.yaml")
    runs = {"this build": [], "baseline": []}
    alerts = {}
    for _ in range(args.repeats):
        for name, binary in (("this build", EGRESSMON), ("baseline", args.baseline)):
            gbps, n = one_run(binary, args.capture, args.rules, args.workers)
            runs[name].append(gbps)
            alerts[name] = n
    print(f"{args.capture}, {args.rules}, {args.workers} worker(s), median of {args.repeats}")
    for name, values in runs.items():
        print(f"  {name:<11} {statistics.median(values):6.2f} Gbit/s  "
              f"(runs: {', '.join(f'{v:.2f}' for v in values)})  alerts {alerts[name]}")
    ratio = statistics.median(runs["this build"]) / statistics.median(runs["baseline"])
    print(f"  ratio this build / baseline: {ratio:.3f}")


if __name__ == "__main__":
    main()
