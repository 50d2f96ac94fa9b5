"""ICAP with a real proxy: Debian's Squid (squid-openssl) decrypting HTTPS with ssl_bump, with
basic proxy authentication, in front of a real HTTPS origin on loopback, curl as the client
(squid_proxy.py). One CTest entry, e2e.icap.

- squid_fixture: the fixture against Debian's c-icap echo service and against nothing at all
  (bypass on and off), so an egressmon failure can be told apart from a broken fixture.
- squid_sends: what Squid 5.7 sends to an ICAP service (icap_recorder.py), as the contract's
  ICAP section states it (tests/e2e/data/icap/ holds the recorded bytes).
- egressmon_icap, egressmon_stopped_bypass: issue 13's end-to-end cases against
  `egressmon --icap`. They skip, with the reason, while `egressmon --help` does not list --icap.

Skips where squid, security_file_certgen, basic_ncsa_auth, openssl or curl (or, for its cases,
c-icap) is not installed. Needs EGRESSMON and EGRESSMON_SOURCE_DIR, like test_e2e.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_e2e import BINARY, SCHEMA, SOURCE, assert_valid_eve  # noqa: E402
import c_icap_server  # noqa: E402
import squid_proxy  # noqa: E402
from c_icap_server import CIcapEcho, c_icap_client  # noqa: E402
from icap_recorder import IcapRecorder, http_response_in_icap  # noqa: E402
from server_process import ServerProcess, free_port, log_tail  # noqa: E402
from squid_proxy import HttpsOrigin, Pki, SquidProxy, sha256_file, wait_listening  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE, "tests", "gen"))
import documents  # noqa: E402

# The alert rule's keyword is in docx_single_run.docx (word/document.xml), the block rule's in
# docx_header.docx (word/header1.xml); clean.docx has neither.
RULES = """rules:
  - id: 9001
    name: Classified marking
    category: classified
    severity: 1
    keywords: ["TOP SECRET"]
    action: alert
  - id: 9003
    name: Confidential marking leaves only on paper
    keywords: ["\u673a\u5bc6"]
    action: block
"""
ALERT_DOC = "docx_single_run.docx"
BLOCK_DOC = "docx_header.docx"
CLEAN_DOC = "clean.docx"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BIG_UPLOAD = 50 * 1000 * 1000
# More than Squid's 64 KiB backup limit: it then offers no 204 and the body must be echoed.
FIXTURE_UPLOAD = 3 * 1024 * 1024 + 17

WORK = None
PKI = None
ORIGIN = None


def setUpModule():
    global WORK, PKI, ORIGIN
    if squid_proxy.MISSING:
        raise unittest.SkipTest(f"not installed: {squid_proxy.MISSING}")
    WORK = tempfile.mkdtemp(prefix="egressmon-icap-")
    PKI = Pki(WORK)
    ORIGIN = HttpsOrigin(WORK, PKI).start()
    docs = os.path.join(WORK, "docs")
    os.makedirs(docs)
    for name in (ALERT_DOC, BLOCK_DOC, CLEAN_DOC):
        with open(os.path.join(docs, name), "wb") as f:
            f.write(documents.BY_NAME[name].build())


def tearDownModule():
    if ORIGIN is not None:
        ORIGIN.stop()
    if WORK is not None:
        shutil.rmtree(WORK, ignore_errors=True)


def doc(name):
    return os.path.join(WORK, "docs", name)


def write_filler(path, size):
    """`size` bytes of hex text (sha256 of a counter, one per line): keyword-free in every
    encoding the rules search (all ASCII), and not a repeating pattern. Returns its sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left, counter = size, 0
        while left:
            block = b"".join(hashlib.sha256(str(counter + i).encode()).hexdigest().encode() + b"\n"
                             for i in range(1024))[:left]
            counter += 1024
            f.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def multipart_body(path, field="file", boundary="egressmonIcapBoundary5c1d"):
    """What a browser sends for a one-file form: for c-icap-client, which sends a file as is."""
    with open(path, "rb") as f:
        data = f.read()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{os.path.basename(path)}\"\r\nContent-Type: {DOCX_TYPE}\r\n\r\n")
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def icap_capability():
    """None when this egressmon serves ICAP, else why the egressmon cases skip."""
    try:
        out = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=30)
    except OSError as e:
        return f"cannot run {BINARY}: {e}"
    if "--icap" not in out.stdout + out.stderr:
        return f"{BINARY} --help does not list --icap: this build has no ICAP server yet"
    return None


