"""The Debian package: scripts/build-deb.sh packages the Release build directory that holds
$EGRESSMON (--build-dir, no second compile) once for the class; the .deb is checked with lintian
and unpacked with dpkg -x into a scratch root, whose binary, configuration, rules, systemd unit,
logrotate file and man page are then used as installed. Skipped when dpkg-buildpackage,
debhelper or dpkg-deb is absent, and on sanitized builds (only a Release binary is packaged);
each of lintian, systemd-analyze, man and logrotate skips its own check when absent."""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest

from test_e2e import BINARY, SAMPLE, SOURCE

BUILD_DEB = os.path.join(SOURCE, "scripts", "build-deb.sh")
SANITIZED = any(os.environ.get(v, "").upper() in ("1", "ON", "TRUE", "YES")
                for v in ("EGRESSMON_SANITIZED", "EGRESSMON_TSAN"))
CONFFILES = ["/etc/egressmon/egressmon.yaml", "/etc/egressmon/rules/default.yaml",
             "/etc/egressmon/rules/egress-policy.yaml", "/etc/logrotate.d/egressmon"]
UNIT = "/lib/systemd/system/egressmon.service"
MAN_PAGE = "/usr/share/man/man8/egressmon.8.gz"


def missing_tools(*tools):
    return [t for t in tools if shutil.which(t) is None]


def current_user():
    return pwd.getpwuid(os.geteuid()).pw_name


