"""End-to-end tests of the egressmon binary (run by CTest with EGRESSMON and
EGRESSMON_SOURCE_DIR set). Each class is one CTest entry; see CMakeLists.txt."""

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BINARY = os.environ.get("EGRESSMON", "egressmon")
SOURCE = os.environ.get("EGRESSMON_SOURCE_DIR",
                        os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
SAMPLE = os.path.join(SOURCE, "samples", "sample.pcap")
SHARED = os.path.normpath(os.path.join(SOURCE, "..", "shared"))
SCHEMA = os.path.join(SHARED, "schemas", "eve.schema.json")
SYSTEM_PYTHON = "/usr/bin/python3"
NDPI_PCAPS = os.path.join(SHARED, "pcaps", "ndpi")

sys.path.insert(0, os.path.join(SOURCE, "tests", "gen"))
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.datagrams import UdpFlow  # noqa: E402
from pcapgen.pcap import Capture, utc_microseconds  # noqa: E402
import dlp_cases  # noqa: E402
import golden  # noqa: E402 (beside this file; unittest runs in tests/e2e)

DEFAULT_RULES = os.path.join(SOURCE, "rules", "default.yaml")
DLP_BASELINES = golden.Baselines(os.path.join(SOURCE, "tests", "golden", "dlp_cases"),
                                 "e2e.dlp_golden")

# What nDPI 4.2 says for each flow of the bundled sample (samples/README.md).
SAMPLE_FLOWS = {
    ("TCP", "10.1.0.10", 51000, "203.0.113.10", 80): "HTTP",
    ("TCP", "10.1.0.11", 51001, "203.0.113.20", 80): "HTTP",
    ("TCP", "10.1.0.12", 51002, "203.0.113.30", 443): "TLS",
    ("TCP", "10.1.0.13", 51003, "198.51.100.25", 25): "SMTP",
    ("TCP", "fd00:10:1::14", 51004, "2001:db8::80", 80): "HTTP",
    ("TCP", "10.1.20.5", 51005, "198.51.100.80", 80): "HTTP",
    ("UDP", "10.1.0.10", 53001, "198.51.100.53", 53): "DNS",
    ("UDP", "10.1.0.10", 53002, "198.51.100.53", 53): "DNS",
    ("UDP", "fd00:10:1::14", 53004, "2001:db8::53", 53): "DNS",
    ("ICMP", "10.1.0.10", 0, "203.0.113.1", 0): "ICMP",
}


def run(*args, timeout=120):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


def flow_records(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# Under ThreadSanitizer a signal that reaches a thread blocked inside libc (libpcap's fread on an
# idle pipe) is handled only once that call returns: a SIGHUP sent while egressmon waits on a
# pipe is seen late, or coalesced with the next one. The pipe tests time their SIGHUPs.
SIGNALS_ON_A_PIPE_UNDER_TSAN = (
    "ThreadSanitizer defers signal handlers until the reader's blocking read returns")
TSAN = os.environ.get("EGRESSMON_TSAN") == "ON"


def assert_valid_eve(test, path):
    """Every record in `path` validates against Suricata's EVE schema (Debian's jsonschema)."""
    check = subprocess.run([SYSTEM_PYTHON, os.path.join(SOURCE, "tests", "e2e", "validate_eve.py"),
                            SCHEMA, path], capture_output=True, text=True)
    if check.returncode == 77:
        test.skipTest("python3-jsonschema is not installed")
    test.assertEqual(check.returncode, 0, check.stdout)


def threads_of(pid):
    """How many threads process `pid` has (0 once it is gone)."""
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def packet_sockets_of(pid):
    """How many AF_PACKET sockets process `pid` holds (its capture handles)."""
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        with open("/proc/net/packet") as f:
            return sum(1 for line in f.readlines()[1:] if line.split()[-1] in inodes)
    except OSError:
        return 0


def start_live(test, *args):
    """Starts a live capture and waits until every capture handle is open (with --workers N,
    N handles join one fanout group: traffic sent before the last one joined would be spread
    differently from traffic after it); skips the test where this process may not capture,
    fails it if egressmon exited for another reason."""
    proc = subprocess.Popen([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    handles = int(args[args.index("--workers") + 1]) if "--workers" in args else 1
    deadline = time.time() + 15
    # A socket exists before its handle has joined the fanout group (pcap_activate, which maps
    # the ring, comes in between, and takes long on a loaded machine); egressmon opens every
    # handle before it starts any thread, so a second thread means they have all joined.
    while time.time() < deadline and proc.poll() is None and \
            (packet_sockets_of(proc.pid) < handles or threads_of(proc.pid) < 2):
        time.sleep(0.05)
    time.sleep(1.0)  # the handles are open; the workers finish starting
    if proc.poll() is not None:
        _, err = proc.communicate()
        if "ermission" in err or "not permitted" in err:
            test.skipTest(f"no capture permission: {err.strip()}")
        test.fail(f"egressmon exited early: {err}")
    return proc


def process_status(pid):
    """The Uid/Gid/Groups/Cap*/NoNewPrivs lines of /proc/PID/status as a dict of strings."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    return {k: fields.get(k, "").strip() for k in
            ("Uid", "Gid", "Groups", "CapEff", "CapPrm", "CapInh", "CapAmb", "NoNewPrivs")}


def wait_for(predicate, timeout=10.0):
    """Polls `predicate` every 50 ms; whether it held before `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def tuple_of(rec):
    return (rec["proto"], rec["src_ip"], rec["src_port"], rec["dest_ip"], rec["dest_port"])


class sample_run(unittest.TestCase):
    """The README's main job: the bundled sample, flow records to stdout."""

    def readme_main_job(self):
        """The egressmon command line that scripts/run-sample.sh (the README's first command)
        runs after installing and building, with the binary under test substituted."""
        with open(os.path.join(SOURCE, "scripts", "run-sample.sh")) as f:
            lines = [l.removeprefix("exec ") for l in f.read().splitlines()
                     if l.removeprefix("exec ").startswith("./build/app/egressmon ")]
        self.assertEqual(len(lines), 1, "run-sample.sh must run egressmon exactly once")
        args = shlex.split(lines[0])[1:]
        return [os.path.join(SOURCE, a) if a.startswith(("samples/", "rules/")) else a
                for a in args]

    def test_main_job_reports_every_sample_flow_with_its_protocol(self):
        proc = run(*self.readme_main_job())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        records = flow_records(proc.stdout)
        flows = [r for r in records if r["event_type"] == "flow"]
        alerts = [r for r in records if r["event_type"] == "alert"]
        got = {tuple_of(r): r["ndpi"]["protocol"] for r in flows}
        self.assertEqual(got, SAMPLE_FLOWS)
        # The one upload marked TOP SECRET, and nothing else.
        self.assertEqual(len(alerts), 1, alerts)
        a = alerts[0]
        self.assertEqual(tuple_of(a), ("TCP", "10.1.0.11", 51001, "203.0.113.20", 80))
        self.assertEqual(a["alert"]["signature_id"], 1000)
        self.assertEqual(a["direction"], "to_server")
        self.assertEqual(a["app_proto"], "http")
        self.assertEqual(a["alert"]["context"]["dlp"]["direction"], "egress")
        self.assertNotIn("snippet", a["alert"]["context"]["dlp"])  # default width 0
        alerted = [r for r in flows if r["flow"]["alerted"]]
        self.assertEqual([tuple_of(r) for r in alerted], [tuple_of(a)])
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        self.assertEqual(stats["flows"], len(SAMPLE_FLOWS))
        self.assertEqual(stats["alerts"], 1)

    def test_main_job_stdout_is_records_only(self):
        """`./scripts/run-sample.sh | jq .` works: installing and building write to stderr. The
        script runs in a copy of the tree where install-deps.sh and cmake are stand-ins that
        talk on stdout, and build/app/egressmon is the binary under test."""
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "scripts"))
            os.makedirs(os.path.join(tmp, "build", "app"))
            os.makedirs(os.path.join(tmp, "bin"))
            shutil.copy(os.path.join(SOURCE, "scripts", "run-sample.sh"),
                        os.path.join(tmp, "scripts"))
            for stub in (os.path.join(tmp, "scripts", "install-deps.sh"),
                         os.path.join(tmp, "bin", "cmake")):
                with open(stub, "w") as f:
                    f.write("#!/bin/sh\necho \"$0 $*: chatter on stdout\"\n")
                os.chmod(stub, 0o755)
            os.symlink(BINARY, os.path.join(tmp, "build", "app", "egressmon"))
            for d in ("samples", "rules"):
                os.symlink(os.path.join(SOURCE, d), os.path.join(tmp, d))
            env = dict(os.environ, PATH=os.path.join(tmp, "bin") + os.pathsep + os.environ["PATH"])
            proc = subprocess.run([os.path.join(tmp, "scripts", "run-sample.sh")],
                                  capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("chatter on stdout", proc.stderr)  # the stand-ins ran, on stderr
        records = [json.loads(line) for line in proc.stdout.splitlines()]  # every line JSON
        self.assertEqual(sum(r["event_type"] == "alert" for r in records), 1)

    def test_metadata_of_sample_flows(self):
        recs = {tuple_of(r): r for r in flow_records(run("-r", SAMPLE, "--flows", "-").stdout)}
        tls = recs[("TCP", "10.1.0.12", 51002, "203.0.113.30", 443)]
        self.assertEqual(tls["tls"]["sni"], "files.example.com")
        self.assertEqual(tls["tls"]["ja3"]["hash"], "ac55c9ddca5ed14bcd43da074877e5f1")
        post = recs[("TCP", "10.1.0.11", 51001, "203.0.113.20", 80)]
        self.assertEqual(post["http"]["hostname"], "upload.example.net")
        frag_dns = recs[("UDP", "10.1.0.10", 53002, "198.51.100.53", 53)]
        self.assertEqual(frag_dns["dns"]["rrname"], "keys.example.net")
        self.assertEqual(recs[("TCP", "10.1.20.5", 51005, "198.51.100.80", 80)]["vlan"], [20])
        smtp = recs[("TCP", "10.1.0.13", 51003, "198.51.100.25", 25)]
        self.assertEqual(smtp["flow"]["state"], "closed")
        self.assertEqual(smtp["app_proto"], "smtp")

    def test_results_do_not_depend_on_worker_count(self):
        outputs = []
        for workers in ("1", "2", "4"):
            proc = run("-r", SAMPLE, "--flows", "-", "--workers", workers)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            outputs.append(sorted(json.dumps(r, sort_keys=True) for r in flow_records(proc.stdout)))
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])

    def test_stats_summary_counts_packets_flows_and_fragments(self):
        proc = run("-r", SAMPLE, "--stats", "--workers", "2")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        for key in ("packets", "bytes", "flows", "alerts", "drops", "elapsed_seconds", "gbps"):
            self.assertIn(key, stats)
        self.assertEqual(stats["packets"], 103)
        self.assertEqual(stats["flows"], 10)
        self.assertEqual(stats["drops"], 0)
        self.assertEqual(stats["defrag"]["reassembled"], 1)
        self.assertEqual(stats["defrag"]["fragments"], 3)

    def test_several_files_are_read_in_order_into_one_run(self):
        proc = run("-r", SAMPLE, "-r", SAMPLE, "--stats", "--flows", "-")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        self.assertEqual(stats["packets"], 206)
        # Same flows replayed at the same times: each flow simply continues.
        recs = flow_records(proc.stdout)
        self.assertEqual(len(recs), 10)
        http = [r for r in recs if tuple_of(r)[1:3] == ("10.1.0.10", 51000)][0]
        self.assertEqual(http["flow"]["pkts_toserver"] % 2, 0)

    def test_format_is_sniffed_by_content_not_name(self):
        with tempfile.TemporaryDirectory() as tmp:
            misnamed = os.path.join(tmp, "really-pcap.pcapng")
            shutil.copy(SAMPLE, misnamed)
            proc = run("-r", misnamed, "--flows", "-")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(len(flow_records(proc.stdout)), len(SAMPLE_FLOWS))
        pcapng_named_pcap = os.path.join(NDPI_PCAPS, "imaps.pcap")  # pcapng inside
        if os.path.exists(pcapng_named_pcap):
            with open(pcapng_named_pcap, "rb") as f:
                self.assertEqual(f.read(4), b"\x0a\x0d\x0d\x0a")
            proc = run("-r", pcapng_named_pcap, "--flows", "-")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            # Two connections; the capture jumps from 2020 to 2021 inside the first, so its
            # packets after the jump start a new flow (idle past its timeout).
            self.assertEqual({r["src_port"] for r in flow_records(proc.stdout)}, {51529, 50506})

    def test_bpf_filter_limits_what_is_seen(self):
        proc = run("-r", SAMPLE, "-f", "udp port 53", "--flows", "-")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        protos = {r["ndpi"]["protocol"] for r in flow_records(proc.stdout)}
        self.assertEqual(protos, {"DNS"})

    def test_flow_table_limit_evicts_and_counts(self):
        proc = run("-r", SAMPLE, "--max-flows", "2", "--workers", "1", "--stats", "--flows", "-")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        self.assertGreater(stats["flow_table"]["evicted"], 0)
        reasons = {r["flow"]["reason"] for r in flow_records(proc.stdout)}
        self.assertIn("forced", reasons)

    def test_flow_records_append_to_a_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "flows.json")
            for _ in range(2):
                self.assertEqual(run("-r", SAMPLE, "--flows", out).returncode, 0)
            with open(out) as f:
                self.assertEqual(len(f.readlines()), 20)

    @unittest.skipUnless(os.path.exists(SCHEMA) and os.path.exists(SYSTEM_PYTHON),
                         "needs ../shared/schemas and Debian's python3")
    def test_flow_records_validate_against_the_eve_schema(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "flows.json")
            self.assertEqual(run("-r", SAMPLE, "--flows", out).returncode, 0)
            assert_valid_eve(self, out)

    def test_hostile_host_and_url_bytes_are_escaped_into_valid_records(self):
        # Control characters, a quote, a backslash and bytes that are not UTF-8, in the Host
        # header and the URL that end up in flow (http.hostname, http.url) and alert records.
        request = (b"GET /a\x01b\"c\\d\xff\xfe%00?q=TOP SECRET\xc3 HTTP/1.1\r\n"
                   b"Host: ev\x7fil\xe9\x80.example\r\n\r\n")
        with tempfile.TemporaryDirectory() as tmp:
            pcap = os.path.join(tmp, "hostile.pcap")
            dlp_cases.http_case(request).save(pcap)
            out = os.path.join(tmp, "records.json")
            proc = run("-r", pcap, "--rules", DEFAULT_RULES, "--flows", out, "--alerts", out)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            records = flow_records(open(out, encoding="utf-8").read())  # strict UTF-8 decode
            http = [r for r in records if r["event_type"] == "flow" and "http" in r]
            self.assertEqual(len(http), 1, records)
            self.assertIn("\ufffd", http[0]["http"]["hostname"])
            self.assertIn("\x01b\"c\\d", http[0]["http"]["url"])
            self.assertTrue(any(r["event_type"] == "alert" for r in records))
            if os.path.exists(SCHEMA) and os.path.exists(SYSTEM_PYTHON):
                assert_valid_eve(self, out)

    def test_reader_closing_stdout_is_counted_not_fatal(self):
        # --max-flows 1 makes every new flow evict (and so write) the previous one.
        proc = subprocess.Popen([BINARY, "-r", SAMPLE, "--flows", "-", "--stats",
                                 "--max-flows", "1", "--workers", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # the consumer goes away before reading anything
        with proc.stderr:
            err = proc.stderr.read().decode()
        # Not killed by SIGPIPE: it finishes, says once what was lost, and exits 1 (records lost).
        self.assertEqual(proc.wait(timeout=60), 1, err)
        self.assertIn("cannot write records to '-'", err)
        stats = json.loads(err.strip().splitlines()[-1])
        self.assertEqual(stats["flow_records"]["write_failed"], 10)
        self.assertEqual(stats["flow_records"]["written"], 0)

    def test_corrupt_timestamp_is_clamped_and_timeouts_keep_working(self):
        # 200 one-datagram UDP flows one second apart; record 50 carries a corrupt tv_sec.
        cap = Capture(1, utc_microseconds("2026-11-24T10:00:00Z"))
        framing = EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02")
        for i in range(200):
            UdpFlow(cap, framing, ("10.0.0.1", 20000 + i), ("198.51.100.9", 5000)).send(b"x")
            cap.advance(1_000_000)
        ts, frame = cap.records[50]
        cap.records[50] = (0xFFFFFFF0 * 1_000_000, frame)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "badts.pcap")
            cap.save(path)
            proc = run("-r", path, "--flows", "-", "--stats", "--workers", "2")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        self.assertEqual(stats["capture"]["timestamp_anomalies"], 1)
        # udp-new is 30 s: all but the last ~30 flows end by timeout, not at shutdown.
        self.assertGreater(stats["flow_table"]["expired"], 150)
        for rec in flow_records(proc.stdout):
            self.assertTrue(rec["timestamp"].startswith("2026-11-24T"), rec["timestamp"])

    @unittest.skipUnless(os.path.isdir(NDPI_PCAPS), "needs ../shared/pcaps/ndpi")
    def test_tls_metadata_only_on_tls_flows(self):
        # nDPI keeps TLS fields in a union shared with SSH, Kerberos, DHCP...: none may leak.
        for name in ("ssh.pcap", "kerberos.pcap", "smb_deletefile.pcap"):
            proc = run("-r", os.path.join(NDPI_PCAPS, name), "--flows", "-")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            for rec in flow_records(proc.stdout):
                self.assertNotIn("tls", rec, (name, rec["ndpi"]))

    def test_damaged_capture_is_counted_not_fatal(self):
        with tempfile.TemporaryDirectory() as tmp:
            cut = os.path.join(tmp, "cut.pcap")
            with open(SAMPLE, "rb") as f:
                data = f.read()
            with open(cut, "wb") as f:
                f.write(data[: len(data) // 2 + 7])  # ends inside a record
            proc = run("-r", cut, "--stats", "--flows", "-")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("read error", proc.stderr)
            stats = json.loads(proc.stderr.strip().splitlines()[-1])
            self.assertEqual(stats["capture"]["read_errors"], 1)
            self.assertGreater(len(flow_records(proc.stdout)), 0)


def normalised_alert(rec):
    """The fields a golden case pins (timestamps, ids and hosts vary by design)."""
    dlp = rec["alert"]["context"]["dlp"]
    pinned = {"signature_id": rec["alert"]["signature_id"],
              "src": f"{rec['src_ip']}:{rec['src_port']}",
              "dest": f"{rec['dest_ip']}:{rec['dest_port']}", "direction": rec["direction"],
              "kind": dlp["kind"], "dlp_direction": dlp["direction"], "layer": dlp["layer"],
              "action": rec["alert"]["action"], "source": dlp["source"]}
    if dlp["kind"] == "content":
        pinned.update(encoding=dlp["encoding"], offset=dlp["offset"])
    if "file" in dlp:
        pinned["file"] = dlp["file"]
    return pinned


class dlp_golden(unittest.TestCase):
    """Generated captures with known ground truth (tests/gen/dlp_cases.py): exactly the alerts
    stored in tests/golden/dlp_cases/ (no misses, no false positives, no duplicates), with 1 and
    with 2 workers. EGRESSMON_UPDATE_GOLDEN=1 rewrites those files from the 1-worker output
    instead (tests/golden/README.md)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cases = dlp_cases.write_cases(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def alerts_for(self, case, workers, out_path=None):
        proc = run("-r", os.path.join(self.tmp.name, case + ".pcap"), "--rules", DEFAULT_RULES,
                   "--workers", workers, "--alerts", out_path or "-")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = proc.stdout if out_path is None else open(out_path).read()
        return [normalised_alert(r) for r in flow_records(text)]

    def test_every_case_gives_exactly_its_alerts(self):
        runs = {f"--workers {workers}": {c: self.alerts_for(c, workers) for c in self.cases}
                for workers in ("1", "2")}
        report = DLP_BASELINES.verify(runs)
        if report:
            self.fail("\n".join(report))

    @unittest.skipUnless(os.path.exists(SCHEMA) and os.path.exists(SYSTEM_PYTHON),
                         "needs ../shared/schemas and Debian's python3")
    def test_alert_records_validate_against_the_eve_schema(self):
        out = os.path.join(self.tmp.name, "alerts.json")
        for case in self.cases:
            self.alerts_for(case, "1", out_path=out)  # appends
        assert_valid_eve(self, out)

    def test_snippet_stays_within_the_context_width_and_masks_cards(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, "c.yaml")
            with open(cfg, "w") as f:
                f.write("alert-context-width: 24\n")
            proc = run("-c", cfg, "-r", os.path.join(self.tmp.name, "card_numbers.pcap"),
                       "--rules", DEFAULT_RULES)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        (alert,) = flow_records(proc.stdout)
        snippet = alert["alert"]["context"]["dlp"]["snippet"]
        self.assertLessEqual(len(snippet.encode()), 24)
        self.assertTrue(snippet.endswith("1111"), snippet)
        self.assertNotIn("4111 1111", snippet)


    def run_with_config(self, capture, config_text, *args):
        with tempfile.TemporaryDirectory() as tmp:
            pcap = os.path.join(tmp, "case.pcap")
            capture.save(pcap)
            cfg = os.path.join(tmp, "c.yaml")
            with open(cfg, "w") as f:
                f.write(config_text)
            proc = run("-c", cfg, "-r", pcap, "--rules", DEFAULT_RULES, "--stats", *args)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return flow_records(proc.stdout), json.loads(proc.stderr.strip().splitlines()[-1])

    def test_tls_application_data_is_matched_only_when_configured_to(self):
        # The case's marking sits in an application-data record: skipped and counted by
        # default (its golden file holds no alert), matched with the key set.
        case = dlp_cases.case_tls_application_data_is_not_matched()
        record_body = 40 + len(dlp_cases.SECRET_TEXT)
        alerts, stats = self.run_with_config(case, "inspection-tls-application-data: false\n")
        self.assertEqual(alerts, [])
        self.assertEqual(stats["inspection"]["tls_ciphertext_bytes"], record_body)
        alerts, stats = self.run_with_config(case, "inspection-tls-application-data: true\n")
        self.assertEqual([a["alert"]["context"]["dlp"]["layer"] for a in alerts], ["tcp.stream"])
        self.assertEqual(stats["inspection"]["tls_ciphertext_bytes"], 0)

    def test_inspection_depth_bounds_what_is_matched_and_is_counted(self):
        data = b"x" * 5000 + b"TOP SECRET"
        alerts, stats = self.run_with_config(dlp_cases.tcp_case(data), "inspection-depth: 4096\n")
        self.assertEqual(alerts, [])
        self.assertEqual(stats["inspection"]["depth_exceeded"], 1)
        alerts, stats = self.run_with_config(dlp_cases.tcp_case(data), "inspection-depth: 8192\n")
        self.assertEqual(len(alerts), 1)
        self.assertEqual(stats["inspection"]["depth_exceeded"], 0)

    def test_decompression_bomb_is_bounded_and_counted(self):
        import gzip
        bomb = gzip.compress(b"\0" * (40 << 20) + b"TOP SECRET", mtime=0)  # ~40 KiB -> 40 MiB
        req = dlp_cases.http_request("POST", "/x", bomb, ["Content-Encoding: gzip"])
        alerts, stats = self.run_with_config(dlp_cases.http_case(req),
                                             "http:\n  max-decompressed-bytes: 1048576\n")
        self.assertEqual(stats["http"]["decompression_bombs"], 1)
        self.assertEqual(alerts, [])  # the marking lies past the bound: never decompressed

    def test_gap_beyond_the_inspection_depth_is_safe(self):
        # A lost segment carries the stream offset past the depth: nothing may be scanned (the
        # length arithmetic once wrapped around here and read far out of bounds).
        seg1, lost, seg3 = b"0123456789", b"x" * 200, b"TOP SECRET after the hole"
        cap = dlp_cases.tcp_case(seg1 + lost + seg3, split=[10, 210], drop_segment=1)
        alerts, stats = self.run_with_config(cap, "inspection-depth: 100\n")
        self.assertEqual(alerts, [])
        self.assertEqual(stats["inspection"]["depth_exceeded"], 1)

    def test_reassembly_buffer_limit_drops_the_furthest_data_and_counts_it(self):
        # The first segment arrives last: everything after it waits out of order, more than the
        # 2 KiB allowed. Like a receiver's full buffer, the furthest pieces are dropped and the
        # nearest kept, so the marking just after the hole is still found; the dropped bytes are
        # announced as a gap and counted.
        data = b"a" * 1000 + b"TOP SECRET" + b"b" * 3990 + b"c" * 1000
        cap = dlp_cases.tcp_case(data, split=[1000, 2000, 3000, 4000, 5000],
                                 order=[1, 2, 3, 4, 5, 0])
        alerts, stats = self.run_with_config(cap, "reassembly:\n  max-buffered-bytes: 2048\n")
        self.assertGreater(stats["reassembly"]["depth_exceeded"], 0)
        self.assertEqual(stats["reassembly"]["gaps"], 1)
        self.assertEqual(stats["reassembly"]["gap_bytes"], 4000)
        self.assertEqual(len(alerts), 1)
        self.assertEqual(alerts[0]["alert"]["context"]["dlp"]["offset"], 1000)


class rule_files(unittest.TestCase):
    """Bad rule files: exit 2, one line naming file and line. And `action: block` on a capture:
    it loads and only alerts (INTERFACE.md "ICAP")."""

    def check(self, text, line, needle):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "rules.yaml")
            with open(path, "w") as f:
                f.write(text)
            proc = run("-r", SAMPLE, "--rules", path)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(f"{path}:{line}", lines[0])
        self.assertIn(needle, lines[0])

    def test_duplicate_id(self):
        self.check("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n"
                   "  - id: 1\n    name: b\n    keywords: [y]\n", 5, "1")

    def test_unknown_field(self):
        self.check("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n    colour: red\n",
                   5, "colour")

    def test_bad_regex_carries_hyperscan_message(self):
        self.check("rules:\n  - id: 1\n    name: a\n    regex: ['(unclosed']\n", 2, "(unclosed")

    def test_unknown_encoding(self):
        self.check("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n    encodings: [ebcdic]\n",
                   5, "ebcdic")

    def test_unknown_protocol(self):
        self.check("rules:\n  - id: 7\n    name: a\n    keywords: [x]\n"
                   "    protocols: [NoSuchProto]\n", 2, "NoSuchProto")

    def test_unknown_action_names_the_rule_and_the_actions(self):
        self.check("rules:\n  - id: 9001\n    name: a\n    keywords: [x]\n    action: drop\n",
                   5, "rule 9001: action: unknown action 'drop' (known: alert, block)")

    def alerts_with_action(self, action, tmp):
        rules = os.path.join(tmp, f"{action}.yaml")
        with open(rules, "w") as f:
            f.write("rules:\n  - id: 77\n    name: Marking\n    keywords: [\"TOP SECRET\"]\n"
                    f"    action: {action}\n")
        out = os.path.join(tmp, f"{action}.json")
        proc = run("-r", SAMPLE, "--rules", rules, "--alerts", out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out) as f:
            return out, flow_records(f.read())

    def test_block_rule_on_a_capture_only_alerts(self):
        """A block rule alerts on captured traffic exactly as an alert rule does (same records
        but for the policy version, which names the rule file), with action "allowed" and source
        "capture"; nothing of ICAP's (user, http) appears."""
        with tempfile.TemporaryDirectory() as tmp:
            out, blocked = self.alerts_with_action("block", tmp)
            _, alerted = self.alerts_with_action("alert", tmp)
            if os.path.exists(SCHEMA) and os.path.exists(SYSTEM_PYTHON):
                assert_valid_eve(self, out)
        self.assertEqual(len(blocked), 1, blocked)
        a = blocked[0]
        self.assertEqual(tuple_of(a), ("TCP", "10.1.0.11", 51001, "203.0.113.20", 80))
        self.assertEqual(a["alert"]["action"], "allowed")
        self.assertEqual(a["alert"]["context"]["dlp"]["source"], "capture")
        self.assertNotIn("user", a["alert"]["context"]["dlp"])
        self.assertNotIn("http", a)

        def without_policy_version(records):
            for r in records:
                del r["alert"]["context"]["policy_version"]
            return records
        self.assertEqual(without_policy_version(blocked), without_policy_version(alerted))

    def test_missing_rule_file(self):
        proc = run("-r", SAMPLE, "--rules", "/nonexistent/rules.yaml")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("/nonexistent/rules.yaml", proc.stderr)

    def test_default_rules_load(self):
        proc = run("-r", SAMPLE, "--rules", DEFAULT_RULES)
        self.assertEqual(proc.returncode, 0, proc.stderr)


class rule_reload(unittest.TestCase):
    """SIGHUP under live traffic on lo: flows before the reload alert on the old rules, flows
    after it on the new ones; a broken file keeps the running rules. Skipped without capture
    permission."""

    RULE = ("rules:\n  - id: {sid}\n    name: Marker {sid}\n    keywords: [{kw}]\n"
            "    direction: any\n")

    def test_reload_switches_rules_and_a_broken_file_keeps_them(self):
        port = 30000 + os.getpid() % 10000
        with tempfile.TemporaryDirectory() as tmp:
            # Started as root, egressmon re-reads the rules as nobody: like /etc/egressmon, the
            # directory must be readable by that user (mkdtemp makes it 0700).
            os.chmod(tmp, 0o755)
            rules = os.path.join(tmp, "rules.yaml")
            with open(rules, "w") as f:
                f.write(self.RULE.format(sid=501, kw="ALPHA-MARK"))
            proc = start_live(self, "-i", "lo", "-f", f"udp dst port {port}", "--rules", rules,
                              "--alerts", "-", "--workers", "2", "--stats", "--immediate")

            def send(src_port, payload):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.bind(("127.0.0.1", src_port))
                    s.sendto(payload, ("127.0.0.1", port))
                time.sleep(0.2)

            base = 20000 + os.getpid() % 5000
            send(base + 1, b"one ALPHA-MARK")  # old rules: alert 501
            send(base + 2, b"one BETA-MARK")   # old rules: nothing
            with open(rules, "w") as f:
                f.write(self.RULE.format(sid=502, kw="BETA-MARK"))
            proc.send_signal(signal.SIGHUP)
            time.sleep(1.0)
            send(base + 3, b"two ALPHA-MARK")  # new rules: nothing
            send(base + 4, b"two BETA-MARK")   # new rules: alert 502
            with open(rules, "w") as f:
                f.write("rules:\n  - id: 7\n    regex: ['(broken']\n")
            proc.send_signal(signal.SIGHUP)
            time.sleep(1.0)
            send(base + 5, b"three BETA-MARK")  # broken file ignored: still 502
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        got = sorted((r["src_port"], r["alert"]["signature_id"]) for r in flow_records(out)
                     if r.get("event_type") == "alert")
        self.assertEqual(got, [(base + 1, 501), (base + 4, 502), (base + 5, 502)], err)
        versions = {r["alert"]["signature_id"]: r["alert"]["context"]["policy_version"]
                    for r in flow_records(out) if r.get("event_type") == "alert"}
        self.assertNotEqual(versions[501], versions[502])
        self.assertIn("rules reloaded", err)
        self.assertIn("rule reload failed", err)
        stats = json.loads(err.strip().splitlines()[-1])
        self.assertEqual(stats["rules"]["reloads"], 1)
        self.assertEqual(stats["rules"]["reload_failures"], 1)
        self.assertEqual(stats["rules"]["policy_version"], versions[502])

    @unittest.skipIf(TSAN, SIGNALS_ON_A_PIPE_UNDER_TSAN)
    def test_reload_while_reading_a_pipe_keeps_the_input(self):
        # `tcpdump -w - | egressmon -r -`: SIGHUPs that arrive while the reader waits in read()
        # on an idle pipe reload the rules and never end the capture.
        with open(SAMPLE, "rb") as f:
            data = f.read()
        whole = run("-r", SAMPLE, "--stats", "--workers", "1")
        self.assertEqual(whole.returncode, 0, whole.stderr)
        packets = json.loads(whole.stderr.strip().splitlines()[-1])["packets"]
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)  # re-read as nobody when started as root
            rules = os.path.join(tmp, "rules.yaml")
            with open(rules, "w") as f:
                f.write(self.RULE.format(sid=601, kw="GAMMA-MARK"))
            proc = subprocess.Popen([BINARY, "-r", "-", "--rules", rules, "--stats",
                                     "--workers", "2"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # The file header and part of the first records, then nothing: the reader blocks.
            proc.stdin.write(data[:24 + 100])
            proc.stdin.flush()
            time.sleep(1.0)
            for _ in range(4):
                proc.send_signal(signal.SIGHUP)
                time.sleep(0.3)
            if proc.poll() is not None:
                err = proc.stderr.read().decode()
                for f in (proc.stdin, proc.stdout, proc.stderr):
                    f.close()
                self.fail(f"egressmon ended its input on SIGHUP: {err}")
            out, err = proc.communicate(input=data[24 + 100:], timeout=60)  # then end of input
        err = err.decode()
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn("read error", err)
        self.assertIn("rules reloaded", err)
        stats = json.loads(err.strip().splitlines()[-1])
        self.assertEqual(stats["packets"], packets, err)
        self.assertEqual(stats["capture"]["read_errors"], 0, err)
        self.assertGreaterEqual(stats["rules"]["reloads"], 1, err)


@unittest.skipIf(TSAN, SIGNALS_ON_A_PIPE_UNDER_TSAN)
class reload_with_waiting_matches(unittest.TestCase):
    """A rule deleted by a reload while its match waits for nDPI, then more reloads with the
    flow still open, as an operator would: the worker used to die (SIGSEGV) at the second
    reload. The capture goes through a pipe in two parts: the HTTP request carrying both
    markings (their matches wait: nDPI has not seen the response yet), a reload that deletes
    one rule, then the response and the FIN (nDPI is done: the waiting matches settle), and two
    more reloads while the flow is still in the table."""

    RULES = ("rules:\n  - id: 801\n    name: Deleted later\n    keywords: [TOP SECRET]\n"
             "  - id: 802\n    name: Kept\n    keywords: [CONFIDENTIAL]\n")
    KEPT = ("rules:\n  - id: 802\n    name: Kept\n    keywords: [CONFIDENTIAL]\n"
            "  - id: {sid}\n    name: Added\n    keywords: [UNUSED-{sid}]\n")

    def parts(self):
        """The capture's file header, its records up to the request's ACK, and the rest."""
        request = dlp_cases.http_request("POST", "/upload", b"TOP SECRET and CONFIDENTIAL")
        cap = dlp_cases.http_case(request)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.pcap")
            cap.save(path)
            with open(path, "rb") as f:
                data = f.read()
        offsets, pos = [], 24
        while pos < len(data):
            offsets.append(pos)
            pos += 16 + int.from_bytes(data[pos + 8:pos + 12], "little")
        # handshake (3) + request + its ACK | response + its ACK + FIN, FIN, ACK
        cut1, cut2 = offsets[5], len(data)
        return data[:24], data[24:cut1], data[cut1:cut2]

    def run_with_reloads(self, workers):
        header, first, second = self.parts()
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)  # re-read as nobody when started as root
            rules = os.path.join(tmp, "rules.yaml")
            with open(rules, "w") as f:
                f.write(self.RULES)
            proc = subprocess.Popen([BINARY, "-r", "-", "--rules", rules, "--alerts", "-",
                                     "--stats", "--workers", workers], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)

            def reload(sid):
                with open(rules, "w") as f:
                    f.write(self.KEPT.format(sid=sid))
                proc.send_signal(signal.SIGHUP)
                time.sleep(1.5)  # compiled off-thread, adopted by the workers between batches

            def feed(data):
                try:
                    proc.stdin.write(data)
                    proc.stdin.flush()
                except BrokenPipeError:
                    _, err = proc.communicate(timeout=30)
                    self.fail(f"egressmon ended early ({proc.returncode}): {err.decode()}")
                time.sleep(1.0)  # the pipe pauses: the workers get what was written

            feed(header + first)
            reload(803)  # rule 801 deleted while its match waits
            feed(second)
            reload(804)  # the second reload, with the flow's state holding the settled match
            reload(805)  # and a third
            out, err = proc.communicate(timeout=60)
        return proc.returncode, out.decode(), err.decode()

    def check(self, workers):
        rc, out, err = self.run_with_reloads(workers)
        self.assertEqual(rc, 0, err)
        alerts = [r for r in flow_records(out) if r.get("event_type") == "alert"]
        self.assertEqual(sorted(r["alert"]["signature_id"] for r in alerts), [801, 802], err)
        stats = json.loads(err.strip().splitlines()[-1])
        self.assertEqual(stats["rules"]["reloads"], 3, err)

    def test_one_worker(self):
        self.check("1")

    def test_two_workers(self):
        self.check("2")


def assert_usage_error(test, proc, *needles):
    """Bad usage or a bad file (INTERFACE.md): `proc` exited 2 with exactly one line on stderr,
    "egressmon: ..." containing each of `needles`."""
    test.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
    lines = proc.stderr.strip().splitlines()
    test.assertEqual(len(lines), 1, proc.stderr)
    test.assertTrue(lines[0].startswith("egressmon: "), lines[0])
    for n in needles:
        test.assertIn(n, lines[0])


class cli_errors(unittest.TestCase):
    """Bad usage and bad files: exit 2 with one clear line naming the problem."""

    def assertUsageError(self, proc, *needles):
        assert_usage_error(self, proc, *needles)

    def test_no_input(self):
        self.assertUsageError(run(), "-r")

    def test_unknown_option(self):
        self.assertUsageError(run("-r", SAMPLE, "--frobnicate"), "--frobnicate")

    def test_missing_value(self):
        self.assertUsageError(run("-r", SAMPLE, "--workers"), "--workers")

    def test_bad_worker_count(self):
        self.assertUsageError(run("-r", SAMPLE, "--workers", "zero"), "--workers", "zero")
        self.assertUsageError(run("-r", SAMPLE, "--workers", "0"), "--workers")

    def test_missing_capture_file(self):
        self.assertUsageError(run("-r", "/nonexistent/x.pcap"), "/nonexistent/x.pcap")

    def test_file_that_is_not_a_capture(self):
        with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
            f.write(b"this is not a capture file at all\n" * 4)
            f.flush()
            self.assertUsageError(run("-r", f.name), f.name)

    def test_second_file_bad_fails_before_any_output(self):
        proc = run("-r", SAMPLE, "-r", "/nonexistent/y.pcap", "--flows", "-")
        self.assertUsageError(proc, "/nonexistent/y.pcap")
        self.assertEqual(proc.stdout, "")

    def test_bad_bpf_filter(self):
        self.assertUsageError(run("-r", SAMPLE, "-f", "port port"), "BPF")

    def test_bad_home_net(self):
        self.assertUsageError(run("-r", SAMPLE, "--home-net", "10.0.0.0/8,999.1.1.1/8"),
                              "999.1.1.1")

    def test_unwritable_flow_sink(self):
        self.assertUsageError(run("-r", SAMPLE, "--flows", "/nonexistent/dir/f.json"),
                              "/nonexistent/dir/f.json")

    def test_input_and_interface_together(self):
        self.assertUsageError(run("-r", SAMPLE, "-i", "lo"), "-i")

    def test_unwritable_alert_sink(self):
        self.assertUsageError(run("-r", SAMPLE, "--alerts", "/nonexistent/dir/a.json"),
                              "/nonexistent/dir/a.json")

    def test_malformed_kafka_sink(self):
        self.assertUsageError(run("-r", SAMPLE, "--flows", "kafka://127.0.0.1:9092"),
                              "kafka://127.0.0.1:9092")
        self.assertUsageError(run("-r", SAMPLE, "--alerts", "kafka://host/alerts"), "HOST:PORT")

    def assertKafkaConfigRefused(self, kafka_section, *needles):
        """A kafka: section (with {tmp} for a scratch directory) that must stop start-up."""
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, "c.yaml")
            with open(cfg, "w") as f:
                f.write("kafka:\n" + kafka_section.format(tmp=tmp))
            self.assertUsageError(run("-r", SAMPLE, "-c", cfg, "--alerts",
                                      "kafka://127.0.0.1:9/alerts"),
                                  *[n.format(tmp=tmp) for n in needles])

    def test_kafka_property_librdkafka_does_not_know(self):
        self.assertKafkaConfigRefused("  spool-dir: {tmp}/spool\n  properties:\n"
                                      "    no.such.property: 1\n", "no.such.property")

    def test_kafka_no_loss_properties_cannot_be_weakened(self):
        self.assertKafkaConfigRefused("  spool-dir: {tmp}/spool\n  properties:\n    acks: 1\n",
                                      "acks=1")

    def test_unusable_spool_directory(self):
        # A plain file where the spool directory's parent should be.
        self.assertKafkaConfigRefused("  spool-dir: {tmp}/c.yaml/spool\n", "{tmp}/c.yaml")

    def test_bad_metrics_address(self):
        self.assertUsageError(run("-r", SAMPLE, "--metrics", "localhost:99999"), "--metrics")

    def test_metrics_port_in_use(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            self.assertUsageError(run("-r", SAMPLE, "--metrics", f"127.0.0.1:{port}"),
                                  f"127.0.0.1:{port}")

    def test_help_and_version_exit_zero(self):
        self.assertEqual(run("--help").returncode, 0)
        version = run("--version")
        self.assertEqual(version.returncode, 0)
        self.assertTrue(version.stdout.startswith("egressmon "))


class config_file(unittest.TestCase):
    """-c YAML: keys mirror the flags, flags win, errors name file and line."""

    def write(self, tmp, text):
        path = os.path.join(tmp, "egressmon.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_config_keys_drive_the_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            flows = os.path.join(tmp, "flows.json")
            cfg = self.write(tmp, f"read: [{SAMPLE}]\nflows: {flows}\nworkers: 2\n"
                                  "sensor-name: sensor-a\nfilter: udp\n"
                                  "flow-timeouts:\n  udp-new: 10\n"
                                  "defrag:\n  max-datagrams: 16\n")
            proc = run("-c", cfg)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(flows) as f:
                recs = flow_records(f.read())
            self.assertEqual({r["host"] for r in recs}, {"sensor-a"})
            self.assertEqual({r["proto"] for r in recs}, {"UDP"})

    def test_flag_overrides_config(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = self.write(tmp, f"read: {SAMPLE}\nsensor-name: from-file\nflows: '-'\n")
            proc = run("-c", cfg, "--sensor-name", "from-flag")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual({r["host"] for r in flow_records(proc.stdout)}, {"from-flag"})

    def test_unknown_key_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = self.write(tmp, f"read: {SAMPLE}\n\nworkerz: 2\n")
            proc = run("-c", cfg)
            self.assertEqual(proc.returncode, 2)
            self.assertIn(f"{cfg}:3", proc.stderr)
            self.assertIn("workerz", proc.stderr)

    def test_yaml_syntax_error_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = self.write(tmp, "read: [a, b\nworkers: 2\n")
            proc = run("-c", cfg)
            self.assertEqual(proc.returncode, 2)
            self.assertRegex(proc.stderr, rf"{cfg}:\d+")

    def test_bad_value_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = self.write(tmp, f"read: {SAMPLE}\nworkers: many\n")
            proc = run("-c", cfg)
            self.assertEqual(proc.returncode, 2)
            self.assertIn(f"{cfg}:2", proc.stderr)

    def test_non_scalar_key_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = self.write(tmp, f"read: {SAMPLE}\n[a, b]: 1\n")
            proc = run("-c", cfg)
            self.assertEqual(proc.returncode, 2)
            self.assertIn(f"{cfg}:2", proc.stderr)

    def test_missing_config_file(self):
        proc = run("-c", "/nonexistent/egressmon.yaml")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("/nonexistent/egressmon.yaml", proc.stderr)


class live_capture(unittest.TestCase):
    """-i on the loopback interface: packets sent during the run come out as flows, SIGINT
    flushes them. Skipped where this process may not open a capture socket."""

    def test_loopback_udp_flow_is_seen_and_flushed_on_sigint(self):
        self.capture_once("1", signal.SIGINT)

    def test_fanout_workers_flush_on_sigterm(self):
        self.capture_once("2", signal.SIGTERM)

    def capture_once(self, workers, stop_signal):
        port = 40000 + os.getpid() % 10000
        proc = start_live(self, "-i", "lo", "-f", f"udp port {port}", "--flows", "-",
                          "--workers", workers, "--stats", "--immediate")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(5):
                s.sendto(b"hello %d" % i, ("127.0.0.1", port))
                time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        recs = [r for r in flow_records(out) if r["dest_port"] == port]
        self.assertEqual(len(recs), 1, out)
        self.assertEqual(recs[0]["flow"]["pkts_toserver"], 5)
        self.assertEqual(recs[0]["flow"]["reason"], "shutdown")
        stats = json.loads(err.strip().splitlines()[-1])
        self.assertGreaterEqual(stats["packets"], 5)


if __name__ == "__main__":
    unittest.main()