class EgressmonIcap(ServerProcess):
    """`egressmon --icap 127.0.0.1:PORT --rules RULES --alerts FILE`, no capture: serves ICAP
    until SIGTERM."""

    def __init__(self, workdir, rules):
        super().__init__()
        self.workdir = workdir
        self.rules = rules
        self.port = None
        self.alerts_path = os.path.join(workdir, "alerts.json")
        self.log_path = os.path.join(workdir, "egressmon.log")
        self.returncode = None

    def start(self):
        self.port = self.port or free_port()
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [BINARY, "--icap", f"127.0.0.1:{self.port}", "--rules", self.rules,
                 "--alerts", self.alerts_path], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        try:
            wait_listening(self.port, self._proc, "egressmon --icap", self.log_path)
        except RuntimeError:
            self._proc = None
            raise
        return self

    def stop(self):
        if self._proc is not None:
            proc = self._proc
            super().stop()
            self.returncode = proc.returncode

    def alerts(self):
        try:
            with open(self.alerts_path, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def wait_alert(self, predicate, timeout=20):
        """The first alert for which predicate(alert) holds; fails the calling test's
        assertion with every alert seen when none does within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = [a for a in self.alerts() if predicate(a)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching alert in {timeout} s; alerts: {self.alerts()}\n"
                                     f"egressmon log:\n{log_tail(self.log_path)}")
            time.sleep(0.1)


def url_path_is(path):
    """Whether an alert is about the request for `path`: http.url may be the path or the
    absolute URL the proxy sent (the contract says "from the request")."""
    return lambda a: urllib.parse.urlsplit(a.get("http", {}).get("url", "")).path == path


class squid_fixture(unittest.TestCase):
    """Squid + ssl_bump + authentication, with Debian's c-icap echo service and with no ICAP
    service at all: the fixture alone, before egressmon is involved."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fixture-", dir=WORK)

    def test_squid_fixture_with_c_icap_echo(self):
        if c_icap_server.MISSING:
            self.skipTest(f"not installed: {c_icap_server.MISSING}")
        body = os.path.join(self.dir, "upload.txt")
        sha = write_filler(body, FIXTURE_UPLOAD)
        with CIcapEcho(self.dir) as icap, \
                SquidProxy(self.dir, PKI, icap.port, service=c_icap_server.SERVICE) as squid:
            # A raw PUT over 64 KiB: Squid offers no 204, so c-icap must echo it whole.
            result = squid.curl(ORIGIN.url("/fixture/put"), "-T", body)
            self.assertEqual((result.returncode, result.status), (0, 200),
                             f"{result}\n{squid.cache_log()}")
            [got] = ORIGIN.records("/fixture/put")
            self.assertEqual((got["body_length"], got["body_sha256"]), (FIXTURE_UPLOAD, sha))
            # The request went through the echo service (it adds itself to Via) and the bumped
            # connection (curl trusted only the bump CA, so the origin's certificate was
            # replaced; the origin saw an https request from Squid).
            self.assertIn("C-ICAP", got["headers"].get("via", ""))
            self.assertIn("squid", got["headers"].get("via", ""))
            # A multipart docx upload, as the egressmon cases send it.
            result = squid.curl(ORIGIN.url("/fixture/multipart"), "-F", f"file=@{doc(ALERT_DOC)}")
            self.assertEqual(result.status, 200, result)
            [got] = ORIGIN.records("/fixture/multipart")
            self.assertGreater(got["body_length"], os.path.getsize(doc(ALERT_DOC)))
            # Authentication is required: a wrong password gets 407 and reaches nothing.
            result = squid.curl(ORIGIN.url("/fixture/badpass"), password="wrong")
            self.assertEqual(result.connect_status, 407, result)
            self.assertEqual(ORIGIN.records("/fixture/badpass"), [])
            with open(os.path.join(icap.dir, "access.log")) as f:
                self.assertIn("REQMOD echo", f.read())
        with open(squid.access_log) as f:
            self.assertIn(f"POST https://localhost:{ORIGIN.port}/fixture/multipart alice", f.read())

    def test_bypass_decides_when_the_icap_service_is_down(self):
        """Nothing listens on the ICAP port: bypass=off refuses the request (500, the origin
        sees nothing), bypass=on serves it unadapted."""
        dead_port = free_port()
        for bypass in (False, True):
            path = f"/fixture/service-down-bypass-{'on' if bypass else 'off'}"
            with SquidProxy(os.path.join(self.dir, path.rsplit("-", 1)[1]), PKI, dead_port,
                            bypass=bypass) as squid:
                result = squid.curl(ORIGIN.url(path), "-F", f"file=@{doc(CLEAN_DOC)}")
            if bypass:
                self.assertEqual(result.status, 200, result)
                self.assertEqual(len(ORIGIN.records(path)), 1)
            else:
                self.assertEqual(result.status, 500, result)
                self.assertIn(b"ICAP", result.body)
                self.assertEqual(ORIGIN.records(path), [])


