"""DNS tunnel detection end to end (issue 14, Deliver 3): a rule naming the risk DNS_TUNNEL
alerts on the flow whose query made the detector flag its (querying host, registered domain)
window (kind risk, alert.context.dlp.dns_tunnel); the flow record lists DNS_TUNNEL in ndpi.risks.

Captures: the shared dns-tunnel-iodine.pcap (skipped when ../shared is absent), the generated
tunnels and ordinary traffic of tests/data/dns_tunnel/ (tests/data/gen_dns_tunnel_pcaps.py), and
every other shared nDPI capture, none of which may alert."""

import concurrent.futures
import itertools
import json
import os
import tempfile
import unittest

from test_e2e import NDPI_PCAPS, SOURCE, assert_valid_eve, run

DATA = os.path.join(SOURCE, "tests", "data", "dns_tunnel")
IODINE = os.path.join(NDPI_PCAPS, "dns-tunnel-iodine.pcap")
RULES = "rules:\n  - {id: 1, name: DNS tunnel, risks: [DNS_TUNNEL], direction: any}\n"
# Generated tunnels: capture -> (querying host, registered domain)
TUNNELS = {
    "dns_tunnel_base32.pcap": ("192.168.10.23", "exfil-cdn.net"),
    "dns_tunnel_base64_txt.pcap": ("10.1.2.3", "tunnel-relay.org"),
    "dns_tunnel_null.pcap": ("10.0.5.30", "iodine-lab.org"),
}
ORDINARY = ("dns_ordinary_resolver.pcap", "dns_ordinary_services.pcap")


