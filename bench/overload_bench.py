#!/usr/bin/env python3
"""Graceful overload (issue 16, deliver 4): how fast one worker gets through a flood of new
flows with the classification budget (classifier.max-new-flows-per-second, default 50,000 per
worker) and without it (0), while ten established uploads keep sending their bodies.

    python3 bench/overload_bench.py [--flows 1000000] [--repeats 3]

The capture is tests/gen/hostile_cases.py's SYN flood (one new flow per microsecond of capture
time, 64-byte frames) with established_uploads() woven in: the uploads connect before the flood
and send their marked bodies during it. The two configurations take turns run by run; figures
are the median pipeline time (--stats elapsed_seconds). In a file replay every packet is
processed either way: the figure that matters live is the flood rate a worker absorbs, since a
flood faster than that fills the kernel ring and the drops fall on established flows too.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
import hostile_cases  # noqa: E402

EGRESSMON = os.path.join(ROOT, "build", "app", "egressmon")
RULES = os.path.join(ROOT, "rules", "default.yaml")


def run(pcap, config):
    proc = subprocess.run([EGRESSMON, "-c", config, "-r", pcap, "--rules", RULES, "--workers",
                           "1", "--stats"], capture_output=True, text=True, check=True)
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    alerts = sum(1 for line in proc.stdout.splitlines() if '"event_type":"alert"' in line)
    return stats, alerts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "flood.pcap")
        uploads = hostile_cases.established_uploads(hostile_cases.START, args.flows)
        info = hostile_cases.syn_flood(pcap, args.flows, real=uploads)
        configs = {}
        for name, budget in (("budget 50,000/s (default)", 50_000), ("no budget", 0)):
            path = os.path.join(tmp, f"{budget}.yaml")
            with open(path, "w") as f:
                f.write(f"classifier:\n  max-new-flows-per-second: {budget}\n")
            configs[name] = path
        results = {name: [] for name in configs}
        for _ in range(args.repeats):
            for name, config in configs.items():
                results[name].append(run(pcap, config))
        print(f"flood: {args.flows:,} new flows in {args.flows / 1e6:.1f} s of capture time, "
              f"{info['frames']:,} frames, ten uploads established before it; 1 worker, "
              f"median of {args.repeats}")
        print(f"{'run':28}  {'pipeline s':>10}  {'Mpps':>6}  {'shed':>9}  {'alerts':>6}")
        medians = {}
        for name, runs in results.items():
            elapsed = statistics.median(s["elapsed_seconds"] for s, _ in runs)
            stats, alerts = runs[0]
            medians[name] = elapsed
            print(f"{name:28}  {elapsed:10.2f}  {stats['packets'] / elapsed / 1e6:6.2f}  "
                  f"{stats['classifier']['flows_shed']:9,}  {alerts:6}")
        ratio = medians["no budget"] / medians["budget 50,000/s (default)"]
        print(f"the budget lets one worker absorb a {ratio:.2f}x faster flood")


if __name__ == "__main__":
    main()
