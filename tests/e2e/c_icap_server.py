"""Debian's c-icap ICAP server with its echo service (srv_echo), for end-to-end tests: a real,
independent ICAP server that proves the Squid fixture (squid_proxy.py) works before egressmon's
own ICAP server is in the picture. The echo service returns every request unmodified (or 204).

    with CIcapEcho(workdir) as icap:
        ... point Squid at icap://127.0.0.1:{icap.port}/echo ...

MISSING names what is not installed (None when c-icap and srv_echo.so are there).
"""

import glob
import os
import subprocess

from server_process import ServerProcess, die_with_parent, free_port
from squid_proxy import hand_to_service_user, squid_user, wait_listening

C_ICAP = "/usr/bin/c-icap"
C_ICAP_CLIENT = "/usr/bin/c-icap-client"
SERVICE = "echo"


def _modules_dir():
    found = glob.glob("/usr/lib/*/c_icap/srv_echo.so") + glob.glob("/usr/lib/c_icap/srv_echo.so")
    return os.path.dirname(found[0]) if found else None


MODULES_DIR = _modules_dir()
MISSING = ", ".join(([] if os.access(C_ICAP, os.X_OK) else [C_ICAP]) +
                    ([] if MODULES_DIR else ["srv_echo.so (c-icap)"])) or None


class CIcapEcho(ServerProcess):
    def __init__(self, workdir, debug_level=1):
        super().__init__()
        self.dir = os.path.join(os.path.abspath(workdir), "c-icap")
        self.debug_level = debug_level
        self.port = None

    @property
    def log_path(self):
        return os.path.join(self.dir, "server.log")

    def start(self):
        if self._proc is not None:
            return self
        if self.port is None:
            self.port = free_port()
            self._prepare()
        with open(os.path.join(self.dir, "c-icap.out"), "ab") as out:
            # -N: stay in the foreground (stoppable with SIGTERM); -D -d: debug to stdout.
            self._proc = subprocess.Popen(
                [C_ICAP, "-N", "-D", "-d", str(self.debug_level), "-f",
                 os.path.join(self.dir, "c-icap.conf")],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent)
        try:
            wait_listening(self.port, self._proc, "c-icap", os.path.join(self.dir, "c-icap.out"))
        except RuntimeError:
            self._kill()
            self._proc = None
            raise
        return self

    def _prepare(self):
        os.makedirs(self.dir, exist_ok=True)
        d = self.dir
        lines = [
            f"Port 127.0.0.1:{self.port}",
            f"PidFile {d}/c-icap.pid",
            f"CommandsSocket {d}/c-icap.ctl",
            f"TmpDir {d}",
            "StartServers 1", "MaxServers 2", "ThreadsPerChild 10",
            "MinSpareThreads 1", "MaxSpareThreads 20",
            "Timeout 60", "MaxKeepAliveRequests 100", "KeepAliveTimeout 60",
            f"DebugLevel {self.debug_level}",
            f"ModulesDir {MODULES_DIR}", f"ServicesDir {MODULES_DIR}",
            f"ServerLog {d}/server.log", f"AccessLog {d}/access.log",
            f"Service {SERVICE} srv_echo.so",
        ]
        if os.geteuid() == 0:
            account = squid_user()
            lines += [f"User {account.pw_name}", f"Group {account.pw_gid}"]
        with open(os.path.join(d, "c-icap.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
        if os.geteuid() == 0:
            hand_to_service_user(d)


def c_icap_client(port, *args, timeout=60):
    """Run c-icap-client against 127.0.0.1:port; returns the CompletedProcess (bytes)."""
    return subprocess.run([C_ICAP_CLIENT, "-i", "127.0.0.1", "-p", str(port), *args],
                          capture_output=True, timeout=timeout)