class squid_sends(unittest.TestCase):
    """What Squid 5.7 with ssl_bump sends to a REQMOD service, as the contract states it."""

    def test_connect_then_full_urls_client_ip_user_and_allow_204_only_when_small(self):
        workdir = tempfile.mkdtemp(prefix="recorder-", dir=WORK)
        large = os.path.join(workdir, "large.txt")
        large_sha = write_filler(large, 200 * 1024)
        with IcapRecorder() as icap, SquidProxy(workdir, PKI, icap.port) as squid:
            small = squid.curl(ORIGIN.url("/sends/small?q=1"), "-F", f"file=@{doc(ALERT_DOC)}")
            big = squid.curl(ORIGIN.url("/sends/large"), "-T", large)
        self.assertEqual((small.status, big.status), (200, 200), (small, big))
        reqmods = icap.reqmods()
        lines = [m.http_request_line for m in reqmods]
        host = f"localhost:{ORIGIN.port}"
        self.assertEqual(lines, [f"CONNECT {host} HTTP/1.1",
                                 f"POST https://{host}/sends/small?q=1 HTTP/1.1",
                                 f"CONNECT {host} HTTP/1.1",
                                 f"PUT https://{host}/sends/large HTTP/1.1"])
        for m in reqmods:
            self.assertEqual(m.headers.get("x-client-ip"), "127.0.0.1")
            self.assertEqual(m.headers.get("x-client-username"), "alice")
            self.assertNotIn("x-server-ip", m.headers)
            self.assertTrue(m.start_line.endswith("/reqmod ICAP/1.0"), m.start_line)
        connect, post, _, put = reqmods
        self.assertIn("null-body", connect.headers["encapsulated"])
        self.assertTrue(post.allows("204") and post.allows("trailers"), post.headers)
        self.assertFalse(put.allows("204"), put.headers)
        self.assertEqual(put.answer, "echo")
        self.assertEqual(hashlib.sha256(put.body).hexdigest(), large_sha)
        self.assertIn(b"filename=\"docx_single_run.docx\"", post.body)
        self.assertEqual(ORIGIN.records("/sends/large")[0]["body_sha256"], large_sha)

    def test_an_http_403_from_icap_reaches_curl_and_nothing_reaches_the_origin(self):
        """What a block rule relies on: a REQMOD answered with an HTTP response (request
        satisfaction) goes to the client, and Squid forwards nothing to the origin."""
        page = b"blocked by rule 1 (alert recorder-000000000001)\n"

        def block_posts(msg):
            if msg.http_request_line.startswith("POST "):
                return http_response_in_icap("HTTP/1.1 403 Forbidden", page)
            return None

        workdir = tempfile.mkdtemp(prefix="recorder-403-", dir=WORK)
        with IcapRecorder(respond=block_posts) as icap, \
                SquidProxy(workdir, PKI, icap.port) as squid:
            result = squid.curl(ORIGIN.url("/sends/blocked"), "-F", f"file=@{doc(ALERT_DOC)}")
        self.assertEqual((result.status, result.body), (403, page), result)
        self.assertEqual([m.answer for m in icap.reqmods()], ["204", "custom"])
        self.assertEqual(ORIGIN.records("/sends/blocked"), [])