class Run:
    """One egressmon run on `capture` with the DNS_TUNNEL rule; its own output files."""

    count = itertools.count()

    def __init__(self, tmp, capture, *extra):
        stem = os.path.join(tmp, f"{os.path.basename(capture)}.{next(Run.count)}")
        self.alerts_path = stem + ".alerts"
        self.flows_path = stem + ".flows"
        rules = os.path.join(tmp, "rules.yaml")
        if not os.path.exists(rules):
            with open(rules, "w") as f:
                f.write(RULES)
        self.proc = run("-r", capture, "--rules", rules, "--alerts", self.alerts_path,
                        "--flows", self.flows_path, "--stats", *extra)

    def records(self, path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    @property
    def alerts(self):
        return self.records(self.alerts_path)

    @property
    def stats(self):
        return json.loads(self.proc.stderr.strip().splitlines()[-1])


class tunnels(unittest.TestCase):
    """Every tunnel is flagged once per window on one worker, with the detector's figures."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = {name: Run(cls.tmp.name, os.path.join(DATA, name), "--workers", "1")
                    for name in TUNNELS}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_each_generated_tunnel_alerts_once_naming_host_and_domain(self):
        for name, (host, domain) in TUNNELS.items():
            with self.subTest(capture=name):
                r = self.runs[name]
                self.assertEqual(r.proc.returncode, 0, r.proc.stderr)
                alerts = r.alerts
                self.assertEqual(len(alerts), 1, alerts)
                a = alerts[0]
                self.assertEqual(a["src_ip"], host)
                self.assertEqual(a["dest_port"], 53)
                dlp = a["alert"]["context"]["dlp"]
                self.assertEqual(dlp["kind"], "risk")
                self.assertEqual(dlp["dns_tunnel"]["domain"], domain)
                self.assertGreaterEqual(dlp["dns_tunnel"]["names"], 30)
                self.assertGreaterEqual(dlp["dns_tunnel"]["name_bytes"], 1200)
                self.assertEqual(dlp["dns_tunnel"]["window"], 60)
                self.assertEqual(r.stats["dns_tunnel"]["tunnels"], 1)
                assert_valid_eve(self, r.alerts_path)

    def test_the_flow_record_lists_the_risk(self):
        for name in TUNNELS:
            with self.subTest(capture=name):
                r = self.runs[name]
                flagged = [f for f in r.records(r.flows_path)
                           if "DNS_TUNNEL" in f["ndpi"].get("risks", [])]
                self.assertEqual([f["flow_id"] for f in flagged],
                                 [a["flow_id"] for a in r.alerts])
                assert_valid_eve(self, r.flows_path)

    @unittest.skipUnless(os.path.exists(IODINE), "../shared/pcaps/ndpi is absent")
    def test_iodine_is_flagged(self):
        r = Run(self.tmp.name, IODINE)
        self.assertEqual(r.proc.returncode, 0, r.proc.stderr)
        alerts = r.alerts
        self.assertEqual(len(alerts), 1)
        self.assertEqual(alerts[0]["src_ip"], "10.0.2.30")  # the querying host
        self.assertEqual(alerts[0]["alert"]["context"]["dlp"]["dns_tunnel"]["domain"],
                         "pirate.sea")
        self.assertEqual(alerts[0]["alert"]["context"]["dlp"]["direction"], "internal")

    def test_two_workers_still_flag_each_tunnel(self):
        # Each worker runs its own detector: a tunnel whose queries come from several source
        # ports is judged per worker, so it may alert once per worker (README says so).
        for name in TUNNELS:
            with self.subTest(capture=name):
                r = Run(self.tmp.name, os.path.join(DATA, name), "--workers", "2")
                self.assertEqual(r.proc.returncode, 0, r.proc.stderr)
                self.assertIn(len(r.alerts), (1, 2))


class ordinary_traffic(unittest.TestCase):
    """No alert on ordinary resolver traffic, CDN names and look-up services, nor on any other
    shared nDPI capture."""

    def test_generated_ordinary_traffic_does_not_alert(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name in ORDINARY:
                with self.subTest(capture=name):
                    r = Run(tmp, os.path.join(DATA, name))
                    self.assertEqual(r.proc.returncode, 0, r.proc.stderr)
                    self.assertEqual(r.alerts, [])
                    self.assertGreater(r.stats["dns_tunnel"]["messages"], 500)

    @unittest.skipUnless(os.path.isdir(NDPI_PCAPS), "../shared/pcaps/ndpi is absent")
    def test_no_other_shared_capture_alerts(self):
        captures = sorted(os.path.join(NDPI_PCAPS, n) for n in os.listdir(NDPI_PCAPS)
                          if n.endswith((".pcap", ".pcapng", ".cap")) and
                          n != "dns-tunnel-iodine.pcap")
        self.assertGreater(len(captures), 100)
        with tempfile.TemporaryDirectory() as tmp, \
                concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            runs = list(pool.map(lambda c: Run(tmp, c, "--workers", "1"), captures))
            messages = 0
            for capture, r in zip(captures, runs):
                self.assertEqual(r.proc.returncode, 0, f"{capture}: {r.proc.stderr}")
                self.assertEqual(r.alerts, [], capture)
                messages += r.stats["dns_tunnel"]["messages"]
            self.assertGreater(messages, 100)  # the DNS the shared captures hold


class bounds_and_errors(unittest.TestCase):
    """policy.dns-tunnel-max-pairs at its limit (counted), and bad detector settings."""

    def config(self, tmp, text):
        path = os.path.join(tmp, "c.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_max_pairs_evicts_and_counts(self):
        with tempfile.TemporaryDirectory() as tmp:
            capture = os.path.join(DATA, "dns_ordinary_resolver.pcap")
            one = Run(tmp, capture, "-c", self.config(tmp, "policy:\n  dns-tunnel-max-pairs: 1\n"))
            self.assertEqual(one.proc.returncode, 0, one.proc.stderr)
            self.assertGreater(one.stats["dns_tunnel"]["pairs_evicted"], 0)
            wide = Run(tmp, capture)
            self.assertEqual(wide.stats["dns_tunnel"]["pairs_evicted"], 0)

    def test_a_tunnel_under_the_lowered_thresholds_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            strict = self.config(tmp, "policy:\n  dns-tunnel-min-names: 1000\n"
                                 "  dns-tunnel-max-names: 1000\n")
            r = Run(tmp, os.path.join(DATA, "dns_tunnel_base32.pcap"), "-c", strict)
            self.assertEqual(r.proc.returncode, 0, r.proc.stderr)
            self.assertEqual(r.alerts, [])

    def test_bad_settings_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            for text, needle in (
                    ("policy:\n  dns-tunnel-max-names: 10\n",
                     "dns-tunnel-max-names must be at least dns-tunnel-min-names"),
                    ("policy:\n  dns-tunnel-min-entropy: 9\n",
                     "expected a decimal number from 0"),
                    ("policy:\n  dns-tunnel-window: 0\n", "expected a number between 1")):
                with self.subTest(setting=text):
                    r = Run(tmp, os.path.join(DATA, "dns_tunnel_null.pcap"), "-c",
                            self.config(tmp, text))
                    self.assertEqual(r.proc.returncode, 2, r.proc.stderr)
                    self.assertIn(needle, r.proc.stderr)


if __name__ == "__main__":
    unittest.main()
