"""Daily operation (issue 15, Deliver 5): `egressmon -T` / `--test-config` checks -c and every
rule file and exits 0, or 2 with the usual one-line error (INTERFACE.md "Fleet"); SIGUSR1
reopens file outputs for log rotation; `--version` names the libraries egressmon runs on."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import pcap_stream
from test_e2e import BINARY, SOURCE, run

sys.path.insert(0, os.path.join(SOURCE, "tests", "gen"))
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import LINKTYPE_ETHERNET, Capture, utc_microseconds  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402

DEFAULT_RULES = os.path.join(SOURCE, "rules", "default.yaml")
POLICY_RULES = os.path.join(SOURCE, "rules", "egress-policy.yaml")


class test_config(unittest.TestCase):
    def write(self, tmp, name, text):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def check_error(self, args, needle):
        proc = run(*args)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("egressmon: ") and
                        not lines[0].startswith("egressmon: egressmon:"), lines[0])
        self.assertIn(needle, lines[0])
        self.assertEqual(proc.stdout, "")

    def test_shipped_rules_and_a_config_pass_without_anything_to_read(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = self.write(tmp, "c.yaml", "policy:\n  max-tracked-hosts: 1000\n"
                                "rules: [%s, %s]\n" % (DEFAULT_RULES, POLICY_RULES))
            for flag in ("-T", "--test-config"):
                with self.subTest(flag=flag):
                    proc = run(flag, "-c", config)
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    self.assertRegex(proc.stderr.strip(),
                                     r"^egressmon: configuration OK: \d+ rules in 2 files, "
                                     r"policy [0-9a-f]+$")
                    self.assertEqual(proc.stdout, "")

    def test_an_unknown_protocol_name_fails_like_start_up(self):
        with tempfile.TemporaryDirectory() as tmp:
            rules = self.write(tmp, "r.yaml", "rules:\n  - {id: 1, name: x, protocols: [Nope]}\n")
            self.check_error(["-T", "--rules", rules], f"{rules}:2: unknown protocol 'Nope'")

    def test_a_bad_regex_fails_naming_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            rules = self.write(tmp, "r.yaml", "rules:\n  - id: 1\n    name: x\n"
                               "    regex: ['(unclosed']\n")
            self.check_error(["-T", "--rules", rules], f"{rules}:")

    def test_a_bad_config_key_fails_naming_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = self.write(tmp, "c.yaml", "workers: 1\npolicy:\n  max-tracked: 5\n")
            self.check_error(["-T", "-c", config],
                             f"{config}:3: unknown setting 'policy.max-tracked'")

    def test_a_bad_detector_setting_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = self.write(tmp, "c.yaml", "policy:\n  dns-tunnel-max-names: 5\n")
            self.check_error(["-T", "-c", config], "dns-tunnel-max-names must be at least")


def uploads(path, count, first_port):
    """`count` HTTP uploads, each marked TOP SECRET (rule 1000 of the default rules)."""
    cap = Capture(LINKTYPE_ETHERNET, utc_microseconds("2026-12-01T09:00:00Z"))
    framing = EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02")
    for i in range(count):
        tcp = TcpSession(cap, framing, ("10.5.0.1", first_port + i), ("203.0.113.5", 80))
        tcp.open()
        body = b"report: TOP SECRET, do not forward"
        tcp.send(b"POST /up HTTP/1.1\r\nHost: x.example\r\nContent-Length: %d\r\n\r\n%s"
                 % (len(body), body))
        tcp.send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", from_client=False)
        tcp.close()
    cap.save(path)
    return pcap_stream.read_pcap(path)


def lines_of(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []


def wait_for(what, predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class log_rotation(unittest.TestCase):
    """SIGUSR1 reopens file outputs: rename the alert file while egressmon writes it, signal,
    and every alert is in exactly one of the two files, none twice."""

    def test_rotate_while_writing_loses_and_repeats_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            out = os.path.join(tmp, "logs")
            os.mkdir(out)
            if os.geteuid() == 0:  # egressmon drops to nobody: the new file is made as nobody
                import pwd
                nobody = pwd.getpwnam("nobody")
                os.chown(out, nobody.pw_uid, nobody.pw_gid)
            header, first = uploads(os.path.join(tmp, "a.pcap"), 40, 41000)
            _, second = uploads(os.path.join(tmp, "b.pcap"), 40, 42000)
            alerts = os.path.join(out, "alerts.json")
            fifo = pcap_stream.make_fifo(tmp)
            proc = subprocess.Popen([BINARY, "-r", fifo, "--rules",
                                     os.path.join(SOURCE, "rules", "default.yaml"),
                                     "--alerts", alerts, "--workers", "2", "--stats"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            feeder = pcap_stream.FifoFeeder(fifo, header)
            try:
                feeder.feed(first)
                wait_for("the first 40 alerts", lambda: len(lines_of(alerts)) >= 40)
                os.rename(alerts, alerts + ".1")
                proc.send_signal(signal.SIGUSR1)
                # Under ThreadSanitizer the handler runs only once the reader's blocked read()
                # returns: one non-IP frame (no flow, no record) wakes it.
                feeder.feed([pcap_stream.non_ip_frame(first[-1][0] + 1)])
                wait_for("the reopened file", lambda: os.path.exists(alerts))
                # Later flows, on the same capture clock.
                shift = first[-1][0] - second[0][0] + 1_000_000
                feeder.feed([(ts + shift, n, frame) for ts, n, frame in second])
            finally:
                feeder.close()
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
            rotated, fresh = lines_of(alerts + ".1"), lines_of(alerts)
            self.assertEqual(len(rotated), 40)
            self.assertEqual(len(fresh), 40)
            self.assertEqual({a["src_port"] // 1000 for a in rotated}, {41})
            self.assertEqual({a["src_port"] // 1000 for a in fresh}, {42})
            ids = [a["alert"]["context"]["alert_id"] for a in rotated + fresh]
            self.assertEqual(len(set(ids)), 80)
            stats = json.loads(err.strip().splitlines()[-1])
            self.assertEqual(stats["alert_records"]["written"], 80)
            self.assertEqual(stats["alert_records"]["write_failed"], 0)


class version(unittest.TestCase):
    def test_version_names_the_libraries(self):
        proc = run("--version")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertRegex(lines[0], r"^egressmon \d+\.\d+\.\d+$")
        names = [line.split()[0] for line in lines[1:]]
        for lib in ("nDPI", "Hyperscan", "librdkafka", "libpcap"):
            self.assertIn(lib, names)
        self.assertRegex(proc.stdout, r"nDPI 4\.2")
        for line in lines[1:]:
            self.assertTrue(re.search(r"\d", line), line)


if __name__ == "__main__":
    unittest.main()
