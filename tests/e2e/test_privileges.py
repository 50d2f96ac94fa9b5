"""Privilege drop (hardening): egressmon opens what needs privileges, then runs as an
unprivileged user (root: --user, default nobody) or, started unprivileged with capabilities,
without any; it refuses rule/config files and spool directories that other users can write.
Checked on the running process through /proc/PID/status. Needs root (as CI runs); skipped
otherwise."""

import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest

from server_process import free_port
from test_e2e import (BINARY, DEFAULT_RULES, SAMPLE, assert_usage_error, flow_records,
                      process_status, run, wait_for)

NOBODY = pwd.getpwnam("nobody")
KAFKA_UNDER_TSAN = ("librdkafka starts its threads with C11 thrd_create, which GCC 12's "
                    "ThreadSanitizer does not intercept: it crashes in TSan's allocator")


def thread_statuses(pid):
    """process_status of every thread: credentials and capabilities are per thread, and the
    sinks', reloader's and metrics server's threads start before privileges are given up."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            out.append(process_status(f"{pid}/task/{tid}"))
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return out


class privileges(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("privilege drop is tested as root")
        self.tmp = tempfile.mkdtemp()
        os.chmod(self.tmp, 0o755)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def paused_file_run(self, *args):
        """egressmon reading a FIFO that has sent only the pcap header: it has opened
        everything and waits for packets. Returns (proc, fifo writer)."""
        fifo = os.path.join(self.tmp, "in.pcap")
        os.mkfifo(fifo)
        proc = subprocess.Popen([BINARY, "-r", fifo, "--workers", "2", "--stats", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        writer = open(fifo, "wb")
        with open(SAMPLE, "rb") as f:
            self.sample = f.read()
        writer.write(self.sample[:24])
        writer.flush()
        return proc, writer

    def finish(self, proc, writer):
        writer.write(self.sample[24:])
        writer.close()
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        return out, json.loads(err.strip().splitlines()[-1])

    def assert_switched(self, pid, uid, gid):
        # The switch happens just before the first packet; the status is read once it has.
        self.assertTrue(wait_for(lambda: process_status(pid)["Uid"].split()[0] == str(uid)),
                        process_status(pid))
        threads = thread_statuses(pid)
        self.assertGreater(len(threads), 3)  # main, workers, sink exporter, reloader, metrics
        for st in threads:
            self.assertEqual(st["Uid"].split(), [str(uid)] * 4)  # real, effective, saved, fs
            self.assertEqual(st["Gid"].split(), [str(gid)] * 4)
            self.assertEqual(st["Groups"], "")
            self.assertEqual(int(st["CapEff"], 16), 0)
            self.assertEqual(int(st["CapPrm"], 16), 0)
            self.assertEqual(st["NoNewPrivs"], "1")

    def test_root_becomes_nobody_by_default_and_keeps_working(self):
        proc, writer = self.paused_file_run("--rules", DEFAULT_RULES, "--metrics",
                                            f"127.0.0.1:{free_port()}")
        self.assert_switched(proc.pid, NOBODY.pw_uid, NOBODY.pw_gid)
        out, stats = self.finish(proc, writer)
        self.assertEqual(stats["alerts"], 1)  # the sample's one marking, found after the switch
        self.assertEqual(len(flow_records(out)), 1)

    def test_user_flag_names_the_account(self):
        daemon = pwd.getpwnam("daemon")
        proc, writer = self.paused_file_run("--user", "daemon")
        self.assert_switched(proc.pid, daemon.pw_uid, daemon.pw_gid)
        self.finish(proc, writer)

    def test_user_root_stays_root_with_a_warning(self):
        proc = run("-r", SAMPLE, "--user", "root", "--alerts", "/dev/null")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("warning: --user root: staying root", proc.stderr)

    def test_unknown_user_is_a_usage_error(self):
        proc = run("-r", SAMPLE, "--user", "no-such-user-here")
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr.strip(), "egressmon: --user no-such-user-here: no such user")

    def test_live_capture_continues_on_sockets_opened_before_the_switch(self):
        port = 41000 + os.getpid() % 9000
        proc = subprocess.Popen([BINARY, "-i", "lo", "-f", f"udp port {port}", "--flows", "-",
                                 "--workers", "2", "--immediate", "--stats"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assert_switched(proc.pid, NOBODY.pw_uid, NOBODY.pw_gid)
            time.sleep(0.3)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for i in range(3):
                    s.sendto(b"after the switch %d" % i, ("127.0.0.1", port))
            time.sleep(0.5)
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        recs = [r for r in flow_records(out) if r.get("dest_port") == port]
        self.assertEqual(len(recs), 1, out)
        self.assertEqual(recs[0]["flow"]["pkts_toserver"], 3)

    def test_unprivileged_start_with_cap_net_raw_keeps_no_capability(self):
        """As a service unit with AmbientCapabilities=CAP_NET_RAW would start it."""
        port = 42000 + os.getpid() % 9000
        setpriv = shutil.which("setpriv")
        if not setpriv:
            self.skipTest("setpriv (util-linux) is not installed")
        proc = subprocess.Popen(
            [setpriv, "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
             "--inh-caps", "+net_raw", "--ambient-caps", "+net_raw",
             BINARY, "-i", "lo", "-f", f"udp port {port}", "--flows", "-", "--workers", "2",
             "--immediate", "--rules", DEFAULT_RULES, "--metrics", f"127.0.0.1:{free_port()}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Capabilities are there at exec (to open the socket) and gone once it is open.
            self.assertTrue(wait_for(lambda: proc.poll() is not None or
                                     int(process_status(proc.pid)["CapEff"], 16) == 0))
            if proc.poll() is not None:
                self.fail(f"egressmon exited: {proc.communicate()[1]}")
            # main, 2 workers, 2 sink exporters, the reloader, the metrics server's threads
            self.assertTrue(wait_for(lambda: len(thread_statuses(proc.pid)) >= 7))
            threads = thread_statuses(proc.pid)
            for st in threads:
                self.assertEqual(int(st["CapEff"], 16), 0, st)
                self.assertEqual(int(st["CapPrm"], 16), 0, st)
                self.assertEqual(int(st["CapAmb"], 16), 0, st)
                self.assertEqual(st["NoNewPrivs"], "1", st)
            time.sleep(0.3)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(b"seen without capabilities", ("127.0.0.1", port))
            time.sleep(0.5)
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(len([r for r in flow_records(out) if r.get("dest_port") == port]), 1)

    def test_unprivileged_user_cannot_switch_to_another(self):
        if not shutil.which("setpriv"):
            self.skipTest("setpriv (util-linux) is not installed")
        proc = subprocess.run(["setpriv", "--reuid", "nobody", "--regid", "nogroup",
                               "--clear-groups", BINARY, "-r", SAMPLE, "--user", "daemon"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--user daemon: switching users needs root", proc.stderr)

    def write(self, name, text, mode, dir_mode=0o755):
        d = os.path.join(self.tmp, os.path.dirname(name))
        os.makedirs(d, exist_ok=True)
        os.chmod(d, dir_mode)
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_rule_file_others_can_write_is_refused(self):
        with open(DEFAULT_RULES) as f:
            text = f.read()
        open_rules = self.write("a/rules.yaml", text, 0o666)
        assert_usage_error(self, run("-r", SAMPLE, "--rules", open_rules), f"refusing rule file "
                           f"'{open_rules}': it is writable by every user (mode 0666)")
        in_open_dir = self.write("b/rules.yaml", text, 0o644, dir_mode=0o777)
        assert_usage_error(self, run("-r", SAMPLE, "--rules", in_open_dir),
                           "refusing rule file", "is writable by every user (mode 0777)")
        # A sticky directory (like /tmp) keeps others from replacing the owner's file.
        in_sticky_dir = self.write("c/rules.yaml", text, 0o644, dir_mode=0o1777)
        self.assertEqual(run("-r", SAMPLE, "--rules", in_sticky_dir, "--alerts", "/dev/null")
                         .returncode, 0)

    def test_config_file_others_can_write_is_refused(self):
        config = self.write("conf/egressmon.yaml", "workers: 1\n", 0o646)
        assert_usage_error(self, run("-r", SAMPLE, "-c", config),
                           f"refusing config file '{config}': it is writable by every user")

    def test_spool_directory_others_can_write_is_refused(self):
        spool = os.path.join(self.tmp, "spool")
        os.mkdir(spool)
        os.chmod(spool, 0o1777)
        config = self.write("conf/spool.yaml", f"kafka:\n  spool-dir: {spool}\n", 0o644)
        assert_usage_error(self, run("-r", SAMPLE, "-c", config, "--alerts",
                                     "kafka://127.0.0.1:9/alerts"),
                           f"refusing spool directory '{spool}': it is writable by every user")

    def test_spool_directory_is_handed_to_the_run_as_user(self):
        """The alert spool outlives the switch: nobody must go on writing it. An unreachable
        broker makes the one alert go to the spool at shutdown."""
        if os.environ.get("EGRESSMON_TSAN") == "ON":
            self.skipTest(KAFKA_UNDER_TSAN)
        spool = os.path.join(self.tmp, "spool")
        config = self.write("conf/spool.yaml",
                            f"kafka:\n  spool-dir: {spool}\n  shutdown-grace: 1\n", 0o644)
        proc = run("-r", SAMPLE, "-c", config, "--rules", DEFAULT_RULES, "--stats",
                   "--alerts", "kafka://127.0.0.1:9/alerts")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        self.assertEqual(stats["alerts"], 1)
        owners = {os.lstat(os.path.join(spool, n)).st_uid for n in os.listdir(spool)}
        owners.add(os.stat(spool).st_uid)
        self.assertEqual(owners, {NOBODY.pw_uid})
        self.assertFalse(stat.S_IMODE(os.stat(spool).st_mode) & stat.S_IWOTH)
        spooled = sum(os.path.getsize(os.path.join(spool, n)) for n in os.listdir(spool)
                      if n.endswith(".seg"))
        self.assertGreater(spooled, 0, os.listdir(spool))


if __name__ == "__main__":
    unittest.main()
