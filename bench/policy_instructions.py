#!/usr/bin/env python3
"""Issue 14's speed check in instructions, the one figure this shared 2-core VM measures
steadily: the realistic mix's first 200,000 frames with the default rules, with
rules/egress-policy.yaml added, and with a volume rule over every egress byte added too, each
run whole (start-up included) under callgrind, the three in the same run.

    python3 bench/policy_instructions.py [--frames 200000] [--cache DIR]

Needs valgrind and editcap (wireshark-common). Prints instructions per variant and the ratio
default / variant (>= 0.95: the policy keeps at least 95% of the work rate)."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
EGRESSMON = os.path.join(ROOT, "build", "app", "egressmon")
# The same three variants as macro_bench.py's policy section.
from macro_bench import DEFAULT_RULES as DEFAULT  # noqa: E402 (beside this file)
from macro_bench import EVERY_EGRESS_BYTE  # noqa: E402
from macro_bench import POLICY_RULES as POLICY  # noqa: E402


def instructions(capture, rules, tmp):
    out = os.path.join(tmp, "callgrind.out")
    args = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", EGRESSMON,
            "-r", capture, "--workers", "1", "--user", "root", "--alerts", os.devnull]
    for r in rules:
        args += ["--rules", r]
    proc = subprocess.run(args, capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not m:
        sys.exit(f"callgrind failed: {' '.join(args)}\n{proc.stderr[-2000:]}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=200_000)
    ap.add_argument("--cache", default=os.environ.get(
        "EGRESSMON_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "egressmon")))
    args = ap.parse_args()
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "workloads", "make_workloads.py"),
                    "--cache", args.cache, "--which", "mix"], check=True,
                   stdout=subprocess.DEVNULL)
    wl = os.path.join(args.cache, "workloads")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        capture = os.path.join(tmp, "mix.pcap")
        subprocess.run(["editcap", "-r", os.path.join(wl, "egress-mix.pcap"), capture,
                        f"1-{args.frames}"], check=True)
        every = os.path.join(tmp, "every.yaml")
        with open(every, "w") as f:
            f.write(EVERY_EGRESS_BYTE)
        os.chmod(every, 0o644)
        variants = {"default rules": [DEFAULT], "+ egress policy": [DEFAULT, POLICY],
                    "+ every egress byte in a volume rule": [DEFAULT, POLICY, every]}
        counts = {name: instructions(capture, rules, tmp) for name, rules in variants.items()}
    base = counts["default rules"]
    print(f"first {args.frames:,} frames of the realistic mix, 1 worker, whole process")
    for name, n in counts.items():
        print(f"  {name:40} {n:>16,} instructions  default/this {base / n:.4f}")
    ratio = base / counts["+ egress policy"]
    print(f"target: the egress policy keeps >= 95% of the work rate: "
          f"{'met' if ratio >= 0.95 else 'NOT met'} ({ratio:.4f})")


if __name__ == "__main__":
    main()
