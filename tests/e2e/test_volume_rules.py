"""Volume rules end to end (INTERFACE.md "Application, risk and volume rules", `volume`): an
inside host that sends more than `bytes` of payload to outside hosts within `window` seconds,
over flows that meet the rule's other conditions, raises one `kind: volume` alert per (host,
rule, window), naming the flow that crossed the line, with alert.context.dlp.volume.

Captures are generated (tests/gen/pcapgen). A flow's bytes count from the moment nDPI has
classified it (what it sent before is added then): for these HTTP uploads that is the server's
response, which is where the second edges are placed (checked against an application rule's
alert on the same flow)."""

import collections
import datetime
import json
import os
import sys
import tempfile
import unittest

from test_e2e import SOURCE, assert_valid_eve, run

sys.path.insert(0, os.path.join(SOURCE, "tests", "gen"))
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import LINKTYPE_ETHERNET, Capture, utc_microseconds  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402

START = utc_microseconds("2026-11-24T12:00:00Z")
SERVER = ("203.0.113.10", 80)
FRAMING = EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02")
THRESHOLD = 9999  # rule 1: more than this many bytes ...
WINDOW = 60       # ... within this many seconds
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def request_of(size):
    """An HTTP upload of exactly `size` payload bytes, headers included."""
    body = size
    for _ in range(4):
        head = b"POST /upload HTTP/1.1\r\nHost: files.example.net\r\nContent-Length: %d\r\n\r\n"
        body = size - len(head % body)
    data = head % body + b"x" * body
    assert len(data) == size
    return data


def upload(cap, host, port, size):
    """One upload; returns the capture time of the server's response (when nDPI finishes)."""
    tcp = TcpSession(cap, FRAMING, (host, port), SERVER)
    tcp.open()
    tcp.send(request_of(size))
    tcp.send(RESPONSE, from_client=False, ack=False)
    classified_at = cap.now_us
    tcp.ack(from_client=True)
    tcp.close()
    return classified_at


def upload_classified_at(cap, host, port, size, at_us):
    """An upload whose response (classification) lands exactly at `at_us`."""
    probe = Capture(LINKTYPE_ETHERNET, 0)
    after_clock = upload(probe, "10.9.9.9", 1, size)  # the response, from the clock's start
    assert at_us - after_clock >= cap.now_us, (at_us, after_clock, cap.now_us)
    cap.advance(at_us - after_clock - cap.now_us)
    got = upload(cap, host, port, size)
    assert got == at_us, (got, at_us)
    return got


