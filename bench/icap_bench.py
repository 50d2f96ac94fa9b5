#!/usr/bin/env python3
"""ICAP service speed: egressmon --icap beside a 204-only peer, in one run, on loopback.

    python3 bench/icap_bench.py [--repeats 3] [--duration 6] [--warmup 1] [--cache DIR]
                                [--only small,documents,latency] [--json OUT]

Whole process against whole process: egressmon (`--icap`, rules/default.yaml, one ICAP thread,
alerts to a file) and bench/icap_null_responder.cpp (the same kind of epoll server with the
project's ICAP parser and reply builders, inspecting nothing: 204 when allowed, else the request
echoed) each pinned with taskset to core 0 (SERVER_CPU); the load generator
(bench/icap_load.cpp, Squid-shaped REQMODs, replies checked byte for byte) pinned to core 1
(LOAD_CPU). The two servers take turns, run by run; every figure is the median of --repeats. In the
documents and latency scenarios a third whole process takes its turn too, egressmon with
document extraction off (`-c` a file holding `extraction: enabled: false`): the same service
less reading inside files, which splits egressmon's cost into the two.
The machine may be shared: each run also reports what the server did per CPU second it got
(its own request and body counters over its user+system time from /proc), a figure that does
not depend on how much of its core the scheduler gave it.

Scenarios (the issue's targets; "per core": the service has one core):
  small      300-byte form POSTs (Allow: 204, no preview), 32 connections: requests/s >= 5,000
  documents  multipart uploads / PUTs of the real docx/xlsx/pdf/zip files of
             bench/workloads/document_mix.py's pool that are 50 KB - 1 MiB (Squid's rule: Allow:
             204 up to 64 KiB, so most are echoed), 4 connections: body Mbit/s >= 1,000
  latency    the pool's files up to 1 MiB, one connection (one request at a time: latency
             without queueing), latency from the first byte sent to the last byte of the reply:
             p99(egressmon) - p99(null responder) <= 5 ms

Sanity checks printed with each scenario: egressmon's --stats `icap` counters (no error
statuses, every request decided), the generator's errors (none: every echo byte-exact), and the
alerts: only for files the pool planted a marking in (one pool document in 20), and for each of
those that was sent.
"""
import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILD = os.path.join(ROOT, "build")
EGRESSMON = os.path.join(BUILD, "app", "egressmon")
LOAD = os.path.join(BUILD, "bench", "egressmon_icap_load")
NULL = os.path.join(BUILD, "bench", "egressmon_icap_null_responder")
DEFAULT_RULES = os.path.join(ROOT, "rules", "default.yaml")
SERVER_CPU, LOAD_CPU = "0", "1"
POOL_VERSION = "v1"  # bump when the pool's recipe changes
MIB = 1 << 20


# ----------------------------------------------------------------------------- bodies

def build_pool(cache, seed=1, size=160):
    """document_mix.py's seeded pool written as files (cached); returns (dir, manifest)."""
    root = os.path.join(cache, f"icap-bodies-{POOL_VERSION}-seed{seed}")
    manifest_path = os.path.join(root, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            return root, json.load(f)
    sys.path[:0] = [os.path.join(ROOT, "bench", "workloads"), os.path.join(ROOT, "tests", "gen"),
                    os.path.join(ROOT, "bench")]
    import corpus as corpus_mod
    import document_mix
    print(f"building the document pool ({size} files, seed {seed}) into {root}", flush=True)
    rng = random.Random(f"egressmon-documents-{seed}")  # as document_mix.build()
    docs = document_mix.DocumentFactory(corpus_mod.Corpus(seed), rng).pool(size)
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    manifest = {"files": {}}
    sets = {"all": lambda n: True, "docs-50k-1m": lambda n: 50_000 <= n <= MIB,
            "upto-1m": lambda n: n <= MIB}
    for name in sets:
        os.makedirs(os.path.join(tmp, name))
    for i, d in enumerate(docs):
        fname = f"{i:03d}-{d.name}"
        manifest["files"][fname] = {"bytes": len(d.data), "rules": sorted(d.rules)}
        for set_name, keep in sets.items():
            if keep(len(d.data)):
                with open(os.path.join(tmp, set_name, fname), "wb") as f:
                    f.write(d.data)
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)
    return root, manifest


# ----------------------------------------------------------------------------- processes

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, what, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            sys.exit(f"{what} exited ({proc.returncode}) before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} not listening on {port} after {timeout} s")


