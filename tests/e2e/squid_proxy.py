"""A real Squid (Debian's squid-openssl) that decrypts HTTPS with ssl_bump, asks for proxy
authentication and hands every request to an ICAP REQMOD service, plus the HTTPS origin server
behind it, for end-to-end tests. Everything lives in one work directory; ports are picked at run
time. Usage:

    pki = Pki(workdir)
    with HttpsOrigin(workdir, pki) as origin, \\
            SquidProxy(workdir, pki, icap_port=1344, bypass=False) as squid:
        result = squid.curl(origin.url("/upload"), "-F", "file=@doc.docx")
        ... result.status, result.body; origin.records() says what reached the origin ...

Two CAs: the bump CA signs the certificates Squid makes up for each site (curl trusts it,
--cacert), the origin CA signs the origin's certificate (Squid trusts it,
tls_outgoing_options cafile=). Run as root, Squid drops to cache_effective_user (proxy, else
nobody), so the work directory is handed to that user; run as anyone else, Squid stays who it is.
MISSING says what is not installed (None when all is there), for a test to skip on.
"""

import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from server_process import ServerProcess, die_with_parent, free_port, log_tail

SQUID = "/usr/sbin/squid"
CERTGEN = "/usr/lib/squid/security_file_certgen"
NCSA_AUTH = "/usr/lib/squid/basic_ncsa_auth"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
CURL = shutil.which("curl") or "/usr/bin/curl"
ORIGIN_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "https_origin.py")
READY_TIMEOUT = 30
# The origin's certificate names this host; Squid resolves it through /etc/hosts.
ORIGIN_HOST = "localhost"
# P-256 keys: RSA key generation took up to 4 s on a busy 2-core machine.
EC_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")


def _missing():
    absent = [path for path in (SQUID, CERTGEN, NCSA_AUTH) if not os.access(path, os.X_OK)]
    absent += [tool for tool in ("openssl", "curl") if shutil.which(tool) is None]
    return ", ".join(absent) or None


MISSING = _missing()


