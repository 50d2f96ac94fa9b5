#!/usr/bin/env python3
"""Tests of bench/suricata_rules.py (and suricata_peer's skip and alert counting), run by hand:

    python3 bench/test_suricata_rules.py [-v]

The checks that need the Suricata binary (rule files load with `suricata -T`; Suricata and
egressmon find the same (flow, rule) pairs in samples/sample.pcap) skip when it is absent.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import suricata_peer  # noqa: E402
import suricata_rules as sr  # noqa: E402


def convert_one(**rule):
    rule.setdefault("id", 9001)
    rule.setdefault("name", "test rule")
    return sr.convert([rule])


def contents(lines):
    return [line.split('content:"', 1)[1].split('"', 1)[0] for line in lines
            if 'content:"' in line]


class Encodings(unittest.TestCase):
    def test_chinese_keyword_in_every_encoding(self):
        lines, _, counts = convert_one(keywords=["绝密"])
        stream = [line for line in lines if line.startswith("alert tcp")]
        self.assertEqual(contents(stream), [
            "|E7 BB 9D E5 AF 86|",  # UTF-8
            "|BE F8 C3 DC|",        # GB18030 (GB2312 code points)
            "|DD|~|C6|[",           # UTF-16LE: DD 7E C6 5B
            "~|DD|[|C6|",           # UTF-16BE: 7E DD 5B C6
        ])
        self.assertEqual(counts["keyword_patterns"], 4)
        self.assertEqual(counts["suricata_rules"], 12)  # 4 patterns x 3 points

    def test_star_in_gb18030(self):
        lines, _, _ = convert_one(keywords=["机密★"], encodings=["gb18030"])
        self.assertEqual(contents(lines)[0], "|BB FA C3 DC A1 EF|")

    def test_ascii_keyword_same_in_utf8_and_gb18030_is_one_rule(self):
        lines, _, counts = convert_one(keywords=["TOP SECRET"])
        self.assertEqual(counts["keyword_patterns"], 4)
        self.assertEqual(counts["distinct_byte_strings"], 3)
        self.assertEqual(len(lines), 9)

    def test_encodings_key_limits_the_patterns(self):
        lines, _, _ = convert_one(keywords=["abc"], encodings=["utf-16be"])
        self.assertEqual(contents(lines), ["|00|a|00|b|00|c"] * 3)

    def test_special_characters_are_hex(self):
        lines, _, _ = convert_one(keywords=['a"b;c\\d|e:f'], encodings=["utf-8"])
        self.assertEqual(contents(lines)[0], "a|22|b|3B|c|5C|d|7C|e|3A|f")


class Options(unittest.TestCase):
    def test_nocase_kept_and_dropped_where_meaningless(self):
        lines, _, _ = convert_one(keywords=["Secret", "绝密"], nocase=True, encodings=["utf-8"])
        self.assertIn("nocase;", lines[0])
        self.assertNotIn("nocase;", lines[1])  # no ASCII letter: nothing to fold
        lines, _, _ = convert_one(keywords=["Secret"], encodings=["utf-8"])
        self.assertNotIn("nocase", lines[0])

    def test_nocase_over_folding_is_reported(self):
        # GB18030 of the en dash is A9 43: the 0x43 ('C') is a trail byte Suricata would fold.
        _, notes, _ = convert_one(keywords=["A – B"], nocase=True)
        self.assertTrue(any("nocase folds every byte" in n and "9001" in n for n in notes))
        _, notes, _ = convert_one(keywords=["A B"], nocase=True)
        self.assertFalse(any("nocase folds" in n for n in notes))

    def test_inspection_points_and_direction(self):
        lines, _, _ = convert_one(keywords=["abc"], encodings=["utf-8"])
        self.assertEqual(len(lines), 3)
        self.assertTrue(lines[0].startswith("alert tcp $HOME_NET any -> $EXTERNAL_NET any ("))
        self.assertIn("flow:to_server; http.request_body; content:", lines[1])
        self.assertTrue(lines[1].startswith("alert http "))
        self.assertIn("flow:to_server; file.data; content:", lines[2])
        self.assertTrue(lines[2].startswith("alert smtp "))
        lines, _, _ = convert_one(keywords=["abc"], encodings=["utf-8"], direction="ingress")
        self.assertIn("$EXTERNAL_NET any -> $HOME_NET any", lines[0])
        lines, _, _ = convert_one(keywords=["abc"], encodings=["utf-8"], direction="any")
        self.assertIn("alert tcp any any -> any any", lines[0])

    def test_sids_map_back_to_the_rule(self):
        lines, _, _ = convert_one(id=1234, keywords=["abc", "def"], encodings=["utf-8"])
        sids = [int(line.split("sid:")[1].split(";")[0]) for line in lines]
        self.assertEqual(len(set(sids)), 6)
        self.assertEqual({sr.rule_id_of_sid(s) for s in sids}, {1234})
        with self.assertRaises(ValueError):
            sr.sid_of(500000, 1)
        with self.assertRaises(ValueError):
            sr.sid_of(1, sr.SID_SPAN)


class Regexes(unittest.TestCase):
    def test_pcre_flags_escaping_and_prefilter(self):
        lines, _, counts = convert_one(regex=[r'key["\']?\s*[:=];x'], nocase=True)
        self.assertIn(r'pcre:"/key[\"\']?\s*[:=]\;x/si";', lines[0])
        self.assertIn('content:"key"; nocase; pcre:', lines[0])
        self.assertEqual(counts["regexes_without_prefilter"], 0)
        lines, notes, counts = convert_one(regex=[r"\b\d{16}\b"])
        self.assertIn(r'pcre:"/\b\d{16}\b/s";', lines[0])
        self.assertNotIn("content:", lines[0])
        self.assertEqual(counts["regexes_without_prefilter"], 1)
        self.assertTrue(any("no literal for Suricata's prefilter" in n for n in notes))

    def test_required_literal(self):
        cases = {
            r"-----BEGIN (RSA |EC )?PRIVATE KEY-----": "PRIVATE KEY-----",
            r"AccountKey=[A-Za-z0-9+/]{86}==": "AccountKey=",
            r"[A-Za-z0-9._%+-]+@clients\.acme-corp\.com\b": "@clients.acme-corp.com",
            r"passw(?:or)?d\s*[:=]": "passw",
            r"abcd?e": "abc",        # the optional d is not required
            r"abcde+f": "abcd",      # nor, as written, a repeated one
            r"\x41BCD": "BCD",       # \xHH is not literal text here
            r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b": None,
            r"abc|def": None,        # top-level alternation: nothing required
            r"ab": None,             # too short to prefilter
        }
        for regex, want in cases.items():
            self.assertEqual(sr.required_literal(regex), want, regex)


class LeftOut(unittest.TestCase):
    def test_rules_without_suricata_form_are_reported(self):
        rules = [
            {"id": 1, "name": "file", "file": {"encrypted": True}},
            {"id": 2, "name": "app", "protocols": ["Tor"]},
            {"id": 3, "name": "vol", "volume": {"bytes": 1, "window": 2}},
            {"id": 4, "name": "content+proto", "keywords": ["x"], "protocols": ["HTTP"]},
            {"id": 5, "name": "luhn", "regex": [r"\b\d{16}\b"], "validate": "luhn"},
        ]
        lines, notes, counts = sr.convert(rules)
        self.assertEqual(counts["rules_left_out"], 4)
        self.assertEqual(counts["rules_converted"], 1)
        self.assertEqual({sr.rule_id_of_sid(int(x.split("sid:")[1].split(";")[0]))
                          for x in lines}, {5})
        text = "\n".join(notes)
        for needle in ("rule 1 (file): left out: `file:`", "rule 2 (app): left out: "
                       "classification-only", "rule 3 (vol): left out: classification-only",
                       "rule 4 (content+proto): left out: content restricted",
                       "rule 5 (luhn): validator `luhn` not applied"):
            self.assertIn(needle, text)

    def test_default_rules(self):
        rules = sr.load_rules([os.path.join(ROOT, "rules", "default.yaml")])
        lines, notes, counts = sr.convert(rules)
        self.assertEqual(counts["rules_in"], len(rules))
        self.assertEqual(counts["rules_left_out"], 1)  # 1400, a file-only rule
        self.assertEqual(counts["suricata_rules"], len(lines))
        self.assertTrue(any("1400" in n and "`file:`" in n for n in notes))


class PeerHelpers(unittest.TestCase):
    def test_skips_when_suricata_is_absent(self):
        saved = suricata_peer.SURICATA
        try:
            suricata_peer.SURICATA = "/nonexistent/suricata"
            self.assertEqual(suricata_peer.unavailable(), "/nonexistent/suricata not found")
            self.assertEqual(suricata_peer.section("/nonexistent", 1), [])
        finally:
            suricata_peer.SURICATA = saved

    def test_alert_pairs_are_distinct_and_direction_free(self):
        recs = [
            {"event_type": "alert", "src_ip": "10.0.0.1", "src_port": 5, "dest_ip": "1.2.3.4",
             "dest_port": 80, "proto": "TCP", "alert": {"signature_id": 90010001}},
            {"event_type": "alert", "src_ip": "1.2.3.4", "src_port": 80, "dest_ip": "10.0.0.1",
             "dest_port": 5, "proto": "TCP", "alert": {"signature_id": 90010007}},
            {"event_type": "alert", "src_ip": "2001:db8::1", "src_port": 5,
             "dest_ip": "2001:0db8:0000:0000:0000:0000:0000:0002", "dest_port": 80,
             "proto": "TCP", "alert": {"signature_id": 90020001}},
            {"event_type": "flow", "src_ip": "10.0.0.9", "dest_ip": "1.2.3.4"},
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write("\n".join(json.dumps(r) for r in recs) + "\n")
        try:
            pairs = suricata_peer.alert_pairs(f.name, sr.rule_id_of_sid)
        finally:
            os.remove(f.name)
        self.assertEqual(len(pairs), 2)
        self.assertEqual(sorted(r for _, r in pairs), [9001, 9002])
        v6 = [k for k, r in pairs if r == 9002][0]
        self.assertEqual(v6, suricata_peer.flow_key({"src_ip": "2001:db8::2", "src_port": 80,
                                                     "dest_ip": "2001:db8::1", "dest_port": 5,
                                                     "proto": "tcp"}))


@unittest.skipIf(suricata_peer.unavailable(), "Suricata 8.0.6 not available")
class WithSuricata(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="suricata-rules-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_rules(self, yaml_paths):
        lines, _, counts = sr.convert(sr.load_rules(yaml_paths))
        path = os.path.join(self.dir, "test.rules")
        with open(path, "w", encoding="ascii") as f:
            f.write("\n".join(lines) + "\n")
        return path, counts

    def test_converted_default_and_benchmark_rules_load(self):
        sys.path.insert(0, os.path.join(HERE, "workloads"))
        import corpus
        import rulesets
        bench_yaml = os.path.join(self.dir, "rules-250.yaml")
        with open(bench_yaml, "w", encoding="utf-8") as f:
            f.write(rulesets.rules_yaml(1, rulesets.keywords(1, 250, corpus.VOCABULARY)))
        path, counts = self.write_rules([os.path.join(ROOT, "rules", "default.yaml"),
                                         bench_yaml])
        config = suricata_peer.alerts_only_config(self.dir)
        out = subprocess.run([suricata_peer.SURICATA, "-T", "-c", config, "-S", path, "-l",
                              self.dir], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr[-2000:])
        with open(os.path.join(self.dir, "suricata.log")) as f:
            log = f.read()
        self.assertIn(f"{counts['suricata_rules']} rules successfully loaded, 0 rules failed",
                      log)

    def test_same_pairs_as_egressmon_on_the_sample(self):
        sample = os.path.join(ROOT, "samples", "sample.pcap")
        path, _ = self.write_rules([os.path.join(ROOT, "rules", "default.yaml")])
        peer = suricata_peer.Peer(self.dir, self.dir)
        got = peer.run_suricata(sample, path, 1)["pairs"]
        self.assertEqual(sorted(r for _, r in got), [1000])
        if os.path.exists(suricata_peer.EGRESSMON):
            alerts = os.path.join(self.dir, "egressmon.json")
            subprocess.run([suricata_peer.EGRESSMON, "-r", sample, "--rules",
                            os.path.join(ROOT, "rules", "default.yaml"), "--alerts", alerts],
                           check=True, capture_output=True, timeout=120)
            self.assertEqual(suricata_peer.alert_pairs(alerts, int), got)


if __name__ == "__main__":
    unittest.main()
