"""The realistic egress mix: tens of thousands of concurrent flows from 10.0.0.0/8 to the outside.

Flows are Python generators that write one burst of packets (a TCP flight, a request, a DNS
answer) each time they are advanced and yield how long, in nanoseconds, until their next burst
(a round trip, server think time, user think time). A heap orders the bursts of all open flows in
time, so ~30,000 flows interleave packet for packet the way they would on a busy uplink. When a
flow ends a new one starts at once, until the flows started account for the requested bytes;
then the open ones finish.

Which kind of flow starts next is chosen to keep the frame bytes on the planned shares (HTTP 45%,
TLS 30%, SMTP 15%, the rest SSH, unknown TCP and DNS). TCP follows the byte counts exactly
(handshake, MSS-sized segments, delayed and stretch ACKs, PSH at message ends, FIN both ways), so
reassembly sees no gaps. Payload text is sliced from the seeded corpus (see corpus.py); one flow
in ~200 that carries cleartext gets a planted keyword or sensitive string, so alerts happen.

Flows are long-lived as on a real uplink (keep-alive idle until the server's timeout, user think
time between requests), so nearly all of the first 30,000 stay open while the capture's bytes go
by; the mean flow is ~25 KB, which is what lets 1.1 GB hold that many concurrent flows with a
mean frame of 800-1000 bytes.

The flows themselves are in mix_flows.py, TCP segmentation in tcp_flights.py.
"""

import heapq
import ipaddress
import math

from fastpcap import PcapOut, TcpFlow
from mix_flows import GATEWAY_MAC, MS, RESOLVERS, ROUTER_MAC, FlowBuilders
from tcp_flights import HANDSHAKE_AND_CLOSE

# Shares of frame bytes for the TCP kinds. DNS is not scheduled by share: half the connections
# are preceded by a lookup of their host name (the others use a cached answer); that is about
# 0.4% of the bytes, as on real uplinks.
SHARES = {"http": 0.45, "tls": 0.30, "smtp": 0.15, "other": 0.095}
DNS_BEFORE_CONNECT = 0.35

SAAS = """outlook.office365.com login.microsoftonline.com graph.microsoft.com teams.microsoft.com
www.google.com drive.google.com docs.google.com mail.google.com accounts.google.com
api.dropboxapi.com content.dropboxapi.com slack.com files.slack.com github.com api.github.com
objects.githubusercontent.com s3.amazonaws.com s3.eu-west-1.amazonaws.com api.box.com
upload.box.com zoom.us login.salesforce.com www.linkedin.com cdn.jsdelivr.net www.wikipedia.org
api.openai.com chatgpt.com web.whatsapp.com www.youtube.com i.ytimg.com update.googleapis.com
fonts.gstatic.com clients4.google.com wetransfer.com storage.googleapis.com pastebin.com mega.nz
www.icloud.com acme.atlassian.net bitbucket.org registry.npmjs.org pypi.org
files.pythonhosted.org edge.microsoft.com substrate.office.com""".split()
HTTP_FIXED = """ctldl.windowsupdate.com download.windowsupdate.com archive.ubuntu.com deb.debian.org
security.debian.org detectportal.firefox.com connectivitycheck.gstatic.com www.msftconnecttest.com
ocsp.digicert.com crl.globalsign.com ocsp.sectigo.com""".split()


