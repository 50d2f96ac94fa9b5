"""The Kafka side of the fleet's operator commands (issue 15), against the suite's real broker
(kafka_broker.py): `egressmon policy publish` puts a bundle signed by `egressmon policy sign`
on a compacted topic keyed by group (read back with kcat, the topic's config asked of the
broker's own ConfigCommand), and `egressmon fleet status` reads heartbeats written here in
Python (the JSON of fleet/heartbeat.h) and produced with kcat: one line per sensor, the latest
heartbeat of each, stale ones flagged, records that are not heartbeats skipped and counted; an
absent topic and an unreachable broker."""

import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from kafka_broker import KafkaBroker
from server_process import free_port
from test_e2e import run
from test_policy_bundle import make_key, one_error_line

TSAN = os.environ.get("EGRESSMON_TSAN") == "ON"
KAFKA_UNDER_TSAN = ("librdkafka starts its threads with C11 thrd_create, which GCC 12's "
                    "ThreadSanitizer does not intercept")
RULES = "rules:\n  - {id: 1, name: Secret word, keywords: [topsecret]}\n"


def tools_missing():
    return [t for t in ("java", "mvn", "kcat", "openssl") if not shutil.which(t)]


def topics(broker):
    meta = broker._metadata() or {}
    return {t.get("topic"): len(t.get("partitions", [])) for t in meta.get("topics", [])}


@unittest.skipIf(tools_missing(), f"needs {tools_missing()} (scripts/install-deps.sh)")
class KafkaCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if TSAN:
            raise unittest.SkipTest(KAFKA_UNDER_TSAN)
        cls.tmp = tempfile.mkdtemp(prefix="egressmon-fleet-cli-")
        cls.broker = KafkaBroker(os.path.join(cls.tmp, "broker")).start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def timed(self, *args, timeout=120):
        start = time.monotonic()
        proc = run(*args, timeout=timeout)
        return proc, time.monotonic() - start


