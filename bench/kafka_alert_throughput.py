#!/usr/bin/env python3
"""Alert delivery to a real local Kafka broker: alerts/s and the alert latency histogram.

    python3 bench/kafka_alert_throughput.py [--flows 20000] [--workers 2] [--egressmon PATH]

Writes a capture of N short TCP flows from inside hosts, each sending one "TOP SECRET" marking
(one alert per flow with rules/default.yaml), starts a single-node KRaft broker
(tests/e2e/kafka_broker.py), and runs egressmon over the capture three times:

  1. --alerts FILE (JSON lines): the peer the Kafka run is compared with, same alerts;
  2. --alerts kafka://...: the broker is up for the whole run;
  3. the same, first with the broker down (every alert goes to the disk spool), then a second
     run that replays the spool once the broker is back.

  4. paced: the capture fed through a FIFO at --rate alerts/s (a sustainable load), so the
     latency measured is the delivery path's, not a backlog's;
  5. the sink's own capacity: bench/kafka_sink_capacity.cpp pushes 200,000 pre-built alert
     records (~900 B) through the same RecordSink/producer as fast as it takes them (a warm-up
     run, then the median of three), which separates what the sink can carry from how fast a
     capture on these two cores raises alerts.

Prints wall time, alerts/s, the ratio to the JSON-lines run, and the latency histogram's p50/p99
(bucket upper bounds, from --stats) for each Kafka run. Latency for capture files runs from the
moment an alert is raised to the broker's acknowledgement. Runs 1-3 push alerts as fast as the
workers raise them, so their latency is mostly queueing behind the backlog.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import Capture, utc_microseconds  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402
from kafka_broker import KafkaBroker  # noqa: E402
from server_process import free_port  # noqa: E402


def write_capture(path, flows):
    """Writes the capture; returns each flow's slice of records (for pacing)."""
    cap = Capture(1, utc_microseconds("2026-11-24T12:00:00Z"))
    framing = EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02")
    bounds = []
    for i in range(flows):
        first = len(cap.records)
        tcp = TcpSession(cap, framing, (f"10.1.{i // 250 % 250}.{i % 250 + 1}",
                                        20000 + i // 62500), ("203.0.113.10", 7000), rtt_us=10)
        tcp.open()
        tcp.send(b"report %d: TOP SECRET, do not forward\n" % i)
        tcp.close()
        bounds.append((first, len(cap.records)))
    cap.save(path)
    return cap, bounds


def run_paced(args, cap, bounds, rate, fifo):
    """Feeds the capture through `fifo` at `rate` flows (alerts) per second."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with open(fifo, "wb", buffering=0) as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        started = time.monotonic()
        tick = 0.01
        per_tick = max(1, int(rate * tick))
        for k in range(0, len(bounds), per_tick):
            chunk = bounds[k:k + per_tick]
            recs = cap.records[chunk[0][0]:chunk[-1][1]]
            f.write(b"".join(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(fr),
                                         len(fr)) + fr for ts, fr in recs))
            delay = started + (k // per_tick + 1) * tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        fed = time.monotonic() - started
    _, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        sys.exit(f"paced: egressmon exited {proc.returncode}: {err}")
    return fed, json.loads(err.strip().splitlines()[-1])


def run(args, label):
    started = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{label}: egressmon exited {proc.returncode}: {proc.stderr}")
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    return wall, stats


def report(label, wall, stats, baseline_wall=None):
    alerts = stats["alert_records"]
    written = alerts["written"]
    line = f"{label:<34} {wall:6.2f} s  {written:>7} alerts  {written / wall:>9,.0f} alerts/s"
    if baseline_wall:
        line += f"  ({baseline_wall / wall:.2f}x the JSON-lines run's rate)"
    print(line)
    lat = stats.get("alert_latency")
    if lat:
        print(f"{'':<34} latency p50 <= {lat['p50_le_seconds'] * 1000:g} ms, "
              f"p99 <= {lat['p99_le_seconds'] * 1000:g} ms, mean {lat['mean_seconds'] * 1000:.1f} ms"
              f" over {lat['count']} acknowledgements")
    for k in ("spooled", "replayed", "delivery_failed"):
        if alerts.get(k):
            print(f"{'':<34} {k}: {alerts[k]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rate", type=int, default=5000, help="alerts/s of the paced run")
    ap.add_argument("--egressmon", default=os.path.join(ROOT, "build", "app", "egressmon"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="egressmon-kafka-bench-")
    try:
        pcap = os.path.join(tmp, "alerts.pcap")
        cap, bounds = write_capture(pcap, a.flows)
        base = [a.egressmon, "-r", pcap, "--rules", os.path.join(ROOT, "rules", "default.yaml"),
                "--workers", str(a.workers), "--stats"]
        jsonl_wall, jsonl = run(base + ["--alerts", os.path.join(tmp, "alerts.json")], "jsonl")
        print(f"{a.flows} flows, one alert each, --workers {a.workers}")
        report("JSON lines to a file", jsonl_wall, jsonl)

        with KafkaBroker(os.path.join(tmp, "broker")) as broker:
            broker.start()
            broker.create_topic("alerts", partitions=3)
            cfg = os.path.join(tmp, "egressmon.yaml")
            with open(cfg, "w") as f:
                f.write(f"kafka:\n  spool-dir: {tmp}/spool\n  shutdown-grace: 60\n")
            kafka = base + ["-c", cfg, "--alerts", f"kafka://{broker.bootstrap}/alerts"]
            wall, stats = run(kafka, "kafka")
            report("Kafka, broker up", wall, stats, jsonl_wall)

            dead_cfg = os.path.join(tmp, "dead.yaml")
            with open(dead_cfg, "w") as f:
                f.write(f"kafka:\n  spool-dir: {tmp}/spool2\n  shutdown-grace: 1\n")
            dead = base + ["-c", dead_cfg, "--alerts", f"kafka://127.0.0.1:{free_port()}/alerts"]
            wall, stats = run(dead, "kafka-down")
            report("Kafka, broker down (to spool)", wall, stats, jsonl_wall)
            with open(dead_cfg, "w") as f:
                f.write(f"kafka:\n  spool-dir: {tmp}/spool2\n  shutdown-grace: 120\n")
            empty = os.path.join(tmp, "empty.pcap")
            Capture(1, 0).save(empty)
            replay = [a.egressmon, "-r", empty, "-c", dead_cfg, "--stats", "--alerts",
                      f"kafka://{broker.bootstrap}/alerts"]
            wall, stats = run(replay, "replay")
            alerts = stats["alert_records"]
            print(f"{'Spool replay, broker back':<34} {wall:6.2f} s  {alerts['replayed']:>7} "
                  f"replayed  {alerts['replayed'] / wall:>9,.0f} alerts/s")
            lat = stats.get("alert_latency")
            if lat:
                print(f"{'':<34} latency (includes the outage) p50 <= {lat['p50_le_seconds']:g} s,"
                      f" p99 <= {lat['p99_le_seconds']:g} s")

            capacity_tool = os.path.join(os.path.dirname(a.egressmon), "..", "bench",
                                         "egressmon_kafka_sink_capacity")
            runs = []
            for i in range(4):
                proc = subprocess.run([capacity_tool, broker.bootstrap, "alerts", "--alerts",
                                       "200000", "--spool", os.path.join(tmp, f"cap{i}")],
                                      capture_output=True, text=True, timeout=600)
                if proc.returncode != 0:
                    sys.exit(f"capacity run failed: {proc.stdout} {proc.stderr}")
                runs.append(json.loads(proc.stdout))
            warm = sorted(runs[1:], key=lambda r: r["alerts_per_second"])[1]
            print(f"{'Sink capacity (pre-built alerts)':<34} {warm['seconds']:6.2f} s  "
                  f"{warm['acknowledged']:>7} alerts  {warm['alerts_per_second']:>9,.0f} alerts/s"
                  f"  (warm-up run: {runs[0]['alerts_per_second']:,.0f}/s, "
                  f"{runs[0]['spooled']} spooled)")
            print(f"{'':<34} latency p50 <= {warm['latency_p50_le'] * 1000:g} ms, "
                  f"p99 <= {warm['latency_p99_le'] * 1000:g} ms")

            fifo = os.path.join(tmp, "paced.pcap")
            os.mkfifo(fifo)
            paced = [x if x != pcap else fifo for x in kafka]
            fed, stats = run_paced(paced, cap, bounds, a.rate, fifo)
            report(f"Kafka, paced at {a.rate}/s", fed, stats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
