"""Daily operation (issue 15, Deliver 5): `egressmon -T` / `--test-config` checks -c and every
rule file and exits 0, or 2 with the usual one-line error (INTERFACE.md "Fleet"); `--version`
names the libraries egressmon runs on."""

import os
import re
import tempfile
import unittest

from test_e2e import SOURCE, run

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
