"""A fleet on a real broker (issue 15, Deliver 3): one Kafka broker (the suite's fixture), three
sensors with different names and groups, signed policy bundles published to the policy topic.

- a bundle published for `all` is in force on all three within 10 s, and their alerts carry its
  policy_version;
- a bundle signed with another key, a tampered bundle and an older version are refused by all
  three (counted, reported in the heartbeat), and the bundle in force stays;
- a bundle for one group reaches that group's sensors only;
- the status topic holds each sensor's heartbeats; `egressmon fleet status` shows the three,
  then one as stale after it was killed;
- a sensor restarted while the broker is down starts on its cached bundle.

Sensors read a FIFO (tests/e2e/pcap_stream.py), so their traffic comes when the test says.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pcap_stream  # noqa: E402
from kafka_broker import KafkaBroker  # noqa: E402
from test_e2e import BINARY, SOURCE  # noqa: E402
from test_operations import lines_of, uploads, wait_for  # noqa: E402
from test_policy_bundle import key_id, make_key  # noqa: E402

DEFAULT_RULES = os.path.join(SOURCE, "rules", "default.yaml")
POLICY_TOPIC = "egressmon-policy"
STATUS_TOPIC = "egressmon-status"
# Sensor name -> group.
SENSORS = {"site-a-1": "east", "site-a-2": "east", "site-b-1": "west"}
KAFKA_UNDER_TSAN = ("librdkafka starts its threads with C11 thrd_create, which GCC 12's "
                    "ThreadSanitizer does not intercept (scripts/test.sh)")
EXTRA_RULES = "rules:\n  - {id: 9001, name: Fleet test word, keywords: [fleet-canary]}\n"


def tools_missing():
    return [t for t in ("java", "kcat", "openssl") if not shutil.which(t)]


def egressmon(*args, timeout=60):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


class Sensor:
    """One egressmon reading its own FIFO, stderr to a file the test polls."""

    def __init__(self, work, name, group, broker, public_key):
        self.name, self.group = name, group
        self.dir = os.path.join(work, name)
        out = os.path.join(self.dir, "out")
        os.makedirs(out, exist_ok=True)
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:  # egressmon drops to nobody: it writes its alerts as nobody
            import pwd
            nobody = pwd.getpwnam("nobody")
            os.chown(out, nobody.pw_uid, nobody.pw_gid)
        self.cache = os.path.join(self.dir, "cache")
        self.alerts = os.path.join(out, "alerts.json")
        self.stderr_path = os.path.join(self.dir, "stderr.txt")
        self.config = os.path.join(self.dir, "egressmon.yaml")
        with open(self.config, "w") as f:
            f.write(f"""sensor-name: {name}
workers: 1
policy:
  brokers: {broker.bootstrap}
  topic: {POLICY_TOPIC}
  group: {group}
  public-key: [{public_key}]
  cache-dir: {self.cache}
  status-topic: {STATUS_TOPIC}
  heartbeat-interval: 1