def squid_user():
    """The account Squid runs as when started by root (Debian's package makes `proxy`)."""
    for name in ("proxy", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("neither user proxy nor nobody exists to run Squid as")


def hand_to_service_user(directory):
    """Run as root, Squid (with its certificate generator and auth helper) and c-icap drop to
    squid_user(): that user must own `directory` and reach it. Parents inside the temp
    directory that lack o+x (tempfile.mkdtemp makes 0700) get it; any other parent must have it
    already, else RuntimeError (this never widens a directory outside the temp tree)."""
    account = squid_user()
    tmp_root = os.path.realpath(tempfile.gettempdir())
    parent = os.path.dirname(os.path.realpath(directory))
    while parent != os.path.dirname(parent):
        mode = os.stat(parent).st_mode
        if not mode & 0o001:
            if os.path.commonpath([parent, tmp_root]) != tmp_root or parent == tmp_root:
                raise RuntimeError(f"{account.pw_name} cannot reach {directory}: "
                                   f"{parent} lacks o+x")
            os.chmod(parent, mode | 0o001)
        parent = os.path.dirname(parent)
    for root, dirs, files in os.walk(directory):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.chown(name, account.pw_uid, account.pw_gid)


def wait_listening(port, proc, what, log_path, timeout=READY_TIMEOUT):
    """Wait until 127.0.0.1:port accepts a connection; raise with the log's tail if `proc`
    exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; {log_path} ends:\n"
                               + log_tail(log_path))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not listening on {port} after {timeout} s; "
                               f"{log_path} ends:\n" + log_tail(log_path))
        time.sleep(0.1)


def _openssl(*args):
    out = subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {out.stderr}")
    return out.stdout


class Pki:
    """The bump CA (bump_ca.pem, key in bump_ca.key), the origin CA and the origin's
    certificate for `localhost` and 127.0.0.1 (origin.pem, origin.key), made with the
    openssl CLI in workdir/pki when constructed, valid for two days."""

    def __init__(self, workdir):
        self.dir = os.path.join(os.path.abspath(workdir), "pki")
        self._make()

    def path(self, name):
        return os.path.join(self.dir, name)

    def _make(self):
        os.makedirs(self.dir, exist_ok=True)
        for ca, subject in (("bump_ca", "/CN=egressmon test bump CA"),
                            ("origin_ca", "/CN=egressmon test origin CA")):
            _openssl("req", "-x509", *EC_KEY, "-nodes", "-days", "2", "-subj", subject,
                     "-keyout", self.path(f"{ca}.key"), "-out", self.path(f"{ca}.pem"),
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        _openssl("req", *EC_KEY, "-nodes", "-subj", f"/CN={ORIGIN_HOST}",
                 "-keyout", self.path("origin.key"), "-out", self.path("origin.csr"))
        with open(self.path("origin.ext"), "w") as f:
            f.write(f"subjectAltName=DNS:{ORIGIN_HOST},IP:127.0.0.1\n"
                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        _openssl("x509", "-req", "-in", self.path("origin.csr"), "-days", "2",
                 "-CA", self.path("origin_ca.pem"), "-CAkey", self.path("origin_ca.key"),
                 "-CAcreateserial", "-extfile", self.path("origin.ext"),
                 "-out", self.path("origin.pem"))


class HttpsOrigin(ServerProcess):
    """https_origin.py on a free loopback port; records() lists the requests it has read whole."""

    def __init__(self, workdir, pki):
        super().__init__()
        self.workdir = os.path.abspath(workdir)
        self.pki = pki
        self.port = None
        self.records_path = os.path.join(self.workdir, "origin-records.jsonl")
        self.log_path = os.path.join(self.workdir, "origin.log")

    def url(self, path):
        return f"https://{ORIGIN_HOST}:{self.port}{path}"

    def start(self):
        if self._proc is not None:
            return self
        self.port = self.port or free_port()
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, ORIGIN_SCRIPT, str(self.port), self.pki.path("origin.pem"),
                 self.pki.path("origin.key"), self.records_path],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent)
        try:
            wait_listening(self.port, self._proc, "https_origin.py", self.log_path)
        except RuntimeError:
            self._proc = None
            raise
        return self

    def records(self, path=None):
        """Every request the origin has read whole (optionally only those for `path`)."""
        try:
            with open(self.records_path, encoding="utf-8") as f:
                rows = [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            rows = []
        return [r for r in rows if path is None or r["path"] == path]


@dataclass
class CurlResult:
    returncode: int
    status: int      # the final HTTP status curl saw, 0 when there was none
    connect_status: int  # the proxy's answer to CONNECT (407 when it wants credentials)
    body: bytes
    stderr: str


class SquidProxy(ServerProcess):
    """Squid with ssl_bump, basic proxy authentication (basic_ncsa_auth) and one REQMOD ICAP
    service at icap://127.0.0.1:ICAP_PORT/SERVICE, bypass=on or off. No disk cache."""

    def __init__(self, workdir, pki, icap_port, *, service="reqmod", bypass=False,
                 user="alice", password="s3cret-Pass", extra_config=()):
        super().__init__()
        self.dir = os.path.join(os.path.abspath(workdir), "squid")
        self.pki = pki
        self.icap_port = icap_port
        self.service = service
        self.bypass = bypass
        self.user = user
        self.password = password
        self.extra_config = list(extra_config)  # more squid.conf lines (e.g. debug_options)
        self.port = None

    @property
    def conf_path(self):
        return os.path.join(self.dir, "squid.conf")

    @property
    def log_path(self):
        return os.path.join(self.dir, "cache.log")

    @property
    def access_log(self):
        return os.path.join(self.dir, "access.log")

    def config(self):
        """The squid.conf text (also what the report in tests/e2e/data/icap/README.md shows)."""
        d = self.dir
        lines = [
            f"http_port 127.0.0.1:{self.port} ssl-bump generate-host-certificates=on "
            f"dynamic_cert_mem_cache_size=4MB tls-cert={d}/bump_ca.pem tls-key={d}/bump_ca.key",
            f"sslcrtd_program {CERTGEN} -s {d}/ssl_db -M 4MB",
            "sslcrtd_children 2 startup=1 idle=1",
            "acl step1 at_step SslBump1",
            "ssl_bump peek step1",
            "ssl_bump bump all",
            f"tls_outgoing_options cafile={d}/origin_ca.pem",
            f"auth_param basic program {NCSA_AUTH} {d}/htpasswd",
            "auth_param basic children 2 startup=1 idle=1",
            "auth_param basic realm egressmon test proxy",
            "acl authenticated proxy_auth REQUIRED",
            "http_access deny !authenticated",
            "http_access allow authenticated",
            "http_access deny all",
            "icap_enable on",
            "adaptation_send_client_ip on",
            "adaptation_send_username on",
            f"icap_service egressmon reqmod_precache icap://127.0.0.1:{self.icap_port}/"
            f"{self.service} bypass={'on' if self.bypass else 'off'}",
            "adaptation_access egressmon allow all",
            # With the default (512 KB), Squid 5.7 aborted most 50 MB bumped uploads sent through
            # ICAP before reaching the origin (curl: "Empty reply from server", access.log
            # NONE_NONE_ABORTED), with c-icap's echo as with a recorder; 3/3 passed with this.
            "client_request_buffer_max_size 100 MB",
            "cache deny all",
            "cache_mem 8 MB",
            f"access_log stdio:{d}/access.log",
            f"cache_log {d}/cache.log",
            "cache_store_log none",
            f"pid_filename {d}/squid.pid",
            f"coredump_dir {d}",
            "netdb_filename none",
            "pinger_enable off",
            "visible_hostname egressmon-test-proxy",
            "shutdown_lifetime 0 seconds",
            # Never suspend the service after failures: every request tries it, so a test sees
            # what bypass= does per request, not an earlier request's suspension.
            "icap_service_failure_limit -1",
        ]
        if os.geteuid() == 0:
            lines.append(f"cache_effective_user {squid_user().pw_name}")
        lines += self.extra_config
        return "\n".join(lines) + "\n"

    def start(self):
        if self._proc is not None:
            return self
        first = self.port is None
        if first:
            self.port = free_port()
            self._prepare()
        with open(os.path.join(self.dir, "squid.out"), "ab") as out:
            self._proc = subprocess.Popen([SQUID, "-N", "-f", self.conf_path],
                                          stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, preexec_fn=die_with_parent,
                                          cwd=self.dir)
        try:
            wait_listening(self.port, self._proc, "squid", self.log_path)
        except RuntimeError as e:
            self._kill()
            self._proc = None
            raise RuntimeError(f"{e}\nsquid.out:\n"
                               + log_tail(os.path.join(self.dir, "squid.out"))) from None
        return self

    def cache_log(self):
        return log_tail(self.log_path, lines=60)

    def curl(self, url, *args, user=None, password=None, timeout=120):
        """curl through the proxy, trusting the bump CA; -s, no retries. `args` go before the
        URL (e.g. "-F", "file=@doc.docx"). The status is what -w %{http_code} printed."""
        user = self.user if user is None else user
        password = self.password if password is None else password
        cmd = [CURL, "-sS", "--max-time", str(timeout), "--proxy", f"http://127.0.0.1:{self.port}",
               "--cacert", self.pki.path("bump_ca.pem"), "-o", "-",
               "-w", "\n%{http_connect} %{http_code}"]
        if user:
            cmd += ["--proxy-user", f"{user}:{password}"]
        out = subprocess.run(cmd + list(args) + [url], capture_output=True, timeout=timeout + 10)
        body, _, codes = out.stdout.rpartition(b"\n")
        connect, _, code = codes.partition(b" ")
        return CurlResult(out.returncode, int(code or b"0"), int(connect or b"0"), body,
                          out.stderr.decode(errors="replace"))

    # --- internals ---

    def _prepare(self):
        os.makedirs(self.dir, exist_ok=True)
        for name in ("bump_ca.pem", "bump_ca.key", "origin_ca.pem"):
            shutil.copy(self.pki.path(name), os.path.join(self.dir, name))
        hashed = _openssl("passwd", "-apr1", self.password).strip()
        with open(os.path.join(self.dir, "htpasswd"), "w") as f:
            f.write(f"{self.user}:{hashed}\n")
        ssl_db = os.path.join(self.dir, "ssl_db")
        shutil.rmtree(ssl_db, ignore_errors=True)
        out = subprocess.run([CERTGEN, "-c", "-s", ssl_db, "-M", "4MB"],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError(f"{CERTGEN} -c failed: {out.stdout}{out.stderr}")
        with open(self.conf_path, "w") as f:
            f.write(self.config())
        if os.geteuid() == 0:
            hand_to_service_user(self.dir)

def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for piece in iter(lambda: f.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()