def cpu_seconds(pid):
    """User + system CPU seconds of a process, all its threads (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, kind, workdir):
        self.kind, self.workdir = kind, workdir
        self.port = free_port()
        self.alerts = os.path.join(workdir, f"alerts-{kind}-{self.port}.json")
        if kind.startswith("egressmon"):
            args = [EGRESSMON, "--icap", f"127.0.0.1:{self.port}", "--rules", DEFAULT_RULES,
                    "--alerts", self.alerts, "--stats"]
            if kind == "egressmon-noextract":
                cfg = os.path.join(workdir, "extraction-off.yaml")
                with open(cfg, "w") as f:
                    f.write("extraction:\n  enabled: false\n")
                args += ["-c", cfg]
        else:
            args = [NULL, "--listen", f"127.0.0.1:{self.port}"]
        self.stderr = open(os.path.join(workdir, f"{kind}-{self.port}.err"), "w+")
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + args,
                                     stdout=subprocess.DEVNULL, stderr=self.stderr)
        wait_listening(self.port, self.proc, kind)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            sys.exit(f"{self.kind} did not stop on SIGTERM")
        self.stderr.seek(0)
        lines = [ln for ln in self.stderr.read().splitlines() if ln.startswith("{")]
        self.stderr.close()
        if self.proc.returncode != 0 or not lines:
            sys.exit(f"{self.kind} exited {self.proc.returncode} without stats")
        return json.loads(lines[-1])


def run_once(kind, workdir, load_args, duration, warmup):
    server = Server(kind, workdir)
    cpu0 = cpu_seconds(server.proc.pid)
    started = time.perf_counter()
    proc = subprocess.run(["taskset", "-c", LOAD_CPU, LOAD, "--target",
                           f"127.0.0.1:{server.port}", "--duration", str(duration),
                           "--warmup", str(warmup)] + load_args,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    cpu = cpu_seconds(server.proc.pid) - cpu0
    stats = server.stop()
    if proc.returncode not in (0, 3) or not proc.stdout.strip():
        sys.exit(f"load generator failed ({proc.returncode}): {proc.stderr[-2000:]}")
    load = json.loads(proc.stdout.strip().splitlines()[-1])
    load["server_cpu_share"] = cpu / wall  # the whole run, warm-up and drain included
    # What the server did per CPU second it got (the machine is shared: a figure that does not
    # depend on how much of its core the scheduler gave it). Its own counters: every request.
    served = stats["icap"] if kind.startswith("egressmon") else stats
    load["server_cpu_seconds"] = cpu
    load["requests_per_cpu_s"] = served["reqmods"] / cpu if cpu else 0
    load["body_mbps_per_cpu_s"] = served["body_bytes"] * 8 / cpu / 1e6 if cpu else 0
    load["stderr"] = proc.stderr.strip()
    alerts = []
    if kind.startswith("egressmon") and os.path.exists(server.alerts):
        with open(server.alerts) as f:
            alerts = [json.loads(ln) for ln in f if ln.strip()]
        os.unlink(server.alerts)
    return {"load": load, "stats": stats, "alerts": alerts}


# ----------------------------------------------------------------------------- checks

def alert_file_names(alert):
    """The pool file names an alert points at: the uploaded file, the PUT's URL."""
    names = set()
    dlp = alert.get("alert", {}).get("context", {}).get("dlp", {})
    f = dlp.get("file") or {}
    for key in ("name", "path"):
        if f.get(key):
            names.update(p for p in str(f[key]).replace("\\", "/").split("/") if p)
    url = alert.get("http", {}).get("url", "")
    if url:
        names.add(url.rsplit("/", 1)[-1])
    return names


def check_alerts(alerts, manifest, sent_files):
    """Alerts only for planted files; every planted file that was sent alerted. -> (ok, text)."""
    planted = {n for n, m in manifest["files"].items() if m["rules"]}
    hit, stray = set(), []
    for a in alerts:
        names = alert_file_names(a) & set(manifest["files"])
        if names & planted:
            hit |= names & planted
        else:
            stray.append((a.get("alert", {}).get("signature_id"), sorted(alert_file_names(a))))
    want = planted & set(sent_files)
    missing = want - hit
    ok = not stray and not missing
    text = (f"alerts {len(alerts)}: planted files alerting {len(hit)}/{len(want)} sent"
            + (f", MISSING {sorted(missing)[:3]}" if missing else "")
            + (f", STRAY {stray[:3]}" if stray else ""))
    return ok, text


ICAP_ERRORS = ("bad_requests", "client_aborts", "header_too_large", "unknown_services", "unknown_methods",
               "bad_versions", "write_errors", "header_timeouts", "decision_timeouts",
               "body_over_limit", "buffer_over_limit", "bound_allowed", "bound_blocked")


