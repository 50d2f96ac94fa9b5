"""A real Prometheus server (Debian's /usr/bin/prometheus) for end-to-end tests.

It scrapes the given targets every second under job "egressmon", so a test can
check what egressmon's /metrics endpoint exports through PromQL:

    with PrometheusServer(workdir, ["127.0.0.1:9464"]) as prom:
        prom.wait_for('egressmon_flows_total', lambda r: r and float(r[0]["value"][1]) > 0)
"""

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from server_process import ServerProcess, die_with_parent, free_port, log_tail

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
READY_TIMEOUT = 60


class PrometheusServer(ServerProcess):
    def __init__(self, workdir, targets):
        super().__init__()
        self.workdir = os.path.abspath(workdir)
        self.targets = list(targets)
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self):
        return os.path.join(self.workdir, "prometheus.log")

    def start(self):
        """Write the config, start Prometheus and wait until /-/ready answers 200."""
        if self._proc is not None:
            return self
        os.makedirs(self.workdir, exist_ok=True)
        if self.port is None:
            self.port = free_port()
        config = os.path.join(self.workdir, "prometheus.yml")
        with open(config, "w") as f:
            # JSON is YAML, and json.dumps quotes the targets correctly.
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: egressmon\n    static_configs:\n"
                    f"      - targets: {json.dumps(self.targets)}\n")
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={config}",
                 f"--storage.tsdb.path={os.path.join(self.workdir, 'data')}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                code, self._proc = self._proc.returncode, None
                raise RuntimeError(f"prometheus exited with {code}:\n{log_tail(self.log_path)}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or 503 while it loads the TSDB
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"prometheus not ready after {READY_TIMEOUT} s:\n"
                                   + log_tail(self.log_path))
            time.sleep(0.2)

    def query(self, expr):
        """The result list of an instant query, e.g. [{"metric": {...}, "value": [ts, "42"]}]."""
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:  # a bad expression is a 400 with a JSON error
            body = json.load(e)
        if body.get("status") != "success":
            raise RuntimeError(f"query {expr!r} failed: {body.get('error', body)}")
        return body["data"]["result"]

    def wait_for(self, expr, predicate, timeout=30):
        """Poll `expr` until predicate(result) is true and return that result; raise
        AssertionError with the last result after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if predicate(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{expr!r} never satisfied the predicate in {timeout} s; "
                                     f"last result: {result}")
            time.sleep(0.5)
