"""Delivery end to end, against a real Kafka broker and a real Prometheus (no mocks): every
golden alert reaches Kafka once, a broker outage in the middle of a run and a SIGTERM while the
broker is down lose nothing, a damaged spool is skipped with a counter, records validate against
Suricata's EVE schema, and Prometheus scrapes the values egressmon reports.

Captures are streamed to egressmon through a FIFO (tests/e2e/pcap_stream.py), so one run can be
paused between phases while the test stops or starts the broker.
Run by CTest with EGRESSMON and EGRESSMON_SOURCE_DIR set; each class is one CTest entry.
"""

import collections
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_e2e import (BINARY, DEFAULT_RULES, DLP_BASELINES, SCHEMA, SOURCE,  # noqa: E402
                      SYSTEM_PYTHON, assert_valid_eve, dlp_cases)
from kafka_broker import KafkaBroker  # noqa: E402
from server_process import free_port  # noqa: E402
from metrics_text import metric, parse_metrics  # noqa: E402
from prometheus_server import PrometheusServer  # noqa: E402
import pcap_stream  # noqa: E402

HASH_SEED = "7"
SENSOR = "e2e-sensor"


def tools_missing():
    missing = [t for t in ("java", "mvn", "kcat") if not shutil.which(t)]
    return missing


def write_config(path, spool_dir, grace_s=5, timeout_ms=3000):
    """The kafka section as an operator writes it; message.timeout.ms goes through unchanged
    to librdkafka (the pass-through map), and is short so an outage reaches the spool fast."""
    with open(path, "w") as f:
        f.write(f"""kafka:
  spool-dir: {spool_dir}
  shutdown-grace: {grace_s}
  replay-retry-ms: 200
  spool-fsync: interval
  properties:
    message.timeout.ms: {timeout_ms}
    client.id: egressmon-e2e
""")


def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def by_alert_id(records):
    out = collections.defaultdict(list)
    for r in records:
        out[r["alert"]["context"]["alert_id"]].append(r)
    return out