class EgressmonCase(unittest.TestCase):
    bypass = False

    def setUp(self):
        reason = icap_capability()
        if reason:
            self.skipTest(reason)
        self.dir = tempfile.mkdtemp(prefix=f"{type(self).__name__}-", dir=WORK)
        rules = os.path.join(self.dir, "rules.yaml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write(RULES)
        self.egressmon = EgressmonIcap(self.dir, rules).start()
        self.addCleanup(self.egressmon.stop)
        self.squid = SquidProxy(self.dir, PKI, self.egressmon.port, bypass=self.bypass).start()
        self.addCleanup(self.squid.stop)

    def curl_ok(self, path, *args):
        result = self.squid.curl(ORIGIN.url(path), *args)
        self.assertEqual((result.returncode, result.status), (0, 200),
                         f"{result}\n{self.squid.cache_log()}\n{log_tail(self.egressmon.log_path)}")
        return result

    def assert_docx_alert(self, alert, rule, name, path):
        self.assertEqual(alert["event_type"], "alert")
        self.assertEqual(alert["alert"]["signature_id"], rule)
        dlp = alert["alert"]["context"]["dlp"]
        self.assertEqual(dlp["source"], "icap")
        self.assertEqual(dlp["kind"], "content")
        self.assertEqual(dlp["direction"], "egress")
        self.assertEqual(dlp["file"]["name"], name)
        self.assertEqual(dlp["file"]["type"], "docx")
        self.assertEqual(dlp["file"]["path"], path)
        self.assertEqual(alert["http"]["http_method"], "POST")


class egressmon_icap(EgressmonCase):
    """Squid with bypass=off in front of egressmon: an ICAP failure fails the request, so
    every 200 below went through egressmon."""

    def test_top_secret_docx_alerts_with_user_and_client_ip(self):
        self.curl_ok("/icap/alert", "-F", f"file=@{doc(ALERT_DOC)}")
        alert = self.egressmon.wait_alert(url_path_is("/icap/alert"))
        self.assert_docx_alert(alert, 9001, ALERT_DOC, [ALERT_DOC, "word/document.xml"])
        self.assertEqual(alert["alert"]["context"]["dlp"]["user"], "alice")
        self.assertEqual(alert["src_ip"], "127.0.0.1")
        self.assertEqual(alert["http"]["hostname"], "localhost")
        self.assertIn(alert["http"]["url"],
                      ("/icap/alert", f"https://localhost:{ORIGIN.port}/icap/alert"))
        # Alert rules let the upload through, unchanged.
        [got] = ORIGIN.records("/icap/alert")
        self.assertGreater(got["body_length"], os.path.getsize(doc(ALERT_DOC)))
        # The CONNECT REQMOD carries no content: it raises nothing.
        self.assertEqual([(a["alert"]["signature_id"], urllib.parse.urlsplit(a["http"]["url"]).path)
                          for a in self.egressmon.alerts()], [(9001, "/icap/alert")])
        if os.path.exists(SCHEMA):
            assert_valid_eve(self, self.egressmon.alerts_path)

    def test_block_rule_answers_403_and_the_origin_never_sees_the_body(self):
        result = self.squid.curl(ORIGIN.url("/icap/block"), "-F", f"file=@{doc(BLOCK_DOC)}")
        self.assertEqual(result.status, 403, f"{result}\n{self.squid.cache_log()}")
        alert = self.egressmon.wait_alert(url_path_is("/icap/block"))
        self.assert_docx_alert(alert, 9003, BLOCK_DOC, [BLOCK_DOC, "word/header1.xml"])
        self.assertEqual(alert["alert"]["context"]["dlp"]["user"], "alice")
        page = result.body.decode("utf-8", errors="replace")
        self.assertIn("9003", page)
        self.assertIn(alert["alert"]["context"]["alert_id"], page)
        self.assertEqual(ORIGIN.records("/icap/block"), [])
        if os.path.exists(SCHEMA):
            assert_valid_eve(self, self.egressmon.alerts_path)

    def test_clean_50mb_upload_reaches_the_origin_byte_exact(self):
        body = os.path.join(self.dir, "clean-50mb.txt")
        sha = write_filler(body, BIG_UPLOAD)
        self.curl_ok("/icap/big", "-T", body, "-H", "Content-Type: application/octet-stream")
        [got] = ORIGIN.records("/icap/big")
        self.assertEqual((got["body_length"], got["body_sha256"]), (BIG_UPLOAD, sha))
        self.assertEqual(self.egressmon.alerts(), [])
        self.assertEqual(sha256_file(body), sha)

    def test_c_icap_client_reqmod_raises_the_same_alert(self):
        """An independent ICAP client (c-icap-client, no Squid): the request's own headers and
        the ICAP X- headers it is given make the alert."""
        if not os.access(c_icap_server.C_ICAP_CLIENT, os.X_OK):
            self.skipTest(f"not installed: {c_icap_server.C_ICAP_CLIENT}")
        data, content_type = multipart_body(doc(ALERT_DOC))
        body = os.path.join(self.dir, "multipart.bin")
        with open(body, "wb") as f:
            f.write(data)
        url = "https://files.example.test/icap/c-icap-client"
        out = c_icap_client(self.egressmon.port, "-s", "reqmod", "-req", url, "-method", "POST",
                            "-f", body, "-hx", f"Content-Type: {content_type}",
                            "-x", "X-Client-IP: 10.20.30.40", "-x", "X-Client-Username: bob",
                            "-v", "-o", os.path.join(self.dir, "c-icap-client.out"))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        # It prints the ICAP response's headers (-v) on stderr; the modified request, if any,
        # goes to the -o file.
        self.assertRegex((out.stdout + out.stderr).decode(errors="replace"), r"ICAP/1\.0 20[04]")
        alert = self.egressmon.wait_alert(url_path_is("/icap/c-icap-client"))
        self.assert_docx_alert(alert, 9001, ALERT_DOC, [ALERT_DOC, "word/document.xml"])
        self.assertEqual(alert["alert"]["context"]["dlp"]["user"], "bob")
        self.assertEqual(alert["src_ip"], "10.20.30.40")
        self.assertEqual(alert["http"]["hostname"], "files.example.test")
        self.assertIn(alert["http"]["url"], ("/icap/c-icap-client", url))
        if os.path.exists(SCHEMA):
            assert_valid_eve(self, self.egressmon.alerts_path)


class egressmon_stopped_bypass(EgressmonCase):
    """The documented fail-open: with bypass=on, Squid keeps serving once egressmon stops,
    and what it then forwards is not inspected."""
    bypass = True

    def test_squid_keeps_serving_after_egressmon_stops(self):
        self.curl_ok("/bypass/before", "-F", f"file=@{doc(ALERT_DOC)}")
        self.egressmon.wait_alert(url_path_is("/bypass/before"))
        self.egressmon.stop()
        self.assertEqual(self.egressmon.returncode, 0, log_tail(self.egressmon.log_path))
        count = len(self.egressmon.alerts())
        body = os.path.join(self.dir, "after.txt")
        sha = write_filler(body, 256 * 1024)
        self.curl_ok("/bypass/after-put", "-T", body)
        [got] = ORIGIN.records("/bypass/after-put")
        self.assertEqual(got["body_sha256"], sha)
        self.curl_ok("/bypass/after-docx", "-F", f"file=@{doc(ALERT_DOC)}")
        self.assertEqual(len(ORIGIN.records("/bypass/after-docx")), 1)
        self.assertEqual(len(self.egressmon.alerts()), count)


if __name__ == "__main__":
    unittest.main()
