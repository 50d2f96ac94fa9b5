"""What the real-server test fixtures (Kafka, Prometheus) share: a child process that dies with
the test run, stops cleanly, and says why when it does not start."""

import atexit
import ctypes
import signal
import socket
import subprocess

STOP_TIMEOUT = 30


def free_port():
    """A TCP port nothing listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent():
    """Ask Linux to SIGKILL the child when this process dies, even by SIGKILL
    (atexit does not run then), so a killed test run leaves no broker behind."""
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def log_tail(path, lines=30):
    """The end of a log, preceded by its last ERROR/FATAL lines: a broker that fails
    to start logs the cause first and then many lines of orderly shutdown."""
    try:
        with open(path, errors="replace") as f:
            text = f.readlines()
    except OSError:
        return ""
    errors = [line for line in text[:-lines] if " ERROR " in line or " FATAL " in line][-10:]
    return "".join(errors + (["...\n"] if errors else []) + text[-lines:])


class ServerProcess:
    """One server child process: `self._proc` is set by the subclass's start()."""

    def __init__(self):
        self._proc = None
        atexit.register(self._kill)

    @property
    def running(self):
        return self._proc is not None and self._proc.poll() is None

    def stop(self):
        """Clean shutdown (SIGTERM), SIGKILL after STOP_TIMEOUT seconds."""
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _kill(self):
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