def scrape(port):
    """{(name, frozenset(labels)): value} from egressmon's /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return parse_metrics(text)


def wait_until(what, predicate, timeout=60, interval=0.25):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except OSError as e:  # endpoint not up yet
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last})")


class GoldenStream:
    """The golden DLP cases as one spaced capture, plus what a JSON-lines run makes of it."""

    def __init__(self, tmp):
        cases_dir = os.path.join(tmp, "cases")
        # The Ethernet cases: one capture file has one link type (cisco_hdlc_in_ppp_capture's
        # is PPP).
        self.cases = [c for c in dlp_cases.write_cases(cases_dir)
                      if pcap_stream.link_type(pcap_stream.read_pcap(
                          os.path.join(cases_dir, c + ".pcap"))[0]) == 1]
        paths = [os.path.join(cases_dir, c + ".pcap") for c in self.cases]
        self.header, self.phases = pcap_stream.spaced_cases(paths)
        self.closing = pcap_stream.closing_frame(self.phases)
        self.pcap = os.path.join(tmp, "golden-stream.pcap")
        pcap_stream.write_pcap(self.pcap, self.header,
                               [r for p in self.phases for r in p] + [self.closing])
        self.empty_pcap = os.path.join(tmp, "empty.pcap")
        pcap_stream.write_pcap(self.empty_pcap, self.header, [])
        self.frames = sum(len(p) for p in self.phases) + 1
        # The reference: the same capture through the JSON-lines sink.
        self.jsonl = os.path.join(tmp, "reference-alerts.json")
        proc = subprocess.run(self.args(self.pcap) + ["--alerts", self.jsonl],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        self.alerts = jsonl(self.jsonl)
        expected_count = sum(len(DLP_BASELINES.read(c)) for c in self.cases)
        assert len(self.alerts) == expected_count, (len(self.alerts), expected_count)
        self.alert_ids = set(by_alert_id(self.alerts))
        assert len(self.alert_ids) == len(self.alerts)

    @staticmethod
    def args(capture):
        return [BINARY, "-r", capture, "--rules", DEFAULT_RULES, "--hash-seed", HASH_SEED,
                "--sensor-name", SENSOR, "--workers", "2"]


@unittest.skipIf(tools_missing(), f"needs {tools_missing()} (scripts/install-deps.sh)")
class kafka_delivery(unittest.TestCase):
    """Alerts (and flows) to a real single-node KRaft broker started for this class."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="egressmon-kafka-")
        cls.stream = GoldenStream(cls.tmp)
        cls.broker = KafkaBroker(os.path.join(cls.tmp, "broker")).start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if not self.broker.running:
            self.broker.start()  # a failed test may have left it stopped
        self.work = tempfile.mkdtemp(dir=self.tmp)
        self.topic = "alerts-" + self._testMethodName[5:40].replace("_", "-")
        self.broker.create_topic(self.topic)
        self.spool = os.path.join(self.work, "spool")
        self.config = os.path.join(self.work, "egressmon.yaml")
        write_config(self.config, self.spool)

    def kafka_args(self, capture, *extra):
        return (GoldenStream.args(capture) + ["-c", self.config, "--stats", "--alerts",
                                              f"kafka://{self.broker.bootstrap}/{self.topic}",
                                              *extra])

    def start_streaming(self, *extra):
        fifo = pcap_stream.make_fifo(self.work)
        proc = subprocess.Popen(self.kafka_args(fifo, *extra), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        feeder = pcap_stream.FifoFeeder(fifo, self.stream.header)
        return proc, feeder

    def finish(self, proc, timeout=120):
        out, err = proc.communicate(timeout=timeout)
        self.last_stderr = err
        self.assertEqual(proc.returncode, 0, err)
        return json.loads(err.strip().splitlines()[-1])

    def consumed_alerts(self):
        return [json.loads(m["payload"]) for m in self.broker.consume(self.topic)]

    def assert_every_alert_arrived(self, records):
        got = by_alert_id(records)
        missing = self.stream.alert_ids - set(got)
        self.assertEqual(missing, set(), f"{len(missing)} alerts never reached Kafka")
        self.assertEqual(set(got) - self.stream.alert_ids, set(), "unexpected alerts")
        return got

    def test_golden_alerts_arrive_once_each_with_the_json_lines_content(self):
        flows_topic = self.topic + "-flows"
        self.broker.create_topic(flows_topic)
        flows_file = os.path.join(self.work, "flows.json")
        # Flow records to a file in the reference run would change nothing; take them here.
        ref = subprocess.run(GoldenStream.args(self.stream.pcap) +
                             ["--alerts", os.devnull, "--flows", flows_file],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(ref.returncode, 0, ref.stderr)
        proc = subprocess.run(self.kafka_args(self.stream.pcap, "--flows",
                                              f"kafka://{self.broker.bootstrap}/{flows_topic}"),
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        self.assertEqual(stats["alert_records"]["written"], len(self.stream.alerts))
        # A Kafka sink's spool keys are there on a run that never touched the spool.
        for key in ("spooled", "replayed", "spool_pending"):
            self.assertEqual(stats["alert_records"][key], 0, key)

        messages = self.broker.consume(self.topic)
        got = self.assert_every_alert_arrived([json.loads(m["payload"]) for m in messages])
        self.assertTrue(all(len(v) == 1 for v in got.values()), "duplicates without a failure")
        reference = by_alert_id(self.stream.alerts)
        for alert_id, [record] in got.items():
            self.assertEqual(record, reference[alert_id][0])
        for m in messages:
            record = json.loads(m["payload"])
            self.assertEqual(m["key"], str(record["flow_id"]))  # one flow, one partition
            self.assertEqual(m["headers"], {"sensor": SENSOR, "schema_version": "eve-egressmon-1",
                                            "event_type": "alert"})
        # Flow records travel the same way, keyed by flow id too.
        flow_messages = self.broker.consume(flows_topic)
        self.assertEqual(sorted(m["payload"] for m in flow_messages),
                         sorted(json.dumps(r, ensure_ascii=False, separators=(",", ":"))
                                for r in jsonl(flows_file)))
        self.assertTrue(all(m["headers"]["event_type"] == "flow" for m in flow_messages))
        # Alerts for one flow share a partition.
        partitions = collections.defaultdict(set)
        for m in messages:
            partitions[m["key"]].add(m["partition"])
        self.assertTrue(all(len(p) == 1 for p in partitions.values()))
        if os.path.exists(SCHEMA) and os.path.exists(SYSTEM_PYTHON):
            path = os.path.join(self.work, "from-kafka.json")
            with open(path, "w") as f:
                for m in messages + flow_messages:
                    f.write(m["payload"] + "\n")
            assert_valid_eve(self, path)

    def test_broker_outage_in_the_middle_of_a_run_loses_no_alert(self):
        metrics_port = free_port()
        proc, feeder = self.start_streaming("--metrics", f"127.0.0.1:{metrics_port}")
        phases = self.stream.phases
        third = len(phases) // 3
        try:
            feeder.feed([r for p in phases[:third] for r in p])
            wait_until("first alerts acknowledged", lambda: metric(
                scrape(metrics_port), "egressmon_kafka_delivered_total", sink="alerts") > 0)
            self.broker.stop()
            feeder.feed([r for p in phases[third:2 * third] for r in p])
            wait_until("alerts spooled during the outage", lambda: metric(
                scrape(metrics_port), "egressmon_kafka_spooled_total", sink="alerts") > 0)
            during = scrape(metrics_port)
            self.assertGreater(metric(during, "egressmon_kafka_spool_bytes", sink="alerts"), 0)
            self.assertGreater(
                metric(during, "egressmon_kafka_spool_pending_records", sink="alerts"), 0)
            self.broker.start()
            feeder.feed([r for p in phases[2 * third:] for r in p] + [self.stream.closing])
            wait_until("spool replayed", lambda: metric(
                scrape(metrics_port), "egressmon_kafka_replayed_total", sink="alerts") > 0)
        finally:
            feeder.close()
        stats = self.finish(proc)
        records = stats["alert_records"]
        self.assertGreater(records["spooled"], 0)
        self.assertEqual(records["replayed"], records["spooled"])
        self.assertEqual(records["spool_pending"], 0)
        self.assertEqual(records["spool_full"], 0)
        self.assert_every_alert_arrived(self.consumed_alerts())

    def test_sigterm_while_the_broker_is_down_then_restart_delivers_every_alert(self):
        self.broker.stop()
        metrics_port = free_port()
        proc, feeder = self.start_streaming("--metrics", f"127.0.0.1:{metrics_port}")
        try:
            feeder.feed([r for p in self.stream.phases for r in p])
            wait_until("every frame read", lambda: metric(
                scrape(metrics_port), "egressmon_capture_packets_total") >= self.stream.frames - 1)
            time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            stats = self.finish(proc)
        finally:
            feeder.close()
        records = stats["alert_records"]
        self.assertEqual(records["written"], 0)
        self.assertEqual(records["spool_pending"], len(self.stream.alerts))
        self.assertTrue(glob.glob(os.path.join(self.spool, "*.seg")))
        # What the operator reads says where the alerts are, not only that delivery failed.
        said = self.last_stderr
        self.assertIn(f"{len(self.stream.alerts)} record(s) wait in the disk spool", said)
        self.assertIn("nothing lost", said)
        for line in said.splitlines():
            if "delivery failed" in line:  # a new record, or a replayed one
                self.assertIn("disk spool", line)

        self.broker.start()
        proc = subprocess.run(self.kafka_args(self.stream.empty_pcap), capture_output=True,
                              text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        self.assertEqual(stats["alert_records"]["replayed"], len(self.stream.alerts))
        self.assertEqual(stats["alert_records"]["spool_pending"], 0)
        self.assert_every_alert_arrived(self.consumed_alerts())

    def test_corrupt_spool_segment_is_skipped_with_a_counter_and_the_rest_replayed(self):
        # Spool everything: the sink points at a port no broker listens on.
        dead = f"kafka://127.0.0.1:{free_port()}/{self.topic}"
        write_config(self.config, self.spool, grace_s=1, timeout_ms=1000)
        proc = subprocess.run(GoldenStream.args(self.stream.pcap) +
                              ["-c", self.config, "--stats", "--alerts", dead],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        spooled = json.loads(proc.stderr.strip().splitlines()[-1])["alert_records"]
        total = len(self.stream.alerts)
        self.assertEqual(spooled["spool_pending"], total)

        [segment] = sorted(glob.glob(os.path.join(self.spool, "*.seg")))
        with open(segment, "r+b") as f:
            data = bytearray(f.read())
            middle = len(data) // 2
            data[middle] ^= 0xFF            # a flipped byte inside one record
            del data[len(data) - 7:]        # and a torn last record
            f.seek(0)
            f.truncate()
            f.write(data)

        write_config(self.config, self.spool)  # the usual grace period for the replay
        proc = subprocess.run(self.kafka_args(self.stream.empty_pcap), capture_output=True,
                              text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])["alert_records"]
        self.assertEqual(stats["spool_corrupt"], 2)
        self.assertEqual(stats["spool_pending"], 0)
        got = by_alert_id(self.consumed_alerts())
        self.assertEqual(len(got), total - 2)
        self.assertLessEqual(set(got), self.stream.alert_ids)
        self.assertEqual(stats["replayed"], total - 2)

    def test_full_spool_drops_alerts_counts_them_and_fails_the_run(self):
        # 300 alerts of ~0.9 KB against a 64 KiB spool and no broker: the bound is reached.
        sys.path.insert(0, os.path.join(SOURCE, "tests", "gen"))
        from pcapgen.link import EthernetFraming
        from pcapgen.pcap import Capture, utc_microseconds
        from pcapgen.tcp_session import TcpSession
        cap = Capture(1, utc_microseconds("2026-11-24T12:00:00Z"))
        framing = EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02")
        for i in range(300):
            tcp = TcpSession(cap, framing, (f"10.1.0.{i % 250 + 1}", 30000 + i),
                             ("203.0.113.10", 7000))
            tcp.open()
            tcp.send(b"TOP SECRET %d" % i)
            tcp.close()
        pcap = os.path.join(self.work, "many.pcap")
        cap.save(pcap)
        with open(self.config, "a") as f:
            f.write("  spool-max-bytes: 65536\n")
        proc = subprocess.run(GoldenStream.args(pcap) + [
            "-c", self.config, "--stats", "--alerts", f"kafka://127.0.0.1:{free_port()}/t"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 1, proc.stderr)  # alerts were lost: not a success
        self.assertIn("spool", proc.stderr)
        records = json.loads(proc.stderr.strip().splitlines()[-1])["alert_records"]
        self.assertGreater(records["spool_full"], 0)
        self.assertEqual(records["spooled"] + records["spool_full"], 300)
        segments = sum(os.path.getsize(p) for p in glob.glob(os.path.join(self.spool, "*.seg")))
        self.assertLessEqual(segments, 65536)


@unittest.skipIf(not shutil.which("prometheus") and not os.path.exists("/usr/bin/prometheus"),
                 "needs Debian's prometheus (scripts/install-deps.sh)")
class prometheus_scrape(unittest.TestCase):
    """A real Prometheus scrapes egressmon while it runs; its series carry the values that
    egressmon reports in --stats at the end."""

    def test_prometheus_sees_the_values_egressmon_reports(self):
        with tempfile.TemporaryDirectory() as tmp:
            stream = GoldenStream(tmp)
            port = free_port()
            fifo = pcap_stream.make_fifo(tmp)
            alerts = os.path.join(tmp, "alerts.json")
            proc = subprocess.Popen(GoldenStream.args(fifo) + [
                "--alerts", alerts, "--stats", "--metrics", f"127.0.0.1:{port}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            feeder = pcap_stream.FifoFeeder(fifo, stream.header)
            try:
                feeder.feed([r for p in stream.phases for r in p] + [stream.closing])
                with PrometheusServer(os.path.join(tmp, "prom"), [f"127.0.0.1:{port}"]) as prom:
                    frames = prom.wait_for(
                        "sum(egressmon_capture_packets_total)",
                        lambda r: r and float(r[0]["value"][1]) == stream.frames, timeout=60)
                    wait = lambda expr, want: prom.wait_for(  # noqa: E731
                        expr, lambda r: r and float(r[0]["value"][1]) == want, timeout=60)
                    wait("sum(egressmon_alerts_total)", len(stream.alerts))
                    by_rule = collections.Counter(a["alert"]["signature_id"]
                                                  for a in stream.alerts)
                    for sid, n in by_rule.items():
                        wait(f'sum(egressmon_alerts_total{{signature_id="{sid}"}})', n)
                    seen = {q: float(prom.query(q)[0]["value"][1]) for q in (
                        "sum(egressmon_worker_packets_total)",
                        "sum(egressmon_capture_bytes_total)",
                        "egressmon_flows_created_total",
                        'egressmon_decode_errors_total{reason="not_ip"}',
                        'egressmon_records_written_total{sink="alerts"}')}
                    policy = prom.query("egressmon_policy_info")
            finally:
                feeder.close()
            out, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err)
            stats = json.loads(err.strip().splitlines()[-1])
            self.assertEqual(float(frames[0]["value"][1]), stats["packets"])
            self.assertEqual(seen["sum(egressmon_capture_bytes_total)"], stats["bytes"])
            self.assertEqual(seen["egressmon_flows_created_total"], stats["flows"])
            self.assertEqual(seen['egressmon_decode_errors_total{reason="not_ip"}'],
                             stats["decode_errors"]["not_ip"])
            self.assertEqual(seen['egressmon_records_written_total{sink="alerts"}'],
                             stats["alert_records"]["written"])
            self.assertLessEqual(seen["sum(egressmon_worker_packets_total)"], stats["packets"])
            self.assertEqual(policy[0]["metric"]["policy_version"],
                             stats["rules"]["policy_version"])


if __name__ == "__main__":
    unittest.main()