class Mix(FlowBuilders):
    """One egress-mix capture being written (see the module docstring)."""

    def __init__(self, corpus, rng, keywords, out_path, target_bytes, concurrency, start_us):
        self.c = corpus
        self.rng = rng
        self.keywords = keywords  # list of keyword strings, rules-10 ones first
        self.out = PcapOut(out_path, start_us)
        self.target = target_bytes
        self.concurrency = concurrency
        self.ramp_s = 2.0  # the first flows start spread over this many seconds
        self.vocab = corpus.vocab
        self.inject_counts = {}
        self.flows_by_cat = {}
        self.flows_by_kind = {}
        self.bytes_by_cat = dict.fromkeys(SHARES, 0)
        self.planned_by_cat = dict.fromkeys(SHARES, 0.0)
        self._make_hosts()

    # ------------------------------------------------------------------ addressing

    def _public_ip(self):
        rng = self.rng
        while True:
            a = rng.choice((3, 13, 18, 20, 23, 31, 34, 35, 40, 44, 52, 54, 62, 64, 66, 69, 72,
                            74, 77, 80, 81, 82, 83, 85, 87, 91, 93, 95, 104, 107, 108, 130, 140,
                            142, 143, 146, 151, 152, 157, 162, 170, 173, 176, 178, 185, 188, 193,
                            194, 195, 199, 204, 205, 206, 208, 209, 212, 213, 216, 217))
            ip = f"{a}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if ipaddress.ip_address(ip).is_global:
                return ip

    def _word(self):
        return self.rng.choice(self.vocab[150:])

    def _make_hosts(self):
        rng = self.rng
        self.clients = [f"10.{1 + i // 65000}.{(i % 65000) // 254}.{1 + i % 254}"
                        for i in rng.sample(range(40 * 65000), 24000)]
        self.relays = [f"10.0.25.{10 + i}" for i in range(12)]
        self.next_port = {}
        gen = [f"{self._word()}{self._word()}.{rng.choice(('com', 'net', 'io', 'org', 'de'))}"
               for _ in range(400)]
        self.tls_hosts = SAAS + [f"{rng.choice(('www', 'api', 'app', 'cdn', 'auth'))}.{g}"
                                 for g in gen[:300]]
        self.http_hosts = HTTP_FIXED + [
            f"{rng.choice(('www', 'api', 'upload', 'files', 'cdn', 'static', 'forms'))}.{g}"
            for g in gen[100:]]
        self.mx_hosts = [f"mx{rng.randint(1, 3)}.{g}" for g in gen[200:320]] + [
            "aspmx.l.google.com", "alt1.aspmx.l.google.com",
            "partner-com.mail.protection.outlook.com", "mx.customer-example.de"]
        self.ip_of = {}
        for h in self.tls_hosts + self.http_hosts + self.mx_hosts:
            if h not in self.ip_of:
                self.ip_of[h] = self._public_ip()
        self.ttl_of = {ip: rng.randint(44, 58) for ip in self.ip_of.values()}
        for r in RESOLVERS:
            self.ttl_of[r] = 57

    def _client(self, pool=None):
        host = self.rng.choice(pool or self.clients)
        port = self.next_port.get(host)
        if port is None:
            port = self.rng.randrange(32768, 60000)
        self.next_port[host] = 32768 + (port - 32768 + 1) % 28232
        return host, port

    def _tcp(self, client, server_host, dport):
        rng = self.rng
        sip = self.ip_of[server_host]
        r32 = rng.getrandbits
        return TcpFlow(self.out, client, (sip, dport), (GATEWAY_MAC, ROUTER_MAC),
                       (63, self.ttl_of[sip]), (r32(16), r32(16)), (r32(32), r32(32)),
                       (r32(32), r32(32)), (rng.choice((502, 1026, 2053)), 501))

    def _rtt(self):
        return int(min(max(self.rng.lognormvariate(math.log(30), 0.7), 2), 300) * MS)

    def _size(self, median, sigma, lo, hi):
        return int(min(max(self.rng.lognormvariate(math.log(median), sigma), lo), hi))

    # ------------------------------------------------------------------ content

    def run(self, log=None):
        """Writes the capture; returns its statistics."""
        builders = {"http": self.flow_http, "tls": self.flow_tls, "smtp": self.flow_smtp,
                    "other": self.flow_other}
        rng, out = self.rng, self.out
        heap = []
        seq = 0
        st = {"open": 0, "max_open": 0, "flows": 0, "tcp_flows": 0}
        finished_actual = 0
        finished_planned = 0.0
        active_planned = 0.0
        samples = []
        done = False
        shares = SHARES
        planned = self.planned_by_cat
        self.bytes_by_cat["dns"] = 0

        def start(at):
            """Starts the next TCP flow at ``at`` (after a DNS lookup of its host, often)."""
            nonlocal seq, active_planned
            cat = min(shares, key=lambda c: planned[c] / shares[c])
            f, est, gen, host = builders[cat]()
            wire = est + HANDSHAKE_AND_CLOSE
            planned[cat] += wire
            active_planned += wire
            st["flows"] += 1
            st["tcp_flows"] += 1
            self.flows_by_cat[cat] = self.flows_by_cat.get(cat, 0) + 1
            if host is not None and rng.random() < DNS_BEFORE_CONNECT:
                df, dns_rtt, dgen = self.flow_dns(host)
                heapq.heappush(heap, (at, seq, dgen, df, 0.0, "dns"))
                seq += 1
                st["flows"] += 1
                at += dns_rtt + int(rng.uniform(0.2, 2) * MS)
            heapq.heappush(heap, (at, seq, gen, f, wire, cat))
            seq += 1

        t0 = out.now_ns
        for _ in range(self.concurrency):
            start(t0 + int(rng.uniform(0, self.ramp_s * 1000) * MS))
        next_sample = 0
        started = set()
        while heap:
            at, s, gen, f, wire, cat = heapq.heappop(heap)
            if at > out.now_ns:
                out.now_ns = at
            if s not in started:
                started.add(s)
                st["open"] += 1
                if st["open"] > st["max_open"]:
                    st["max_open"] = st["open"]
            try:
                delay = next(gen)
                heapq.heappush(heap, (out.now_ns + delay, s, gen, f, wire, cat))
                continue
            except StopIteration:
                pass
            started.discard(s)
            st["open"] -= 1
            self.bytes_by_cat[cat] += f.nbytes
            if out.packets >= next_sample:
                samples.append(st["open"])
                next_sample = out.packets + 20000
                if log and len(samples) % 50 == 0:
                    log(f"  {out.bytes / 1e9:.2f} GB, {out.packets:,} packets, "
                        f"{st['open']:,} flows open")
            if cat == "dns":
                continue
            finished_actual += f.nbytes
            finished_planned += wire
            active_planned -= wire
            if not done:
                ratio = finished_actual / finished_planned if finished_planned else 1.0
                if finished_actual + ratio * active_planned >= self.target:
                    done = True
                else:
                    start(out.now_ns)
        out.close()
        body = samples[len(samples) // 10: len(samples) * 9 // 10] or samples or [0]
        return {
            "packets": out.packets,
            "bytes": out.bytes,
            "mean_frame_bytes": round(out.bytes / out.packets, 1),
            "flows": st["flows"],
            "tcp_flows": st["tcp_flows"],
            "dns_flows": st["flows"] - st["tcp_flows"],
            "concurrent_flows_max": st["max_open"],
            "concurrent_flows_median": sorted(body)[len(body) // 2],
            "duration_s": round((out.now_ns - t0) / 1e9, 3),
            "bytes_share": {c: round(b / out.bytes, 4) for c, b in self.bytes_by_cat.items()},
            "tcp_flows_by_protocol": self.flows_by_cat,
            "mean_tcp_flow_bytes": {c: round(self.bytes_by_cat[c] / n) for c, n in
                                    self.flows_by_cat.items()},
            "transactions_by_kind": dict(sorted(self.flows_by_kind.items())),
            "planted": dict(sorted(self.inject_counts.items())),
            "expected_alerts_at_least": self._expected_alerts(),
        }

    def _expected_alerts(self):
        """Alerts the planted strings must raise (one per flow and rule) under each rule set."""
        by_label = {}
        for key, n in self.inject_counts.items():
            label = key.split(" (")[0]
            by_label[label] = by_label.get(label, 0) + n
        g = by_label.get
        regex = g("card-number", 0) + g("aws-key-id", 0) + g("customer-email", 0)
        return {"rules/default.yaml": g("TOP SECRET", 0) + g("card-number", 0)
                + g("aws-key-id", 0),
                "rules-10.yaml": g("keyword-rules-10", 0) + regex,
                "rules-250.yaml": g("keyword-rules-10", 0) + g("keyword-rules-250", 0) + regex,
                "rules-2500.yaml": g("keyword-rules-10", 0) + g("keyword-rules-250", 0)
                + g("keyword-rules-2500", 0) + regex}