class package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if SANITIZED:
            raise unittest.SkipTest("sanitized build: the package ships the Release binary, "
                                    "tested on the Release build")
        missing = missing_tools("dpkg-buildpackage", "dh", "dpkg-deb")
        if missing:
            raise unittest.SkipTest(f"{', '.join(missing)} absent (apt-get install dpkg-dev "
                                    "debhelper; scripts/install-deps.sh installs them)")
        build_dir = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which(BINARY))))
        cache = os.path.join(build_dir, "CMakeCache.txt")
        release = False
        if os.path.exists(cache):
            with open(cache) as f:
                release = "CMAKE_BUILD_TYPE:STRING=Release\n" in f.read()
        if not release:
            raise unittest.SkipTest(f"{build_dir} is not a Release build directory")
        cls.tmp = tempfile.mkdtemp()
        os.chmod(cls.tmp, 0o755)  # the configuration under it must not be in a private dir
        out = subprocess.run([BUILD_DEB, "--build-dir", build_dir, "--no-lintian",
                              "--out", os.path.join(cls.tmp, "out")],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError(f"build-deb.sh failed:\n{out.stderr[-4000:]}")
        cls.deb = out.stdout.strip().splitlines()[-1]
        cls.root = os.path.join(cls.tmp, "root")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        cls.control = os.path.join(cls.tmp, "control")
        subprocess.run(["dpkg-deb", "-e", cls.deb, cls.control], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def installed(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def test_lintian_clean(self):
        if missing_tools("lintian"):
            self.skipTest("lintian absent")
        out = subprocess.run(["lintian", "--fail-on", "error,warning", self.deb],
                             capture_output=True, text=True, timeout=300)
        complaints = [line for line in out.stdout.splitlines() if re.match(r"[EW]: ", line)]
        self.assertEqual(complaints, [])
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_files_and_conffiles(self):
        listing = subprocess.run(["dpkg-deb", "-c", self.deb], capture_output=True, text=True,
                                 check=True).stdout
        entries = {line.split()[-1].lstrip("."): line.split()[:2]
                   for line in listing.splitlines()}
        for path in ["/usr/sbin/egressmon", UNIT, MAN_PAGE, *CONFFILES,
                     "/usr/share/doc/egressmon/copyright"]:
            self.assertIn(path, entries)
            self.assertEqual(entries[path][1], "root/root", path)
        self.assertEqual(entries["/usr/sbin/egressmon"][0], "-rwxr-xr-x")
        # Rule and configuration files that others can write are refused by egressmon.
        for path in CONFFILES:
            self.assertEqual(entries[path][0], "-rw-r--r--", path)
        with open(os.path.join(self.control, "conffiles")) as f:
            self.assertEqual(sorted(f.read().split()), sorted(CONFFILES))
        # dh_shlibdeps computed the libraries; adduser is the postinst's.
        depends = subprocess.run(["dpkg-deb", "-f", self.deb, "Depends"], capture_output=True,
                                 text=True, check=True).stdout
        for lib in ("adduser", "procps", "libndpi4.2", "libhyperscan5", "libpcap0.8",
                    "librdkafka++1"):
            self.assertIn(lib, depends)
        with open(os.path.join(self.control, "postinst")) as f:
            self.assertIn("adduser --system --group", f.read())
        with open(self.installed("/usr/share/doc/egressmon/copyright")) as f:
            self.assertIn("License: Apache-2.0", f.read())
        with open(os.path.join(SOURCE, "LICENSE")) as f:
            self.assertIn("Apache License\n                           Version 2.0", f.read())

    def scratch_config(self, text, name):
        """The installed configuration with its absolute paths moved into the scratch root
        (as if installed there) and the log and state directories into the test's folder."""
        log_dir, lib_dir = os.path.join(self.tmp, name + "-log"), os.path.join(self.tmp, name)
        os.makedirs(log_dir, exist_ok=True)
        text = (text.replace("/etc/egressmon/", self.installed("/etc/egressmon/"))
                .replace("/var/log/egressmon/", log_dir + "/")
                .replace("/var/lib/egressmon/", lib_dir + "/"))
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path, log_dir

    def run_installed(self, config):
        # Started as root, egressmon would switch to the config's user (egressmon), which this
        # machine need not have: run as whoever runs the test ('root' stays root, warned).
        return subprocess.run([self.installed("/usr/sbin/egressmon"), "-c", config,
                               "-r", SAMPLE, "--user", current_user()],
                              capture_output=True, text=True, timeout=120)

    def test_installed_binary_alerts_on_the_sample_with_the_installed_config(self):
        with open(self.installed("/etc/egressmon/egressmon.yaml")) as f:
            text = f.read()
        # The installed configuration names the installed rules and writes under /var/log.
        self.assertRegex(text, r"(?m)^  - /etc/egressmon/rules/default\.yaml$")
        self.assertRegex(text, r"(?m)^alerts: /var/log/egressmon/alerts\.json$")
        self.assertRegex(text, r"(?m)^user: egressmon$")
        config, log_dir = self.scratch_config(text, "installed")
        out = self.run_installed(config)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, "")  # alerts go to the file, not stdout
        with open(os.path.join(log_dir, "alerts.json")) as f:
            alerts = f.read().splitlines()
        self.assertEqual(len(alerts), 1, alerts)
        self.assertIn('"signature_id":1000', alerts[0])
        self.assertIn('"match":"TOP SECRET"', alerts[0])

    def test_commented_examples_are_accepted_keys(self):
        """Every '#key: value' example of the installed configuration, uncommented, is a key
        egressmon accepts (interface aside: it cannot be combined with -r)."""
        with open(self.installed("/etc/egressmon/egressmon.yaml")) as f:
            lines = f.read().splitlines()
        example = re.compile(r"^(\s*)#(- |\s{0,2}[a-z][a-z.-]*:)")
        uncommented = [example.sub(r"\1\2", line) for line in lines
                       if not line.startswith("#interface:")]
        self.assertGreater(sum(a != b for a, b in zip(lines, uncommented)), 5)
        # The fleet example trusts a public key the admin copies there: put one in place. Its
        # brokers do not resolve: the sensor runs its rule files and says so.
        public_key = self.installed("/etc/egressmon/policy-signing.pub")
        private_key = os.path.join(self.tmp, "policy-signing.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", private_key],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", private_key, "-pubout", "-out", public_key],
                       check=True, capture_output=True)
        os.chmod(public_key, 0o644)
        config, log_dir = self.scratch_config("\n".join(uncommented) + "\n", "examples")
        out = self.run_installed(config)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(os.path.exists(os.path.join(log_dir, "flows.json")))

    def test_unit_verifies(self):
        unit = self.installed(UNIT)
        with open(unit) as f:
            text = f.read()
        for line in ("ExecStart=/usr/sbin/egressmon -c /etc/egressmon/egressmon.yaml",
                     "ExecReload=/bin/kill -HUP $MAINPID", "User=egressmon",
                     "AmbientCapabilities=CAP_NET_RAW", "CapabilityBoundingSet=CAP_NET_RAW",
                     "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "SystemCallFilter=@system-service", "LogsDirectory=egressmon",
                     "StateDirectory=egressmon"):
            self.assertIn(line + "\n", text)
        if missing_tools("systemd-analyze"):
            self.skipTest("systemd-analyze absent")
        if not os.path.isdir("/lib/systemd/system") or not os.path.exists("/bin/kill"):
            self.skipTest("no systemd units or /bin/kill on this machine to verify against")
        # A root holding the package and what the system around it provides: the targets the
        # unit is ordered against, and /bin/kill (procps) for ExecReload.
        root = os.path.join(self.tmp, "verify-root")
        shutil.copytree(self.root, root, symlinks=True)
        shutil.copytree("/lib/systemd/system", os.path.join(root, "lib/systemd/system"),
                        symlinks=True, dirs_exist_ok=True,
                        ignore=lambda d, names: [n for n in names if n == "egressmon.service"])
        os.makedirs(os.path.join(root, "bin"), exist_ok=True)
        shutil.copy2("/bin/kill", os.path.join(root, "bin", "kill"))

        def verify():
            # --man=no: the page is in the scratch root, where man does not look (checked by
            # test_man_page_renders). Unknown keys are only warned about: no output is clean.
            return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}",
                                   UNIT], capture_output=True, text=True, timeout=60)

        out = verify()
        self.assertEqual((out.returncode, out.stdout + out.stderr), (0, ""))
        # The same check on a unit with a misspelt directive says so (the check can fail).
        with open(os.path.join(root, UNIT.lstrip("/")), "a") as f:
            f.write("ProtectSytem=strict\n")
        self.assertIn("Unknown key", verify().stderr)

    def test_man_page_renders(self):
        if missing_tools("man"):
            self.skipTest("man absent")
        env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
        out = subprocess.run(["man", "--warnings", "-l", self.installed(MAN_PAGE)],
                             capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual((out.returncode, out.stderr), (0, ""))
        page = re.sub(r"\s+", " ", out.stdout.replace("\u2010 ", "").replace("\u2010", "-"))
        for section in ("SYNOPSIS", "OPTIONS", "SIGNALS", "EXIT STATUS", "FILES", "SEE ALSO"):
            self.assertIn(f"\n{section}\n", out.stdout)
        # Every option that egressmon --help lists is in the page.
        usage = subprocess.run([self.installed("/usr/sbin/egressmon"), "--help"],
                               capture_output=True, text=True, check=True).stdout
        options = set(re.findall(r"(?m)^\s+(-[a-z]|--[a-z-]+)", usage))
        self.assertGreater(len(options), 15)
        for option in options:
            self.assertIn(option, page)
        for path in CONFFILES[:3] + ["/var/log/egressmon/"]:
            self.assertIn(path, page)

    def test_logrotate_rotates_the_alert_file(self):
        if missing_tools("logrotate"):
            self.skipTest("logrotate absent")
        log_dir = os.path.join(self.tmp, "rotate")
        os.makedirs(log_dir)
        os.chmod(log_dir, 0o755)
        with open(self.installed("/etc/logrotate.d/egressmon")) as f:
            text = f.read()
        self.assertIn("/var/log/egressmon/*.json {", text)
        # Renamed, then egressmon told to reopen (SIGUSR1; e2e.log_rotation tests that part).
        self.assertNotIn("copytruncate", text)
        self.assertIn("--signal=USR1 egressmon.service", text)
        config = os.path.join(self.tmp, "logrotate.conf")
        with open(config, "w") as f:  # the package's user need not exist here
            f.write(text.replace("/var/log/egressmon/", log_dir + "/")
                    .replace("su egressmon egressmon", f"su {current_user()} "
                             f"{current_user()}"))
        alerts = os.path.join(log_dir, "alerts.json")
        with open(alerts, "w") as f:
            f.write('{"event_type":"alert"}\n')
        out = subprocess.run(["logrotate", "--force", "--state", os.path.join(self.tmp, "state"),
                              config], capture_output=True, text=True, timeout=60)
        self.assertEqual((out.returncode, out.stderr), (0, ""))
        # Renamed: egressmon makes the new file when the postrotate signal reaches it.
        self.assertFalse(os.path.exists(alerts))
        with open(alerts + ".1") as f:
            self.assertEqual(f.read(), '{"event_type":"alert"}\n')


if __name__ == "__main__":
    unittest.main()