""")
        os.chmod(self.config, 0o644)
        self.proc = None
        self.extra_args = []
        self.feeder = None
        self.next_port = 20000
        self.last_ts = None

    def start(self):
        fifo = os.path.join(self.dir, "capture.pcap")
        if os.path.exists(fifo):
            os.unlink(fifo)
        os.mkfifo(fifo)
        self.stderr_file = open(self.stderr_path, "a")
        self.proc = subprocess.Popen([BINARY, "-c", self.config, "-r", fifo, "--alerts",
                                      self.alerts, "--stats", *self.extra_args],
                                     stdout=subprocess.DEVNULL, stderr=self.stderr_file)
        header, _ = uploads(os.path.join(self.dir, "header.pcap"), 1, 1000)
        self.feeder = pcap_stream.FifoFeeder(fifo, header, process=self.proc)
        return self

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def upload(self, count=2):
        """`count` HTTP uploads marked TOP SECRET (rule 1000 of the default rules); returns how
        many alerts the file should then hold."""
        _, records = uploads(os.path.join(self.dir, "phase.pcap"), count, self.next_port)
        self.next_port += count
        shift = 0 if self.last_ts is None else self.last_ts - records[0][0] + 1_000_000
        records = [(ts + shift, n, frame) for ts, n, frame in records]
        self.last_ts = records[-1][0]
        before = len(lines_of(self.alerts))
        self.feeder.feed(records)
        return before + count

    def alerts_after(self, expected):
        wait_for(f"{expected} alerts of {self.name}",
                 lambda: len(lines_of(self.alerts)) >= expected)
        return lines_of(self.alerts)

    def stop(self):
        """SIGTERM-free stop: the capture ends (FIFO closed); returns the --stats object."""
        self.feeder.close()
        self.proc.wait(timeout=60)
        self.stderr_file.close()
        assert self.proc.returncode == 0, self.stderr()
        return json.loads(self.stderr().strip().splitlines()[-1])

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.feeder.close()
        self.stderr_file.close()


class three_sensors(unittest.TestCase):
    def setUp(self):
        if os.environ.get("EGRESSMON_TSAN") == "ON":
            self.skipTest(KAFKA_UNDER_TSAN)
        missing = tools_missing()
        if missing:
            self.skipTest("missing: " + ", ".join(missing))
        self.tmp = tempfile.mkdtemp(prefix="egressmon-fleet-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.broker = KafkaBroker(os.path.join(self.tmp, "broker")).start()
        self.addCleanup(self.broker.stop)
        self.private, self.public = make_key(self.tmp, "signer")
        self.other_private, _ = make_key(self.tmp, "other")
        for path in (self.public, self.tmp):
            os.chmod(path, 0o755 if path == self.tmp else 0o644)
        self.sensors = []
        self.addCleanup(self.stop_all)

    def stop_all(self):
        for s in self.sensors:
            if s.proc and s.proc.poll() is None:
                s.kill()

    # --- bundles ---

    def sign(self, name, version, files, key=None):
        out = os.path.join(self.tmp, name)
        proc = egressmon("policy", "sign", "--key", key or self.private, "--out", out,
                         "--bundle-version", str(version), *files)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return out

    def policy_version(self, bundle):
        proc = egressmon("policy", "verify", "--public-key", self.public, bundle)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        line = next(l for l in proc.stdout.splitlines() if l.startswith("policy-version: "))
        return line.split()[-1]

    def publish(self, bundle, group="all"):
        proc = egressmon("policy", "publish", "--brokers", self.broker.bootstrap, "--topic",
                         POLICY_TOPIC, "--group", group, bundle)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return time.monotonic()

    def wait_in_stderr(self, sensors, text, timeout=10):
        try:
            wait_for(f"'{text}' from {[s.name for s in sensors]}",
                     lambda: all(text in s.stderr() for s in sensors), timeout=timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}; their stderr:\n" +
                                 "\n".join(f"{s.name}: {s.stderr()}" for s in sensors))

    def heartbeats(self):
        """The latest heartbeat of each sensor on the status topic."""
        latest = {}
        for record in self.broker.consume(STATUS_TOPIC):
            beat = json.loads(record["payload"])
            self.assertEqual(record["key"], beat["sensor"])
            latest[beat["sensor"]] = beat
        return latest

    def fleet_status(self):
        proc = egressmon("fleet", "status", "--brokers", self.broker.bootstrap, "--topic",
                         STATUS_TOPIC)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = {}
        for line in proc.stdout.splitlines()[1:]:
            rows[line.split()[0]] = line
        return rows

    def test_bundles_refusals_groups_heartbeats_staleness_and_the_cache(self):
        self.sensors = [Sensor(self.tmp, name, group, self.broker, self.public).start()
                        for name, group in SENSORS.items()]
        east = [s for s in self.sensors if s.group == "east"]
        west = [s for s in self.sensors if s.group == "west"]
        self.wait_in_stderr(self.sensors, "no rules until a signed policy bundle arrives")

        # A bundle for everyone: in force on all three within 10 s; alerts carry its policy.
        v1 = self.sign("v1.bundle", 1000, [DEFAULT_RULES])
        p1 = self.policy_version(v1)
        published = self.publish(v1)
        self.wait_in_stderr(self.sensors, "bundle version 1000 from egressmon-policy")
        self.assertLess(time.monotonic() - published, 10)
        for s in self.sensors:
            alerts = s.alerts_after(s.upload())
            self.assertEqual({a["alert"]["context"]["policy_version"] for a in alerts}, {p1})
            self.assertEqual({a["alert"]["signature_id"] for a in alerts}, {1000})

        # Refused by all three: another key, a tampered bundle, an older version.
        foreign = self.sign("foreign.bundle", 2000, [DEFAULT_RULES], key=self.other_private)
        self.publish(foreign)
        self.wait_in_stderr(self.sensors, "refused, version 1000 stays: signed by key id")
        tampered_path = self.sign("tampered.bundle", 3000, [DEFAULT_RULES])
        with open(tampered_path, "rb") as f:
            data = f.read()
        data = data.replace(b"TOP SECRET", b"TOP SECRE7", 1)  # same length: still parses
        self.assertIn(b"TOP SECRE7", data)
        with open(tampered_path, "wb") as f:
            f.write(data)
        self.publish(tampered_path)
        self.wait_in_stderr(self.sensors, "signature")
        older = self.sign("older.bundle", 500, [DEFAULT_RULES])
        self.publish(older)
        self.wait_in_stderr(self.sensors, "version 500 is not newer than version 1000")
        for s in self.sensors:
            alerts = s.alerts_after(s.upload())
            self.assertEqual({a["alert"]["context"]["policy_version"] for a in alerts}, {p1})
        beats = self.heartbeats()
        self.assertEqual(set(beats), set(SENSORS))
        for beat in beats.values():
            self.assertEqual(beat["bundle_version"], 1000)
            self.assertEqual(beat["policy_version"], p1)
            self.assertIn("not newer", beat.get("last_error", ""))

        # A bundle for group east: its two sensors take it, west keeps version 1000.
        extra = os.path.join(self.tmp, "extra.yaml")
        with open(extra, "w") as f:
            f.write(EXTRA_RULES)
        v4 = self.sign("east.bundle", 4000, [DEFAULT_RULES, extra])
        p4 = self.policy_version(v4)
        self.assertNotEqual(p4, p1)
        self.publish(v4, group="east")
        self.wait_in_stderr(east, "bundle version 4000 from egressmon-policy (group east")
        for s in east:
            alerts = s.alerts_after(s.upload())
            self.assertEqual(alerts[-1]["alert"]["context"]["policy_version"], p4)
        expected = west[0].upload()
        self.assertEqual(west[0].alerts_after(expected)[-1]["alert"]["context"]["policy_version"],
                         p1)
        self.assertNotIn("bundle version 4000", west[0].stderr())

        # fleet status: all three, none stale; then site-a-2 killed shows as stale.
        wait_for("three heartbeats", lambda: len(self.heartbeats()) == 3)
        rows = self.fleet_status()
        self.assertEqual(set(rows), set(SENSORS), rows)
        for name, row in rows.items():
            self.assertNotIn("STALE", row)
        self.assertIn("bundle 4000", rows["site-a-1"])
        self.assertIn("bundle 1000", rows["site-b-1"])
        killed = next(s for s in self.sensors if s.name == "site-a-2")
        killed.kill()
        wait_for("site-a-2 stale", lambda: "STALE" in self.fleet_status()["site-a-2"],
                 timeout=20)
        rows = self.fleet_status()
        self.assertNotIn("STALE", rows["site-a-1"])
        self.assertNotIn("STALE", rows["site-b-1"])

        stats = next(s for s in self.sensors if s.name == "site-a-1").stop()
        fleet = stats["fleet"]
        self.assertEqual(fleet["bundles_applied"], 2)
        self.assertEqual(fleet["bundles_unknown_key"], 1)
        self.assertEqual(fleet["bundles_bad_signature"], 1)
        self.assertEqual(fleet["bundles_not_newer"], 1)
        self.assertGreater(fleet["heartbeats_delivered"], 0)

        # The broker goes down; site-b-1 restarted meanwhile runs its cached bundle (1000).
        west[0].stop()
        self.broker.stop()
        restarted = Sensor(self.tmp, "site-b-1", "west", self.broker, self.public)
        restarted.alerts = os.path.join(restarted.dir, "out", "alerts-after-restart.json")
        self.sensors.append(restarted.start())
        self.wait_in_stderr([restarted], "bundle version 1000 from the cache")
        alerts = restarted.alerts_after(restarted.upload())
        self.assertEqual({a["alert"]["context"]["policy_version"] for a in alerts}, {p1})
        stats = restarted.stop()
        self.assertEqual(stats["fleet"]["bundles_applied"], 1)
        self.assertEqual(stats["rules"]["policy_version"], p1)


def write_config(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


class policy_config(unittest.TestCase):
    """The policy: keys checked at start-up and by -T (no broker needed: nothing connects)."""

    def setUp(self):
        if not shutil.which("openssl"):
            self.skipTest("openssl command not found")
        self.tmp = tempfile.mkdtemp(prefix="egressmon-fleet-config-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        _, self.public = make_key(self.tmp, "signer")
        os.chmod(self.public, 0o644)

    def config(self, policy):
        return write_config(os.path.join(self.tmp, "egressmon.yaml"), "policy:\n" + policy)

    def test_test_config_names_the_fleet_keys(self):
        conf = self.config(f"  brokers: 127.0.0.1:9\n  topic: pol\n  group: east\n"
                           f"  public-key: {self.public}\n  status-topic: st\n"
                           f"  heartbeat-interval: 30\n")
        proc = egressmon("-T", "-c", conf, "--rules", DEFAULT_RULES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        kid = key_id(self.public)
        self.assertIn(f"fleet: brokers 127.0.0.1:9, bundles from pol for group east signed by "
                      f"key {kid}, heartbeats to st every 30 s", proc.stderr)

    def test_bad_policy_keys_are_refused_with_one_line(self):
        key = f"  public-key: {self.public}\n"
        cases = [
            ("  topic: pol\n" + key, "'policy.topic' and 'policy.status-topic' need "
                                       "'policy.brokers'"),
            ("  brokers: 127.0.0.1:9\n", "without 'policy.topic' or 'policy.status-topic'"),
            ("  brokers: 127.0.0.1:9\n  topic: pol\n", "'policy.topic' needs "
                                                         "'policy.public-key'"),
            ("  brokers: nohost\n  topic: pol\n" + key, "is not a broker list"),
            ("  brokers: 127.0.0.1:9\n  topic: bad/topic\n" + key,
             "policy.topic: 'bad/topic' is not a Kafka topic name"),
            ("  brokers: 127.0.0.1:9\n  topic: pol\n  group: a b\n" + key,
             "policy.group: 'a b' is not a group name (1-64 characters"),
            ("  brokers: 127.0.0.1:9\n  status-topic: st\n  heartbeat-interval: 0\n",
             "egressmon.yaml:4: expected a number between 1 and 3600, got '0'"),
            ("  brokers: 127.0.0.1:9\n  topic: pol\n  public-key: /nonexistent.pub\n",
             "policy.public-key"),
        ]
        for policy, message in cases:
            with self.subTest(policy=policy):
                conf = self.config(policy)
                proc = egressmon("-T", "-c", conf, "--rules", DEFAULT_RULES)
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
                self.assertIn(message, proc.stderr)


class precedence(unittest.TestCase):
    """--rules files and a bundle: which wins is said on stderr. No broker runs: the sensor
    starts on its cache (the policy topic's brokers unreachable)."""

    def setUp(self):
        if os.environ.get("EGRESSMON_TSAN") == "ON":
            self.skipTest(KAFKA_UNDER_TSAN)
        if not shutil.which("openssl"):
            self.skipTest("openssl command not found")
        self.tmp = tempfile.mkdtemp(prefix="egressmon-fleet-precedence-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.private, self.public = make_key(self.tmp, "signer")
        os.chmod(self.public, 0o644)
        self.extra = write_config(os.path.join(self.tmp, "extra.yaml"), EXTRA_RULES)
        self.bundle = os.path.join(self.tmp, "policy.bundle")
        proc = egressmon("policy", "sign", "--key", self.private, "--out", self.bundle,
                         "--bundle-version", "7", DEFAULT_RULES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc = egressmon("policy", "verify", "--public-key", self.public, self.bundle)
        self.bundle_policy = next(l.split()[-1] for l in proc.stdout.splitlines()
                                  if l.startswith("policy-version: "))

    def sensor(self, cached_bytes):
        """A sensor with --rules (default + extra) and a policy section whose cache holds
        `cached_bytes` (None: empty); its brokers are a closed port."""
        broker = type("Unreachable", (), {"bootstrap": "127.0.0.1:9"})()
        s = Sensor(self.tmp, "local", "all", broker, self.public)
        if cached_bytes is not None:
            os.makedirs(s.cache, exist_ok=True)
            with open(os.path.join(s.cache, "policy.bundle"), "wb") as f:
                f.write(cached_bytes)
        s.extra_args = ["--rules", DEFAULT_RULES, "--rules", self.extra]
        self.addCleanup(lambda: s.proc and s.proc.poll() is None and s.kill())
        return s.start()

    def test_a_cached_bundle_wins_over_rules_files_and_sighup_is_refused(self):
        with open(self.bundle, "rb") as f:
            s = self.sensor(f.read())
        wait_for("the cache", lambda: "bundle version 7 from the cache" in s.stderr())
        # Said on its own line after the cache's (start-up goes on in between): waited for too.
        wait_for("the --rules files set aside",
                 lambda: "the --rules files are not loaded" in s.stderr())
        alerts = s.alerts_after(s.upload())
        self.assertEqual({a["alert"]["context"]["policy_version"] for a in alerts},
                         {self.bundle_policy})
        s.proc.send_signal(signal.SIGHUP)
        wait_for("the refused reload", lambda: "rule reload refused" in s.stderr() and
                 "policy bundle version 7 is in force and takes precedence" in s.stderr())
        stats = s.stop()
        self.assertEqual(stats["rules"]["policy_version"], self.bundle_policy)
        self.assertEqual(stats["rules"]["reload_failures"], 1)
        self.assertEqual(stats["fleet"]["bundles_applied"], 1)
        self.assertGreater(stats["fleet"]["kafka_errors"], 0)

    def test_a_tampered_cache_is_refused_and_the_rules_files_run(self):
        with open(self.bundle, "rb") as f:
            data = f.read().replace(b"TOP SECRET", b"TOP SECRE7", 1)
        s = self.sensor(data)
        wait_for("the refusal", lambda: "running the --rules files" in s.stderr())
        self.assertIn("cached policy bundle", s.stderr())
        self.assertIn("bad signature", s.stderr().lower())
        alerts = s.alerts_after(s.upload())
        local_policy = {a["alert"]["context"]["policy_version"] for a in alerts}
        self.assertNotIn(self.bundle_policy, local_policy)
        stats = s.stop()
        self.assertEqual(stats["fleet"]["bundles_bad_signature"], 1)
        self.assertEqual(stats["fleet"]["bundles_applied"], 0)


if __name__ == "__main__":
    unittest.main()