def eve_time(us):
    t = datetime.datetime.fromtimestamp(us // 1_000_000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d+0000" % (us % 1_000_000)


def write_rules(path, extra=""):
    with open(path, "w") as f:
        f.write("rules:\n"
                f"  - {{id: 1, name: bulk upload, volume: {{bytes: {THRESHOLD}, window: {WINDOW}}}}}\n"
                "  - id: 2\n    name: bulk http upload\n    protocols: [HTTP]\n"
                f"    volume: {{bytes: {THRESHOLD + 1}, window: {WINDOW}}}\n"
                "  - {id: 3, name: not http, protocols: [TLS], volume: {bytes: 1, window: 60}}\n"
                "  - {id: 9, name: http seen, protocols: [HTTP]}\n" + extra)


def alerts_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def by_host(alerts, sid):
    out = collections.defaultdict(list)
    for a in alerts:
        if a["alert"]["signature_id"] == sid:
            out[a["src_ip"]].append(a)
    return out


class byte_edges(unittest.TestCase):
    """The sum over a host's flows, exact at the byte, with one worker and with two (a host's
    flows spread over both: the sum is shared, not per worker)."""

    HOSTS = {  # host: sizes of its uploads, all within one window
        "10.1.0.10": [3333, 3333, 3333],         # 9999: not more than the threshold
        "10.1.0.11": [3333, 3333, 3334],         # 10000: one byte over
        "10.1.0.12": [2000] * 8,                 # 16000: crosses once, then stays over
        "10.1.0.13": [1250] * 8,                 # 10000 over 8 flows
    }

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cap = Capture(LINKTYPE_ETHERNET, START)
        port = 40000
        for host, sizes in cls.HOSTS.items():
            for size in sizes:
                upload(cap, host, port, size)
                port += 1
        # An outside host sending to an inside one is not egress: never counted.
        for i in range(3):
            tcp = TcpSession(cap, FRAMING, ("198.51.100.7", 50000 + i), ("10.1.0.99", 80))
            tcp.open()
            tcp.send(request_of(5000))
            tcp.send(RESPONSE, from_client=False)
            tcp.close()
        cls.pcap = os.path.join(cls.tmp.name, "uploads.pcap")
        cap.save(cls.pcap)
        cls.rules = os.path.join(cls.tmp.name, "rules.yaml")
        write_rules(cls.rules)
        cls.runs = {}
        for workers in (1, 2):
            out = os.path.join(cls.tmp.name, f"alerts{workers}.json")
            config = os.path.join(cls.tmp.name, "c.yaml")
            with open(config, "w") as f:
                f.write("hash-seed: 7\n")
            proc = run("-r", cls.pcap, "--rules", cls.rules, "--alerts", out, "--workers",
                       str(workers), "-c", config, "--home-net", "10.0.0.0/8", "--stats")
            cls.runs[workers] = (proc, out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def alerts(self, workers):
        proc, out = self.runs[workers]
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return alerts_of(out)

    def test_more_than_bytes_alerts_exactly_once_per_host(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                hosts = by_host(self.alerts(workers), 1)
                self.assertEqual(sorted(hosts), ["10.1.0.11", "10.1.0.12", "10.1.0.13"])
                for host, alerts in hosts.items():
                    self.assertEqual(len(alerts), 1, host)

    def test_the_alert_carries_the_window_sum_and_its_flows(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                hosts = by_host(self.alerts(workers), 1)
                v = hosts["10.1.0.11"][0]["alert"]["context"]["dlp"]["volume"]
                self.assertEqual(v, {"bytes": 10000, "window": WINDOW, "flows": 3})
                v = hosts["10.1.0.13"][0]["alert"]["context"]["dlp"]["volume"]
                self.assertEqual(v, {"bytes": 10000, "window": WINDOW, "flows": 8})
                # Crossed by one of its 2000-byte uploads: the sum is the first over 9999.
                v = hosts["10.1.0.12"][0]["alert"]["context"]["dlp"]["volume"]
                self.assertEqual(v["bytes"], 10000)
                self.assertEqual(v["flows"], 5)

    def test_the_alert_names_the_flow_that_crossed(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                a = by_host(self.alerts(workers), 1)["10.1.0.11"][0]
                # One worker: the last of the three. Two: whichever the workers added last
                # (they run side by side; the sum is the same).
                ports = [40005] if workers == 1 else [40003, 40004, 40005]
                self.assertIn(a["src_port"], ports)
                self.assertEqual((a["dest_ip"], a["dest_port"]), SERVER)
                self.assertEqual(a["direction"], "to_server")
                self.assertEqual(a["alert"]["context"]["dlp"]["kind"], "volume")
                self.assertEqual(a["alert"]["context"]["dlp"]["direction"], "egress")
                self.assertEqual(a["app_proto"], "http")

    def test_other_conditions_narrow_the_flows_counted(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                alerts = self.alerts(workers)
                # Rule 2 (HTTP only, 10000): only the hosts past 10000.
                self.assertEqual(sorted(by_host(alerts, 2)), ["10.1.0.12"])
                self.assertEqual(by_host(alerts, 3), {})  # no TLS at all

    def test_ingress_bytes_do_not_count(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                self.assertNotIn("10.1.0.99", by_host(self.alerts(workers), 1))
                self.assertNotIn("198.51.100.7", by_host(self.alerts(workers), 1))

    def test_stats_count_flows_and_alerts(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                proc, _ = self.runs[workers]
                policy = json.loads(proc.stderr.strip().splitlines()[-1])["policy"]
                # Rule 1 and rule 2 hold for the same 22 uploads; the flow counts once.
                self.assertEqual(policy["volume_flows"], 22)
                self.assertEqual(policy["volume_alerts"], 4)
                self.assertEqual(policy["volume_hosts_evicted"], 0)

    def test_alerts_are_valid_eve_with_distinct_ids(self):
        for workers in (1, 2):
            assert_valid_eve(self, self.runs[workers][1])
            ids = [a["alert"]["context"]["alert_id"] for a in self.alerts(workers)]
            self.assertEqual(len(ids), len(set(ids)))


class second_edges(unittest.TestCase):
    """A window is [its first counted byte, + window seconds): a flow counted a microsecond
    before its end still belongs to it; one counted at its end opens the next window. A host
    over the line in two windows alerts in each."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cap = Capture(LINKTYPE_ETHERNET, START)
        cls.t0 = {}
        for port, host in enumerate(("10.2.0.1", "10.2.0.2", "10.2.0.3")):
            cls.t0[host] = upload(cap, host, 41000 + port, 5000)
            cap.advance(1_000_000)  # room for each host's late flow below
        upload(cap, "10.2.0.3", 42002, 5000)  # 10000 in 10.2.0.3's first window
        window_us = WINDOW * 1_000_000
        # 10.2.0.1: the second half one microsecond before the window ends: 10000 in it.
        upload_classified_at(cap, "10.2.0.1", 42000, 5000, cls.t0["10.2.0.1"] + window_us - 1)
        # 10.2.0.2: exactly at the end: the next window, 5000 in each.
        upload_classified_at(cap, "10.2.0.2", 42001, 5000, cls.t0["10.2.0.2"] + window_us)
        # 10.2.0.3: 10000 in the first window, then 10000 more in the next: two alerts.
        upload_classified_at(cap, "10.2.0.3", 42003, 10000, cls.t0["10.2.0.3"] + window_us)
        cls.pcap = os.path.join(cls.tmp.name, "edges.pcap")
        cap.save(cls.pcap)
        cls.rules = os.path.join(cls.tmp.name, "rules.yaml")
        write_rules(cls.rules)
        cls.out = os.path.join(cls.tmp.name, "alerts.json")
        # One worker: at a window's edge, workers running side by side may count a packet in
        # the next window (README); the edges are exact in packet order.
        cls.proc = run("-r", cls.pcap, "--rules", cls.rules, "--alerts", cls.out,
                       "--home-net", "10.0.0.0/8", "--workers", "1")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def alerts(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        return alerts_of(self.out)

    def test_bytes_are_counted_when_the_flow_is_classified(self):
        # The edges below are placed on that moment; the application rule's alert shows it.
        seen = by_host(self.alerts(), 9)
        for host, t0 in self.t0.items():
            first = min(seen[host], key=lambda a: a["timestamp"])
            self.assertEqual(first["src_port"] // 1000, 41)
            self.assertEqual(first["timestamp"], eve_time(t0))

    def test_a_microsecond_before_the_end_is_inside_the_window(self):
        hosts = by_host(self.alerts(), 1)
        self.assertEqual(len(hosts["10.2.0.1"]), 1)
        self.assertEqual(hosts["10.2.0.1"][0]["alert"]["context"]["dlp"]["volume"],
                         {"bytes": 10000, "window": WINDOW, "flows": 2})

    def test_the_end_of_a_window_opens_the_next(self):
        self.assertNotIn("10.2.0.2", by_host(self.alerts(), 1))

    def test_each_window_over_the_line_alerts(self):
        alerts = sorted(by_host(self.alerts(), 1)["10.2.0.3"], key=lambda a: a["timestamp"])
        self.assertEqual([a["alert"]["context"]["dlp"]["volume"] for a in alerts],
                         [{"bytes": 10000, "window": WINDOW, "flows": 2},
                          {"bytes": 10000, "window": WINDOW, "flows": 1}])
        self.assertNotEqual(alerts[0]["alert"]["context"]["alert_id"],
                            alerts[1]["alert"]["context"]["alert_id"])


class tracked_hosts_bound(unittest.TestCase):
    """policy.max-tracked-hosts: when it is reached the host whose latest flow is oldest is
    evicted (its windows start again when it comes back), counted in --stats and as a limit
    hit."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cap = Capture(LINKTYPE_ETHERNET, START)
        upload(cap, "10.3.0.1", 43000, 6000)
        upload(cap, "10.3.0.2", 43001, 100)
        upload(cap, "10.3.0.1", 43002, 6000)
        cls.pcap = os.path.join(cls.tmp.name, "bound.pcap")
        cap.save(cls.pcap)
        cls.rules = os.path.join(cls.tmp.name, "rules.yaml")
        write_rules(cls.rules)
        cls.runs = {}
        for bound in (0, 1, 2):
            config = os.path.join(cls.tmp.name, f"c{bound}.yaml")
            with open(config, "w") as f:
                f.write(f"policy:\n  max-tracked-hosts: {bound}\n")
            out = os.path.join(cls.tmp.name, f"alerts{bound}.json")
            # One worker: which host came last must follow the capture's order.
            proc = run("-r", cls.pcap, "--rules", cls.rules, "--alerts", out, "-c", config,
                       "--home-net", "10.0.0.0/8", "--stats", "--workers", "1")
            cls.runs[bound] = (proc, out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def result(self, bound):
        proc, out = self.runs[bound]
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return by_host(alerts_of(out), 1), json.loads(proc.stderr.strip().splitlines()[-1])

    def test_at_the_bound_the_oldest_host_is_evicted_and_counted(self):
        hosts, stats = self.result(1)
        self.assertEqual(hosts, {})  # 10.3.0.1's first 6000 went with its eviction
        self.assertEqual(stats["policy"]["volume_hosts_evicted"], 2)

    def test_room_for_both_hosts_keeps_the_sum(self):
        hosts, stats = self.result(2)
        self.assertEqual(list(hosts), ["10.3.0.1"])
        self.assertEqual(stats["policy"]["volume_hosts_evicted"], 0)

    def test_zero_tracks_nothing_and_says_so(self):
        hosts, stats = self.result(0)
        self.assertEqual(hosts, {})
        self.assertEqual(stats["policy"]["volume_flows_untracked"], 3)
        self.assertEqual(stats["policy"]["volume_flows"], 0)


class suppression(unittest.TestCase):
    """`suppress: SECONDS` on an application rule: one alert per (inside host, rule) in each
    window of that length, however many flows and workers; other hosts alert on their own."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cap = Capture(LINKTYPE_ETHERNET, START)
        for i in range(6):
            upload(cap, "10.4.0.1", 44000 + i, 100)
        upload(cap, "10.4.0.2", 44100, 100)
        cap.advance(WINDOW * 1_000_000)  # past 10.4.0.1's window: it alerts again
        upload(cap, "10.4.0.1", 44200, 100)
        cls.pcap = os.path.join(cls.tmp.name, "suppress.pcap")
        cap.save(cls.pcap)
        cls.rules = os.path.join(cls.tmp.name, "rules.yaml")
        with open(cls.rules, "w") as f:
            f.write("rules:\n"
                    f"  - {{id: 1, name: http quiet, protocols: [HTTP], suppress: {WINDOW}}}\n"
                    "  - {id: 2, name: http every flow, protocols: [HTTP]}\n")
        cls.runs = {}
        for workers in (1, 2):
            out = os.path.join(cls.tmp.name, f"alerts{workers}.json")
            proc = run("-r", cls.pcap, "--rules", cls.rules, "--alerts", out, "--stats",
                        "--home-net", "10.0.0.0/8", "--workers", str(workers))
            cls.runs[workers] = (proc, out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_one_alert_per_host_and_window(self):
        for workers in (1, 2):
            with self.subTest(workers=workers):
                proc, out = self.runs[workers]
                self.assertEqual(proc.returncode, 0, proc.stderr)
                alerts = alerts_of(out)
                quiet = sorted((a["src_ip"], a["src_port"]) for a in alerts
                               if a["alert"]["signature_id"] == 1)
                self.assertEqual([h for h, _ in quiet], ["10.4.0.1", "10.4.0.1", "10.4.0.2"])
                self.assertIn(("10.4.0.1", 44200), quiet)  # the next window's first flow
                every = [a for a in alerts if a["alert"]["signature_id"] == 2]
                self.assertEqual(len(every), 8)
                stats = json.loads(proc.stderr.strip().splitlines()[-1])
                self.assertEqual(stats["policy"]["alerts_suppressed"], 5)


class volume_errors(unittest.TestCase):
    """Bad volume rules: exit 2, one line naming file, line and what is wrong."""

    def check(self, body, line, needle):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "rules.yaml")
            with open(path, "w") as f:
                f.write("rules:\n  - id: 3000\n    name: a\n" + body)
            pcap = os.path.join(tmp, "empty.pcap")
            Capture(LINKTYPE_ETHERNET, START).save(pcap)
            proc = run("-r", pcap, "--rules", path)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(f"{path}:{line}: ", lines[0])
        self.assertIn(needle, lines[0])

    def test_missing_window(self):
        self.check("    volume: {bytes: 10}\n", 4, "volume: needs both bytes and window")

    def test_zero_bytes(self):
        self.check("    volume: {bytes: 0, window: 60}\n", 4,
                   "volume.bytes: expected an integer from 1 to 4398046511104, got '0'")

    def test_window_past_thirty_days(self):
        self.check("    volume: {bytes: 1, window: 2592001}\n", 4,
                   "volume.window: expected an integer from 1 to 2592000")

    def test_unknown_key(self):
        self.check("    volume: {bytes: 1, window: 1, per: host}\n", 4,
                   "unknown field 'volume.per' (known: bytes, window)")

    def test_not_a_mapping(self):
        self.check("    volume: 100\n", 4, "rule 3000: volume: expected a mapping")

    def test_suppress_on_a_content_rule(self):
        self.check("    keywords: [secret]\n    suppress: 60\n", 2,
                   "rule 3000: suppress is for application and risk rules")

    def test_suppress_on_a_volume_rule(self):
        self.check("    volume: {bytes: 1, window: 1}\n    suppress: 60\n", 2,
                   "rule 3000: suppress is for application and risk rules")

    def test_with_content(self):
        self.check("    keywords: [secret]\n    volume: {bytes: 1, window: 1}\n", 2,
                   "rule 3000: volume sums whole flows and cannot be combined with keywords")


if __name__ == "__main__":
    unittest.main()