class publish(KafkaCase):
    """policy publish: key = group, the exact bytes, a compacted one-partition topic."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        private, _ = make_key(cls.tmp, "signer")
        rules = os.path.join(cls.tmp, "secrets.yaml")
        with open(rules, "w") as f:
            f.write(RULES)
        cls.bundle = os.path.join(cls.tmp, "policy.bundle")
        proc = run("policy", "sign", "--key", private, "--out", cls.bundle, "--bundle-version",
                   "7", rules)
        assert proc.returncode == 0, proc.stderr
        cls.key_id = re.search(r"key id ([0-9a-f]{16})", proc.stdout).group(1)
        with open(cls.bundle, "rb") as f:
            cls.bundle_bytes = f.read()

    def publish(self, topic, *extra, bundle=None):
        return run("policy", "publish", "--brokers", self.broker.bootstrap, "--topic", topic,
                   *extra, bundle or self.bundle)

    def test_two_groups_on_a_new_compacted_topic(self):
        first = self.publish("policy-a")
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(first.stderr, "")
        self.assertEqual(first.stdout,
                         f"published policy bundle version 7 (key id {self.key_id}) to "
                         "policy-a, group all: partition 0, offset 0\n")
        second = self.publish("policy-a", "--group", "site-b.eu_1")
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertTrue(second.stdout.endswith("group site-b.eu_1: partition 0, offset 1\n"),
                        second.stdout)

        records = self.broker.consume("policy-a")
        self.assertEqual([r["key"] for r in records], ["all", "site-b.eu_1"])
        for r in records:
            self.assertEqual(r["payload"].encode(), self.bundle_bytes)
        self.assertEqual(topics(self.broker).get("policy-a"), 1)
        config = self.broker._java("kafka.admin.ConfigCommand", "--bootstrap-server",
                                   self.broker.bootstrap, "--entity-type", "topics",
                                   "--entity-name", "policy-a", "--describe")
        self.assertRegex(config, r"(?m)^\s*cleanup\.policy=compact\b")

    def test_existing_topic_is_used_as_it_is(self):
        self.broker.create_topic("policy-existing", partitions=2)
        for offset in (0, 1):
            proc = self.publish("policy-existing", "--group", "g1")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertRegex(proc.stdout, rf"group g1: partition [01], offset {offset}\n$")
        records = self.broker.consume("policy-existing")
        self.assertEqual(len(records), 2)
        self.assertEqual({r["key"] for r in records}, {"g1"})
        self.assertEqual(topics(self.broker).get("policy-existing"), 2)

    def test_properties_reach_librdkafka(self):
        proc = self.publish("policy-props", "--property", "client.id=fleet-e2e",
                            "--property", "linger.ms=0")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        one_error_line(self, self.publish("policy-props", "--property", "no.such.property=1"),
                       "no.such.property")
        one_error_line(self, self.publish("policy-props", "--property", "novalue"),
                       "--property: expected KEY=VALUE")

    def test_a_bad_signature_is_the_sensors_to_refuse(self):
        # Publishing needs no key: a parsable bundle with a broken signature goes out as it is.
        tampered = self.bundle_bytes.replace(b"topsecret", b"topsecreT")
        path = self.path("tampered.bundle")
        with open(path, "wb") as f:
            f.write(tampered)
        proc = self.publish("policy-tampered", bundle=path)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.broker.consume("policy-tampered")[0]["payload"].encode(), tampered)

    def test_malformed_bundle_is_refused_before_kafka(self):
        for name, data in (("garbage.bundle", b"not a bundle\n"),
                           ("cut.bundle", self.bundle_bytes[:-10])):
            path = self.path(name)
            with open(path, "wb") as f:
                f.write(data)
            one_error_line(self, self.publish("policy-malformed", bundle=path),
                           "malformed bundle")
        one_error_line(self, self.publish("policy-malformed", bundle=self.path("absent")),
                       "cannot read bundle")
        self.assertNotIn("policy-malformed", topics(self.broker))

    def test_bad_arguments(self):
        one_error_line(self, self.publish("policy-args", "--group", "a b"), "--group")
        one_error_line(self, self.publish("policy-args", "--group", "g" * 65), "1-64")
        one_error_line(self, self.publish("bad topic"), "--topic")
        one_error_line(self, run("policy", "publish", "--topic", "t", self.bundle), "--brokers")
        one_error_line(self, self.publish("policy-args", "--timeout", "0"), "--timeout")
        self.assertNotIn("policy-args", topics(self.broker))

    def test_unreachable_broker(self):
        proc, took = self.timed("policy", "publish", "--brokers", f"127.0.0.1:{free_port()}",
                                "--topic", "policy", "--timeout", "3", self.bundle)
        one_error_line(self, proc, "cannot create topic policy")
        self.assertLess(took, 3 + 4, proc.stderr)


def timestamp(ms):
    """fleet::formatUtcMillis: 2026-12-04T10:00:00.000Z"""
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def heartbeat(sensor, age_s, interval=10, **fields):
    """One heartbeat as fleet::heartbeatJson writes it, `age_s` seconds old."""
    ms = int(time.time() * 1000) - int(age_s * 1000)
    record = {"timestamp": timestamp(ms), "event_type": "heartbeat", "sensor": sensor,
              "version": "0.4.0"}
    for optional in ("policy_version", "bundle_version"):
        if optional in fields:
            record[optional] = fields.pop(optional)
    record.update({"uptime": 3600, "heartbeat_interval": interval, "packets": 1000,
                   "packets_per_sec": 12.5, "drops": 0, "alerts": 0, "spool_bytes": 0})
    record.update(fields)
    return json.dumps(record, separators=(",", ":"))


class status(KafkaCase):
    """fleet status: latest per sensor, stale flag, skipped records, absent topic."""

    def produce(self, topic, keyed_lines):
        data = "".join(f"{key}\t{value}\n" for key, value in keyed_lines)
        subprocess.run(["kcat", "-P", "-b", self.broker.bootstrap, "-t", topic, "-K", "\t"],
                       input=data, text=True, check=True, timeout=60)

    def status(self, topic, *extra, timeout=120):
        return run("fleet", "status", "--brokers", self.broker.bootstrap, "--topic", topic,
                   *extra, timeout=timeout)

    def rows(self, proc):
        """{sensor: whitespace-split columns} after checking the header."""
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["SENSOR", "VERSION", "POLICY", "AGE", "PKTS/S",
                                            "DROPS", "ALERTS", "SPOOL", "LAST-ERROR"])
        return {line.split()[0]: line.split() for line in lines[1:]}

    def test_three_sensors_latest_wins_one_stale(self):
        topic = "status-three"
        self.broker.create_topic(topic, partitions=3)
        self.produce(topic, [
            ("site-a", heartbeat("site-a", 20, alerts=1, policy_version="7534ab07fffc",
                                 bundle_version=42)),
            ("site-a", heartbeat("site-a", 2, alerts=3, policy_version="7534ab07fffc",
                                 bundle_version=42, drops=5, spool_bytes=4096,
                                 last_error="policy bundle refused: bad signature")),
            # Later in the topic, older in time: not the one shown.
            ("site-a", heartbeat("site-a", 10, alerts=2, policy_version="7534ab07fffc",
                                 bundle_version=42)),
            # Two minutes old, but its interval is an hour: not stale by default.
            ("site-b", heartbeat("site-b", 120, interval=3600, packets_per_sec=0.25)),
            ("site-c", heartbeat("site-c", 600, interval=10)),
        ])
        proc = self.status(topic)
        self.assertEqual(proc.stderr, "")
        rows = self.rows(proc)
        self.assertEqual(list(rows), ["site-a", "site-b", "site-c"])
        a = rows["site-a"]
        self.assertEqual(a[:5], ["site-a", "0.4.0", "7534ab07fffc", "bundle", "42"])
        self.assertRegex(a[5], r"^[2-9]s$")
        self.assertEqual(a[6:], ["12.5", "5", "3", "4096", "policy", "bundle", "refused:",
                                 "bad", "signature"])
        b = rows["site-b"]
        self.assertEqual(b[2], "-")
        self.assertEqual(b[4:], ["0.2", "0", "0", "0", "-"])
        c = rows["site-c"]
        self.assertRegex(c[3], r"^10m0[0-9]s$")
        self.assertEqual(c[-1], "STALE")
        self.assertEqual([line.split()[0] for line in proc.stdout.splitlines()
                          if "STALE" in line], ["site-c"])

        # --stale-after replaces three intervals: 60 s makes site-b stale and leaves site-a
        # (2 s old when written, well under a minute ago); a day makes nobody stale.
        rows = self.rows(self.status(topic, "--stale-after", "60"))
        self.assertEqual([s for s, cols in rows.items() if cols[-1] == "STALE"],
                         ["site-b", "site-c"])
        rows = self.rows(self.status(topic, "--stale-after", "86400"))
        self.assertFalse([s for s, cols in rows.items() if cols[-1] == "STALE"])

    def test_records_that_are_not_heartbeats_are_skipped_and_counted(self):
        topic = "status-garbage"
        self.broker.create_topic(topic, partitions=1)
        self.produce(topic, [
            ("x", "not json"),
            ("site-a", heartbeat("site-a", 1)),
            ("y", json.dumps({"event_type": "alert", "timestamp": "x"})),
        ])
        proc = self.status(topic)
        self.assertEqual(list(self.rows(proc)), ["site-a"])
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertRegex(lines[0], r"^egressmon: fleet status: skipped 2 records that are not "
                                   r"heartbeats: partition 0 offset 0: expected a JSON object")

    def test_only_garbage_is_no_sensor(self):
        topic = "status-only-garbage"
        self.broker.create_topic(topic, partitions=1)
        self.produce(topic, [("x", "{}")])
        proc = self.status(topic)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, "")
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 2, proc.stderr)
        self.assertIn("skipped 1 records", lines[0])
        self.assertIn("timestamp: missing", lines[0])
        self.assertIn("no sensor has reported yet (topic status-only-garbage holds no heartbeat)",
                      lines[1])

    def test_absent_topic(self):
        proc = self.status("status-absent")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(proc.stderr, "egressmon: fleet status: no sensor has reported yet "
                                      "(topic status-absent does not exist)\n")
        # The broker creates topics on request; reading status must not ask it to.
        self.assertNotIn("status-absent", topics(self.broker))

    def test_unreachable_broker(self):
        start = time.monotonic()
        proc = run("fleet", "status", "--brokers", f"127.0.0.1:{free_port()}", "--topic",
                   "status", "--timeout", "3")
        took = time.monotonic() - start
        one_error_line(self, proc, "cannot reach the brokers", "within 3 s")
        self.assertLess(took, 3 + 4, proc.stderr)

    def test_bad_arguments(self):
        one_error_line(self, self.status("status", "--stale-after", "x"), "--stale-after")
        one_error_line(self, self.status("status", "extra"), "unexpected argument 'extra'")
        one_error_line(self, run("fleet", "stat"), "unknown command 'stat'")
        one_error_line(self, run("fleet", "status", "--brokers", "nohost", "--topic", "t"),
                       "not a broker list")


if __name__ == "__main__":
    unittest.main()