def check_icap_stats(icap):
    bad = {k: icap[k] for k in ICAP_ERRORS if icap.get(k)}
    decided = icap["allowed_204"] + icap["allowed_echo"] + icap["blocked"]
    # The generator lets requests in flight finish before it closes: every one is decided.
    ok = not bad and decided == icap["reqmods"] and not icap["client_aborts"]
    text = (f"icap: reqmods {icap['reqmods']}, 204 {icap['allowed_204']}, echo "
            f"{icap['allowed_echo']}, blocked {icap['blocked']}, aborted "
            f"{icap['client_aborts']}" + (f", ERRORS {bad}" if bad else ""))
    return ok, text


# ----------------------------------------------------------------------------- scenarios

def scenario_runs(name, load_args, args, workdir, kinds=("null", "egressmon")):
    runs = {k: [] for k in kinds}
    for r in range(args.repeats):
        for kind in kinds:
            res = run_once(kind, workdir, load_args, args.duration, args.warmup)
            runs[kind].append(res)
            ld = res["load"]
            print(f"  [{name} {r + 1}/{args.repeats}] {kind:19} {ld['requests_per_s']:9.0f} req/s "
                  f"{ld['body_mbps']:8.1f} Mbit/s p50 {ld['latency_us']['p50'] / 1e3:6.2f} ms "
                  f"p99 {ld['latency_us']['p99'] / 1e3:6.2f} ms errors {ld['errors']} server "
                  f"cpu {ld['server_cpu_share']:.2f} load cpu "
                  f"{ld['generator_cpu_share']:.2f}", flush=True)
    return runs


def med(runs, fn):
    return statistics.median(fn(r) for r in runs)


