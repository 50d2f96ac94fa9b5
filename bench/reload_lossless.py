#!/usr/bin/env python3
"""Does a rule reload lose packets? egressmon captures live on one end of a veth pair inside a
network namespace of its own; this script writes a steady stream of realistic frames (the
egress-mix workload) into the other end, and halfway sends SIGHUP after replacing the
10-keyword rule set with the 10,000-keyword one (40,000 Hyperscan patterns, compiled off the
packet path while the workers go on with the old set). The same run without the reload is the
control.

    sudo python3 bench/reload_lossless.py [--rate PPS] [--seconds S] [--cache DIR]

Prints, for both runs: frames sent, frames egressmon captured, kernel drops (pcap_stats), alerts
under each policy version, and the time from SIGHUP to the new policy being announced. Needs
root, iproute2, a Release build and bench/workloads/make_workloads.py's workloads (made on
first use).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
BINARY = os.environ.get("EGRESSMON", os.path.join(SOURCE, "build", "app", "egressmon"))


def read_frames(path, limit):
    """The first `limit` frames of a classic pcap file (the workloads are microsecond pcap)."""
    frames = []
    with open(path, "rb") as f:
        endian = "<" if f.read(24)[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        while len(frames) < limit:
            rec = f.read(16)
            if len(rec) < 16:
                break
            caplen = struct.unpack(endian + "IIII", rec)[2]
            frames.append(f.read(caplen))
    return frames


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


class Network:
    """A namespace holding the capture end of a veth pair; the feed end stays here."""

    def __init__(self):
        tag = str(os.getpid() % 100000)
        self.ns, self.feed, self.capture = "emrl" + tag, "emfeed" + tag, "cap0"
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.feed, "mtu", "9000", "type", "veth", "peer", "name",
           self.capture, "mtu", "9000", "netns", self.ns)
        sh("ip", "link", "set", self.feed, "up")
        sh("ip", "-n", self.ns, "link", "set", self.capture, "up")
        for dev, ns in ((self.feed, None), (self.capture, self.ns)):
            cmd = ["sysctl", "-q", "-w", f"net.ipv6.conf.{dev}.disable_ipv6=1"]
            sh(*(["ip", "netns", "exec", ns] + cmd if ns else cmd), check=False)

    def close(self):
        sh("ip", "link", "del", self.feed, check=False)
        sh("ip", "netns", "del", self.ns, check=False)


def one_run(net, frames, workdir, rate, seconds, reload_at):
    """One live run; `reload_at` (seconds into the stream) is None for the control."""
    rules = os.path.join(workdir, "rules.yaml")
    shutil.copy(os.path.join(workdir, "rules-10.yaml"), rules)
    alerts = os.path.join(workdir, "alerts.json")
    sensor = subprocess.Popen(
        ["ip", "netns", "exec", net.ns, BINARY, "-i", net.capture, "--workers", "2",
         "--rules", rules, "--alerts", alerts, "--stats", "--buffer-size", "64"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err_lines = []
    announced = {}

    def read_stderr():
        for line in sensor.stderr:
            err_lines.append(line)
            if "rules reloaded" in line:
                announced["at"] = time.monotonic()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    time.sleep(2.0)  # nDPI and Hyperscan start-up; the capture handles are open after it
    if sensor.poll() is not None:
        reader.join()
        sys.exit("egressmon exited: " + "".join(err_lines))

    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    out.bind((net.feed, 0))
    sent, n, hup_at = 0, len(frames), None
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        if reload_at is not None and hup_at is None and elapsed >= reload_at:
            shutil.copy(os.path.join(workdir, "rules-10000.yaml"), rules + ".new")
            os.replace(rules + ".new", rules)
            hup_at = time.monotonic()
            sensor.send_signal(signal.SIGHUP)
        due = int(elapsed * rate)
        while sent < due:
            out.send(frames[sent % n])
            sent += 1
        time.sleep(0.0005)
    out.close()
    time.sleep(1.5)  # what the kernel still holds reaches the workers
    sensor.send_signal(signal.SIGTERM)
    sensor.wait(timeout=120)
    reader.join()
    stats = json.loads(err_lines[-1])
    by_policy = {}
    with open(alerts) as f:
        for line in f:
            v = json.loads(line)["alert"]["context"]["policy_version"]
            by_policy[v] = by_policy.get(v, 0) + 1
    os.unlink(alerts)
    return {"sent": sent, "captured": stats["packets"],
            "kernel_drops": stats["capture"]["kernel_drops"], "reloads": stats["rules"]["reloads"],
            "reload_failures": stats["rules"]["reload_failures"],
            "sighup_to_announced_s": round(announced["at"] - hup_at, 2)
            if hup_at and "at" in announced else None,
            "alerts_by_policy": by_policy, "gbps_offered": round(
                sum(len(frames[i % n]) for i in range(min(sent, n))) * 8 / min(sent, n)
                * rate / 1e9, 3) if sent else 0}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=int, default=30000, help="frames per second (default 30000)")
    ap.add_argument("--seconds", type=float, default=12.0, help="stream length (default 12)")
    ap.add_argument("--frames", type=int, default=600000, help="distinct frames, replayed "
                    "round-robin (default 600000)")
    ap.add_argument("--cache", default=os.environ.get(
        "EGRESSMON_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "egressmon")))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (a network namespace and a raw socket)")
    subprocess.run([sys.executable, os.path.join(HERE, "workloads", "make_workloads.py"),
                    "--cache", args.cache], check=True, stdout=subprocess.DEVNULL)
    wl = os.path.join(args.cache, "workloads")
    macro = os.path.join(HERE, "macro_bench.py")
    # The 10,000-keyword set is macro_bench.py's, written into the cache on its first use.
    if not os.path.exists(os.path.join(wl, "rules-10000.yaml")):
        sys.path.insert(0, HERE)
        import macro_bench
        macro_bench.compile_rules_file(wl)
    frames = read_frames(os.path.join(wl, "egress-mix.pcap"), args.frames)
    workdir = tempfile.mkdtemp()
    os.chmod(workdir, 0o755)  # egressmon re-reads its rules as nobody
    for name in ("rules-10.yaml", "rules-10000.yaml"):
        shutil.copy(os.path.join(wl, name), workdir)
    net = Network()
    try:
        print(f"{args.rate} frames/s for {args.seconds} s ({len(frames)} distinct egress-mix "
              f"frames), 2 workers, live on a veth; reload at {args.seconds / 2:.1f} s")
        for name, reload_at in (("control (no reload)", None),
                                ("reload 40 -> 40,000 patterns", args.seconds / 2)):
            r = one_run(net, frames, workdir, args.rate, args.seconds, reload_at)
            lost = r["sent"] - r["captured"]
            print(f"{name:30} sent {r['sent']:>8}  captured {r['captured']:>8}  "
                  f"lost {lost:>5}  kernel drops {r['kernel_drops']:>5}  "
                  f"reloads {r['reloads']} (failed {r['reload_failures']})  "
                  f"SIGHUP->new policy {r['sighup_to_announced_s']} s  "
                  f"alerts by policy {r['alerts_by_policy']}  offered {r['gbps_offered']} Gbit/s")
    finally:
        net.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
