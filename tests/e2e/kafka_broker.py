"""A real single-node Apache Kafka broker (KRaft, no ZooKeeper) for end-to-end tests.

The jars come from scripts/fetch-kafka.sh (Maven Central, cached); kcat is the
client the fixture itself uses to probe, and to read topics back. Usage:

    with KafkaBroker(workdir) as broker:
        broker.create_topic("flows")
        ... point egressmon at broker.bootstrap ...
        records = broker.consume("flows")

stop() then start() restarts the same broker on the same port with the same
data, so a test can simulate an outage.
"""

import base64
import json
import os
import subprocess
import time
import uuid

from server_process import ServerProcess, die_with_parent, free_port, log_tail

FETCH_SCRIPT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "..", "..", "scripts", "fetch-kafka.sh"))
READY_TIMEOUT = 90


class KafkaBroker(ServerProcess):
    def __init__(self, workdir):
        super().__init__()
        self.workdir = os.path.abspath(workdir)
        self.port = None
        self.controller_port = None
        self._libs = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self):
        """The broker's own log (log4j), the first place to look when it misbehaves."""
        return os.path.join(self.workdir, "broker.log")

    def start(self):
        """Start the broker (configuring and formatting it the first time) and wait until
        it serves metadata; raises RuntimeError with the log's tail if it does not."""
        if self._proc is not None:
            return self
        os.makedirs(self.workdir, exist_ok=True)
        if self._libs is None:
            out = subprocess.run([FETCH_SCRIPT], capture_output=True, text=True)
            if out.returncode != 0:
                raise RuntimeError(f"{FETCH_SCRIPT} failed ({out.returncode}):\n{out.stderr}")
            self._libs = out.stdout.strip().splitlines()[-1]
        if self.port is None:
            self.port = self.controller_port = free_port()
            while self.controller_port == self.port:  # both ports were free, not yet taken
                self.controller_port = free_port()
            self._write_config()
        # Formatting twice would fail (and a new cluster id would orphan the data),
        # so only a fresh log dir is formatted; a restart reuses what is there.
        if not os.path.exists(os.path.join(self._data_dir, "meta.properties")):
            self._java("kafka.tools.StorageTool", "format", "-t", self._cluster_id(),
                       "-c", self._server_properties)
        with open(os.path.join(self.workdir, "broker.out"), "ab") as out:
            self._proc = subprocess.Popen(
                self._java_cmd("kafka.Kafka", self._server_properties,
                               heap="-Xmx512m", log4j=self._broker_log4j),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent)
        self._wait_ready()
        return self

    def create_topic(self, name, partitions=3):
        """Create `name` (if absent) and wait until every partition has a leader."""
        self._java("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", self.bootstrap,
                   "--create", "--if-not-exists", "--topic", name,
                   "--partitions", str(partitions), "--replication-factor", "1")
        deadline = time.monotonic() + 30
        while True:
            meta = self._metadata(name)
            topic = next((t for t in (meta or {}).get("topics", []) if t.get("topic") == name), {})
            parts = topic.get("partitions", [])
            if "error" not in topic and len(parts) == partitions \
                    and all(p.get("leader", -1) >= 0 and "error" not in p for p in parts):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {name} not ready: {meta}")
            time.sleep(0.2)

    def consume(self, topic, timeout=30):
        """Every message now in `topic`, ordered by (partition, offset), as dicts with
        partition, offset, key (str or None), headers (dict str->str) and payload (str or None)."""
        out = subprocess.run(["kcat", "-C", "-b", self.bootstrap, "-t", topic, "-o", "beginning",
                              "-e", "-J", "-q"],
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"kcat -C {topic} failed ({out.returncode}): {out.stderr}")
        records = []
        for line in out.stdout.splitlines():
            if not line.strip():
                continue
            m = json.loads(line)
            # kcat -J lists headers flat: ["k1", "v1", "k2", "v2", ...].
            flat = m.get("headers") or []
            records.append({"partition": m["partition"], "offset": m["offset"], "key": m.get("key"),
                            "headers": dict(zip(flat[0::2], flat[1::2])),
                            "payload": m.get("payload")})
        return sorted(records, key=lambda r: (r["partition"], r["offset"]))

    # --- internals ---

    @property
    def _data_dir(self):
        return os.path.join(self.workdir, "data")

    @property
    def _server_properties(self):
        return os.path.join(self.workdir, "server.properties")

    @property
    def _broker_log4j(self):
        return os.path.join(self.workdir, "log4j.properties")

    @property
    def _tools_log4j(self):
        return os.path.join(self.workdir, "tools-log4j.properties")

    @staticmethod
    def _cluster_id():
        # What `StorageTool random-uuid` prints: 16 random bytes, base64url, no padding.
        # Like Kafka's own Uuid.randomUuid(), draw again when the text starts with '-':
        # the storage tool's argument parser reads such an id as an option, and the
        # format step then fails (one run in 64).
        while True:
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            if not cluster_id.startswith("-"):
                return cluster_id

    def _write_config(self):
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},"
                         f"CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": self._data_dir,
            "auto.create.topics.enable": "true",
            "num.partitions": "3",
            # One broker: internal topics cannot have more replicas than that.
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            # Consumers in tests should not wait 3 s for a group that has one member.
            "group.initial.rebalance.delay.ms": "0",
        }
        with open(self._server_properties, "w") as f:
            f.writelines(f"{k}={v}\n" for k, v in props.items())
        with open(self._broker_log4j, "w") as f:
            f.write("log4j.rootLogger=INFO, file\n"
                    "log4j.appender.file=org.apache.log4j.FileAppender\n"
                    f"log4j.appender.file.File={self.log_path}\n"
                    "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
                    "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n")
        # The command-line tools only need to say what went wrong.
        with open(self._tools_log4j, "w") as f:
            f.write("log4j.rootLogger=WARN, stderr\n"
                    "log4j.appender.stderr=org.apache.log4j.ConsoleAppender\n"
                    "log4j.appender.stderr.Target=System.err\n"
                    "log4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n"
                    "log4j.appender.stderr.layout.ConversionPattern=%p %m (%c)%n\n")

    def _java_cmd(self, main, *args, heap="-Xmx256m", log4j=None):
        return ["java", heap, "-Djava.awt.headless=true",
                f"-Dlog4j.configuration=file:{log4j or self._tools_log4j}",
                "-cp", os.path.join(self._libs, "*"), main, *args]

    def _java(self, main, *args):
        """Run a Kafka command-line tool to completion; raise with its output if it fails."""
        # C1 only: the tools run for seconds, where the optimising JIT only costs time.
        cmd = self._java_cmd(main, *args)
        cmd.insert(1, "-XX:TieredStopAtLevel=1")
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"{main} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
        return out.stdout

    def _metadata(self, topic=None):
        """kcat's view of the cluster (JSON), or None while the broker does not answer."""
        cmd = ["kcat", "-L", "-J", "-b", self.bootstrap, "-m", "5"]
        if topic:
            cmd += ["-t", topic]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=15)
        except subprocess.TimeoutExpired:
            return None
        if out.returncode != 0:
            return None
        try:
            return json.loads(out.stdout)
        except ValueError:
            return None

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                code, self._proc = self._proc.returncode, None
                raise RuntimeError(f"Kafka broker exited with {code}; {self.log_path} ends:\n"
                                   + log_tail(self.log_path)
                                   + log_tail(os.path.join(self.workdir, "broker.out")))
            meta = self._metadata()
            if meta and meta.get("brokers"):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Kafka broker not ready after {READY_TIMEOUT} s; "
                                   f"{self.log_path} ends:\n" + log_tail(self.log_path))
            time.sleep(0.5)