def report(name, runs, figure, unit, fmt, target_text, passed_fn, manifest, sent_files):
    e, n = runs["egressmon"], runs["null"]
    fe, fn = med(e, figure), med(n, figure)
    result = {"scenario": name, "egressmon": fe, "null": fn, "unit": unit,
              "ratio": fe / fn if fn else None,
              "runs": {"egressmon": [figure(r) for r in e], "null": [figure(r) for r in n]}}
    ok = passed_fn(fe, fn)
    result["pass"] = ok
    print(f"\n{name}: egressmon {fmt(fe)} {unit}, null responder {fmt(fn)} {unit}, ratio "
          f"{fe / fn:.3f}; target {target_text}: {'PASS' if ok else 'FAIL'}")
    print(f"  runs egressmon {', '.join(fmt(figure(r)) for r in e)}; "
          f"null {', '.join(fmt(figure(r)) for r in n)}")
    x = runs.get("egressmon-noextract")
    if x:
        fx = med(x, figure)
        result["egressmon_extraction_off"] = fx
        print(f"  egressmon with extraction off (-c extraction.enabled: false): {fmt(fx)} {unit} "
              f"(runs {', '.join(fmt(figure(r)) for r in x)}); ratio to null {fx / fn:.3f}")
    for label, key in (("latency", "latency_us"), ("latency 204", "latency_204_us"),
                       ("latency echo", "latency_echo_us")):
        if not e[0]["load"][key]["n"]:
            continue
        parts = []
        for q in ("p50", "p99", "max"):
            parts.append(f"{q} {med(e, lambda r: r['load'][key][q]) / 1e3:.2f}/"
                         f"{med(n, lambda r: r['load'][key][q]) / 1e3:.2f}")
        print(f"  {label} ms (egressmon/null, medians): {', '.join(parts)}")
    for label, key in (("req/s", "requests_per_s"), ("body Mbit/s", "body_mbps"),
                       ("req per server CPU second", "requests_per_cpu_s"),
                       ("body Mbit per server CPU second", "body_mbps_per_cpu_s"),
                       ("server cpu share", "server_cpu_share"),
                       ("generator cpu share", "generator_cpu_share")):
        print(f"  {label}: egressmon {med(e, lambda r: r['load'][key]):.2f}, "
              f"null {med(n, lambda r: r['load'][key]):.2f}")
    sane = True
    errors = [(k, r["load"]["errors"], r["load"]["error_kinds"]) for k in runs for r in runs[k]
              if r["load"]["errors"]]
    if errors:
        sane = False
        print(f"  GENERATOR ERRORS: {errors[:4]}")
    for r in e + (x or []):
        if r in (x or []):
            ok_s, text = check_icap_stats(r["stats"]["icap"])
            print(f"  sanity (extraction off) {'ok' if ok_s else 'FAILED'}: {text}; "
                  f"alerts {len(r['alerts'])}")
            sane &= ok_s
            continue
        ok_s, text = check_icap_stats(r["stats"]["icap"])
        ok_a, atext = (True, f"alerts {len(r['alerts'])}")
        if manifest is not None:
            ok_a, atext = check_alerts(r["alerts"], manifest, sent_files)
        elif r["alerts"]:
            ok_a, atext = False, f"alerts {len(r['alerts'])} (none expected)"
        sane &= ok_s and ok_a
        print(f"  sanity {'ok' if ok_s and ok_a else 'FAILED'}: {text}; {atext}")
    result["sane"] = sane
    result["medians"] = {k: {"requests_per_s": med(v, lambda r: r["load"]["requests_per_s"]),
                             "body_mbps": med(v, lambda r: r["load"]["body_mbps"]),
                             "latency_us": {q: med(v, lambda r: r["load"]["latency_us"][q])
                                            for q in ("p50", "p90", "p99", "max")},
                             "server_cpu_share": med(v, lambda r: r["load"]["server_cpu_share"]),
                             "requests_per_cpu_s":
                                 med(v, lambda r: r["load"]["requests_per_cpu_s"]),
                             "body_mbps_per_cpu_s":
                                 med(v, lambda r: r["load"]["body_mbps_per_cpu_s"]),
                             "generator_cpu_share":
                                 med(v, lambda r: r["load"]["generator_cpu_share"])}
                         for k, v in runs.items()}
    result["icap_stats_last"] = e[-1]["stats"]["icap"]
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--duration", type=float, default=6.0, help="seconds per run (with warm-up)")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds not counted")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/egressmon"))
    ap.add_argument("--only", default="small,documents,latency")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    for b in (EGRESSMON, LOAD, NULL):
        if not os.access(b, os.X_OK):
            sys.exit(f"{b} missing: build with -DEGRESSMON_BUILD_BENCH=ON")
    if not shutil.which("taskset"):
        sys.exit("taskset (util-linux) is needed")
    if os.cpu_count() < 2:
        sys.exit("needs 2 cores: the service on one, the load generator on the other")
    pool, manifest = build_pool(args.cache)
    only = set(args.only.split(","))
    results = []
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}; server on CPU {SERVER_CPU}, load generator on CPU {LOAD_CPU}; "
          f"{args.repeats} repeats x {args.duration} s ({args.warmup} s warm-up)", flush=True)
    with tempfile.TemporaryDirectory(prefix="icap-bench-") as workdir:
        if "small" in only:
            runs = scenario_runs("small", ["--small", "300", "--connections", "32"], args,
                                 workdir)
            results.append(report("small: 300-byte form POSTs, 32 connections",
                                  runs, lambda r: r["load"]["requests_per_s"], "req/s",
                                  lambda v: f"{v:,.0f}", ">= 5,000 req/s per core",
                                  lambda e, n: e >= 5000, None, []))
        if "documents" in only:
            d = os.path.join(pool, "docs-50k-1m")
            files = sorted(os.listdir(d))
            sizes = [manifest["files"][f]["bytes"] for f in files]
            print(f"\ndocuments: {len(files)} files, {sum(sizes) / 1e6:.1f} MB, "
                  f"{min(sizes):,}-{max(sizes):,} bytes, "
                  f"{sum(s <= 65536 for s in sizes)} of them <= 64 KiB (Allow: 204)")
            runs = scenario_runs("documents", ["--bodies", d, "--connections", "4"], args,
                                 workdir, ("null", "egressmon", "egressmon-noextract"))
            results.append(report("documents: docx/xlsx/pdf/zip 50 KB-1 MiB, 4 connections",
                                  runs, lambda r: r["load"]["body_mbps"], "Mbit/s",
                                  lambda v: f"{v:,.0f}", ">= 1,000 Mbit/s of bodies per core",
                                  lambda e, n: e >= 1000, manifest, files))
        if "latency" in only:
            d = os.path.join(pool, "upto-1m")
            files = sorted(os.listdir(d))
            runs = scenario_runs("latency", ["--bodies", d, "--connections", "1"], args,
                                 workdir, ("null", "egressmon", "egressmon-noextract"))
            res = report("latency: the pool's files up to 1 MiB, 1 connection (p99 ms)",
                         runs, lambda r: r["load"]["latency_us"]["p99"] / 1e3, "ms",
                         lambda v: f"{v:.2f}", "p99 added over the null responder <= 5 ms",
                         lambda e, n: e - n <= 5.0, manifest, files)
            print(f"  added at p99: {res['egressmon'] - res['null']:.2f} ms (extraction off: "
                  f"{res['egressmon_extraction_off'] - res['null']:.2f} ms)")
            results.append(res)
    print("\nsummary")
    for r in results:
        print(f"  {'PASS' if r['pass'] else 'FAIL'}{'' if r['sane'] else ' (SANITY FAILED)'}  "
              f"{r['scenario']}: egressmon {r['egressmon']:,.2f} {r['unit']}, null "
              f"{r['null']:,.2f}, ratio {r['ratio']:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"commit": commit, "args": vars(args), "results": results}, f, indent=1)
    return 0 if all(r["sane"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
