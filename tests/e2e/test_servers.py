"""Checks the real-server fixtures themselves (kafka_broker, prometheus_server), so an
end-to-end failure can be told apart from a broken fixture. Skips, rather than
fails, where java, mvn, kcat or prometheus is not installed."""

import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_broker import KafkaBroker  # noqa: E402
from prometheus_server import PROMETHEUS, PrometheusServer  # noqa: E402


def missing(*tools):
    return [t for t in tools if shutil.which(t) is None]


class kafka_broker(unittest.TestCase):
    def setUp(self):
        absent = missing("java", "mvn", "kcat")
        if absent:
            self.skipTest(f"not installed: {', '.join(absent)}")
        self.workdir = tempfile.mkdtemp(prefix="egressmon-kafka-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)

    def produce(self, broker, topic, lines):
        # -K: splits key from value; -H adds the header to every message.
        subprocess.run(["kcat", "-P", "-b", broker.bootstrap, "-t", topic,
                        "-K:", "-H", "source=test"],
                       input="".join(f"{line}\n" for line in lines),
                       text=True, check=True, timeout=30)

    def test_produce_consume_survives_restart(self):
        with KafkaBroker(self.workdir) as broker:
            broker.create_topic("fixture", partitions=3)
            self.produce(broker, "fixture", ["k1:one", "k2:two", "k3:three"])
            expected = {("k1", "one"), ("k2", "two"), ("k3", "three")}

            records = broker.consume("fixture")
            self.assertEqual({(r["key"], r["payload"]) for r in records}, expected)
            for r in records:
                self.assertEqual(r["headers"], {"source": "test"})
                self.assertIn(r["partition"], range(3))

            port = broker.bootstrap
            broker.stop()
            broker.start()
            self.assertEqual(broker.bootstrap, port)
            self.assertEqual(broker.consume("fixture"), records)


class kafka_cluster_id(unittest.TestCase):
    """The storage format step takes the id as an option's value; one that starts with
    '-' is read as an option and the broker never starts (CI saw it, one run in 64)."""

    def test_never_starts_with_a_dash_and_is_a_base64url_uuid(self):
        # 4,000 draws: without the redraw, P(no leading '-') = (63/64)^4000 < 1e-27.
        for _ in range(4000):
            cluster_id = KafkaBroker._cluster_id()
            self.assertFalse(cluster_id.startswith("-"), cluster_id)
            self.assertRegex(cluster_id, r"^[A-Za-z0-9_-]{22}$")


class MetricsHandler(http.server.BaseHTTPRequestHandler):
    BODY = b"# TYPE fixture_answer gauge\nfixture_answer{kind=\"test\"} 42\n"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()
        self.wfile.write(self.BODY)

    def log_message(self, *args):
        pass  # keep the test output to the test's own messages


class prometheus_server(unittest.TestCase):
    def setUp(self):
        if not os.access(PROMETHEUS, os.X_OK):
            self.skipTest("not installed: prometheus")
        self.workdir = tempfile.mkdtemp(prefix="egressmon-prometheus-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)
        self.exporter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MetricsHandler)
        threading.Thread(target=self.exporter.serve_forever, daemon=True).start()
        self.addCleanup(self.exporter.server_close)
        self.addCleanup(self.exporter.shutdown)

    def test_scrapes_target(self):
        target = f"127.0.0.1:{self.exporter.server_address[1]}"
        with PrometheusServer(self.workdir, [target]) as prom:
            result = prom.wait_for('fixture_answer{job="egressmon"}', lambda r: len(r) == 1)
            self.assertEqual(result[0]["metric"]["kind"], "test")
            self.assertEqual(result[0]["metric"]["instance"], target)
            self.assertEqual(float(result[0]["value"][1]), 42)
            with self.assertRaises(RuntimeError):
                prom.query("sum(")


if __name__ == "__main__":
    unittest.main()
