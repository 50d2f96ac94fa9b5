"""Signed policy bundles (issue 15, Deliver 1, first part): `egressmon policy sign` and
`egressmon policy verify` with keys made by `openssl genpkey`, and bundles written here in
Python and signed with `openssl pkeyutl`, so that the format and the signature are checked
against an implementation other than egressmon's own: what is signed, tampering, other keys, an
unparsable rule file inside a well-signed bundle, exit codes and messages."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from test_e2e import SOURCE, run

OPENSSL = shutil.which("openssl")
RULES_A = "rules:\n  - {id: 1, name: Secret word, keywords: [topsecret]}\n"
RULES_B = "rules:\n  - {id: 2, name: Card number, regex: ['\\d{16}']}\n"
SAMPLE = os.path.join(SOURCE, "samples", "sample.pcap")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def openssl(*args, **kwargs):
    return subprocess.run([OPENSSL, *args], check=True, capture_output=True, **kwargs)


def make_key(tmp, name):
    """An Ed25519 key pair as openssl writes it; the private key mode 0600."""
    private = os.path.join(tmp, name + ".pem")
    public = os.path.join(tmp, name + ".pub")
    openssl("genpkey", "-algorithm", "ed25519", "-out", private)
    os.chmod(private, 0o600)
    openssl("pkey", "-in", private, "-pubout", "-out", public)
    return private, public


def key_id(public):
    """First 16 hex digits of SHA-256 over the raw public key: the last 32 bytes of the DER."""
    der = openssl("pkey", "-pubin", "-in", public, "-outform", "DER").stdout
    return hashlib.sha256(der[-32:]).hexdigest()[:16]


def signed_part(version, created_ms, kid, files):
    out = b"egressmon-policy-bundle 1\n"
    out += b"version: %d\ncreated-ms: %d\nkey-id: %s\nfiles: %d\n" % (
        version, created_ms, kid.encode(), len(files))
    for name, body in files:
        out += b"file: %d %s\n" % (len(body), name.encode()) + body + b"\n"
    return out


def openssl_bundle(tmp, private, public, files, version=5, created_ms=1718000000000):
    """A bundle built here and signed by the openssl command line (Ed25519, raw message)."""
    message = signed_part(version, created_ms, key_id(public), files)
    msg_path = os.path.join(tmp, "message")
    with open(msg_path, "wb") as f:
        f.write(message)
    signature = openssl("pkeyutl", "-sign", "-rawin", "-inkey", private, "-in", msg_path).stdout
    return message + b"signature: " + signature.hex().encode() + b"\n"


def one_error_line(test, proc, *needles):
    """Exit 2, nothing on stdout, one line "egressmon: ..." on stderr holding each needle."""
    test.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
    test.assertEqual(proc.stdout, "")
    lines = proc.stderr.splitlines()
    test.assertEqual(len(lines), 1, proc.stderr)
    test.assertTrue(lines[0].startswith("egressmon: "), lines[0])
    for needle in needles:
        test.assertIn(needle, lines[0])


class Case(unittest.TestCase):
    def setUp(self):
        if OPENSSL is None:
            self.skipTest("openssl command not found")
        self.tmp = tempfile.mkdtemp(prefix="egressmon-bundle-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.private, self.public = make_key(self.tmp, "signer")
        self.rules = []
        for name, text in (("secrets.yaml", RULES_A), ("cards.yaml", RULES_B)):
            path = os.path.join(self.tmp, name)
            with open(path, "w") as f:
                f.write(text)
            self.rules.append(path)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def sign(self, *extra, out="policy.bundle"):
        return run("policy", "sign", "--key", self.private, "--out", self.path(out), *extra,
                   *self.rules)

    def verify(self, bundle, *publics):
        args = []
        for p in publics or (self.public,):
            args += ["--public-key", p]
        return run("policy", "verify", *args, bundle)

    def assert_refused(self, proc, *needles):
        one_error_line(self, proc, *needles)


class signing(Case):
    """Sign, verify, what is printed, what openssl says of egressmon's signature."""

    def test_sign_then_verify(self):
        proc = self.sign("--bundle-version", "42")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"^signed .*policy.bundle: version 42, key id [0-9a-f]{16}")
        proc = self.verify(self.path("policy.bundle"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = dict(line.split(": ", 1) for line in proc.stdout.splitlines()
                     if not line.startswith("file: "))
        self.assertEqual(lines["version"], "42")
        self.assertEqual(lines["key-id"], key_id(self.public))
        self.assertRegex(lines["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(re.findall(r"^file: (\S+) \((\d+) bytes\)$", proc.stdout, re.M),
                         [("secrets.yaml", str(len(RULES_A))), ("cards.yaml", str(len(RULES_B)))])
        # The bundle's rules are the policy that --rules with the same files runs.
        sensor = run("-r", SAMPLE, "--rules", self.rules[0], "--rules", self.rules[1], "--alerts",
                     os.devnull, "--stats")
        self.assertEqual(sensor.returncode, 0, sensor.stderr)
        stats = json.loads(sensor.stderr.strip().splitlines()[-1])
        self.assertEqual(lines["policy-version"], stats["rules"]["policy_version"])

    def test_default_version_is_the_signing_time_in_ms(self):
        self.assertEqual(self.sign().returncode, 0)
        proc = self.verify(self.path("policy.bundle"))
        version = int(re.search(r"^version: (\d+)$", proc.stdout, re.M).group(1))
        with open(self.path("policy.bundle"), "rb") as f:
            created = int(re.search(rb"\ncreated-ms: (\d+)\n", f.read()).group(1))
        self.assertEqual(version, created)
        self.assertLess(abs(version - time.time() * 1000), 60_000)

    def test_openssl_verifies_what_egressmon_signed(self):
        self.assertEqual(self.sign().returncode, 0)
        with open(self.path("policy.bundle"), "rb") as f:
            data = f.read()
        at = data.rindex(b"signature: ")
        self.write("message", data[:at])
        self.write("sig", bytes.fromhex(data[at + 11:-1].decode()))
        proc = subprocess.run([OPENSSL, "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey",
                               self.public, "-in", self.path("message"), "-sigfile",
                               self.path("sig")], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(data[:at], signed_part(
            int(re.search(rb"version: (\d+)", data).group(1)),
            int(re.search(rb"created-ms: (\d+)", data).group(1)), key_id(self.public),
            [(os.path.basename(p), read_bytes(p)) for p in self.rules]))

    def test_egressmon_verifies_what_openssl_signed(self):
        bundle = openssl_bundle(self.tmp, self.private, self.public,
                                [("a.yaml", RULES_A.encode())], version=9)
        proc = self.verify(self.write("o.bundle", bundle))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("version: 9\n", proc.stdout)
        self.assertIn("created: 2024-06-10T06:13:20.000Z\n", proc.stdout)

    def test_one_of_several_keys(self):
        _, other_public = make_key(self.tmp, "other")
        self.assertEqual(self.sign().returncode, 0)
        proc = self.verify(self.path("policy.bundle"), other_public, self.public)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("key-id: " + key_id(self.public) + "\n", proc.stdout)


class refusals(Case):
    """Each refusal: exit 2 and one line that says why."""

    def test_tampered_bundle(self):
        self.assertEqual(self.sign().returncode, 0)
        with open(self.path("policy.bundle"), "rb") as f:
            data = f.read()
        self.assert_refused(self.verify(self.write("t1", data.replace(b"topsecret", b"topsecreT"))),
                            "bad signature")
        self.assert_refused(self.verify(self.write("t2", data.replace(b"version: ", b"version: 9"))),
                            "bad signature")
        self.assert_refused(self.verify(self.write("t3", data[:-40] + data[-40:].upper())),
                            "malformed bundle")
        self.assert_refused(self.verify(self.write("t4", data[:data.index(b"topsecret")])), "malformed bundle",
                            "cut short")
        self.assert_refused(self.verify(self.write("t5", data + b"x")), "bytes after the signature")

    def test_bundle_over_the_size_bound(self):
        path = self.path("huge")
        with open(path, "wb") as f:
            f.truncate(16 * 1024 * 1024 + 1)
        self.assert_refused(self.verify(path), "bundle of 16777217 bytes (limit 16777216)")

    def test_other_key(self):
        other_private, other_public = make_key(self.tmp, "other")
        self.assertEqual(self.sign().returncode, 0)
        self.assert_refused(self.verify(self.path("policy.bundle"), other_public),
                            "signed by key id " + key_id(self.public), "not a configured key")
        # Another key's signature under this key's id.
        bundle = openssl_bundle(self.tmp, other_private, self.public, [("a.yaml", b"rules: []\n")])
        self.assert_refused(self.verify(self.write("forged", bundle)), "bad signature")

    def test_unparsable_rule_file_inside(self):
        bundle = openssl_bundle(self.tmp, self.private, self.public,
                                [("good.yaml", RULES_A.encode()),
                                 ("broken.yaml", b"rules:\n  - {id: 3, name: x, regex: ['(']}\n")])
        self.assert_refused(self.verify(self.write("b", bundle)), "rules do not compile",
                            "broken.yaml")
        bundle = openssl_bundle(self.tmp, self.private, self.public, [("y.yaml", b"rules: [\n")])
        self.assert_refused(self.verify(self.write("y", bundle)), "rules do not compile",
                            "y.yaml")

    def test_sign_refuses_rules_that_do_not_compile(self):
        self.write("cards.yaml", b"rules:\n  - {id: 2, name: x, regex: ['(']}\n")
        self.assert_refused(self.sign(), "cards.yaml")
        self.assertFalse(os.path.exists(self.path("policy.bundle")))

    def test_key_files(self):
        os.chmod(self.private, 0o640)
        self.assert_refused(self.sign(), "refusing private key", "mode 0640")
        os.chmod(self.private, 0o600)
        os.chmod(self.public, 0o600)  # past the mode check: refused for what it holds
        self.assert_refused(run("policy", "sign", "--key", self.public, "--out",
                                self.path("x"), *self.rules), "not an unencrypted PEM private key")
        self.assertEqual(self.sign().returncode, 0)
        self.assert_refused(self.verify(self.path("policy.bundle"), self.private),
                            "not a PEM public key")
        rsa = self.path("rsa.pem")
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", rsa)
        os.chmod(rsa, 0o600)
        self.assert_refused(run("policy", "sign", "--key", rsa, "--out", self.path("x"),
                                *self.rules), "RSA", "not Ed25519")
        self.assert_refused(self.verify(self.path("policy.bundle"), self.path("missing.pub")),
                            "cannot read public key")

    def test_usage_errors(self):
        self.assert_refused(run("policy"), "expected 'sign', 'verify' or 'publish'")
        self.assert_refused(run("policy", "unpublish"), "unknown command 'unpublish'")
        self.assert_refused(run("policy", "publish"), "--brokers")
        self.assert_refused(run("policy", "sign", "--out", self.path("x"), *self.rules), "--key")
        self.assert_refused(run("policy", "sign", "--key", self.private, *self.rules), "--out")
        self.assert_refused(run("policy", "sign", "--key", self.private, "--out", self.path("x")),
                            "no rule file")
        self.assert_refused(self.sign("--bundle-version", "0"), "--bundle-version")
        self.assert_refused(self.sign("--bundle-version", "18446744073709551616"),
                            "--bundle-version")
        self.assert_refused(self.sign("--frobnicate"), "unknown option '--frobnicate'")
        self.assert_refused(run("policy", "verify", self.path("x")), "--public-key")
        self.assert_refused(run("policy", "verify", "--public-key", self.public), "one BUNDLE")
        proc = run("policy", "--help")
        self.assertEqual(proc.returncode, 0)
        self.assertIn("egressmon policy sign", proc.stdout)


if __name__ == "__main__":
    unittest.main()
