#!/usr/bin/env python3
"""The macro benchmark of the performance issue: one run, the same files, one table.

    python3 bench/macro_bench.py [--repeats 3] [--cache DIR] [--workers N] [--documents-only]
                                 [--policy-only] [--merged-only] [--suricata-only]

Workloads come from bench/workloads/make_workloads.py (made on first use, cached). For each
rule set (10, 250 and 2,500 keywords x 4 encodings + 20 regexes) on the realistic egress mix:
egressmon end to end with 1 worker and with every core, beside the two ceilings on the same bytes
(a bare libpcap read loop; Hyperscan's stream-mode scan of the same payload with the same
database) and Debian's ndpiReader on the same capture. Then the shared nDPI captures merged into
one file (egressmon with the default rules vs ndpiReader), the 64-byte small-packet stress, and
memory per flow. Last, "Documents: extraction on vs off": the document-heavy mix (documents.pcap,
~50% of upload bytes in docx/xlsx/pdf/zip) and the realistic mix, each with document extraction on
(the default configuration) and off (`-c` a file holding `extraction: enabled: false`), the two
alternating run by run (--documents-only runs just that section). Last, "Egress policy": the
realistic mix with the default rules, with rules/egress-policy.yaml added, and with a volume rule
over every egress byte added too, taking turns (--policy-only runs just that). Every figure is the median of
--repeats runs; ratios are taken within this run.
Throughput is the pipeline's own (`--stats` elapsed_seconds: capture to last record, without
process start-up and rule compilation, which is reported separately). Against ndpiReader, ratios
compare like with like only: whole process against whole process (packets over wall time,
start-up included on both sides), or egressmon's pipeline figure against ndpiReader's own engine
figure ("nDPI throughput", its capture loop); the merged shared captures are repeated 20 times
(--merged-only runs just that) so that start-up does not decide the process comparison.
Issue 16's targets are printed at the end with the rest: 1 worker against the Hyperscan ceiling
(1,000 and 10,000 patterns), peak RSS with 10,000 patterns, the merged captures x20 against
ndpiReader, and, last, Suricata 8.0.6 side by side (bench/suricata_peer.py; --suricata-only runs
just that; skipped with a line when ../shared lacks the peer).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILD = os.path.join(ROOT, "build")
EGRESSMON = os.path.join(BUILD, "app", "egressmon")
PCAP_CEILING = os.path.join(BUILD, "bench", "egressmon_pcap_ceiling")
HS_CEILING = os.path.join(BUILD, "bench", "egressmon_hyperscan_ceiling")
DEFAULT_RULES = os.path.join(ROOT, "rules", "default.yaml")


def run_measured(args):
    """Runs a command; returns (wall seconds, peak RSS in KiB, stdout, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    # communicate() reaped the child; its rusage is folded into RUSAGE_CHILDREN, so measure
    # peak RSS through /usr/bin/time-like wait4 instead when asked (see peak_rss).
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(args)}\n{err[-2000:]}")
    return wall, out, err


def peak_rss_kib(args):
    """Peak RSS of one run of `args` (wait4's rusage of that child alone)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execv(args[0], args)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(args)}")
    return usage.ru_maxrss


def median_of(repeats, fn):
    values = [fn() for _ in range(repeats)]
    return statistics.median(values), values


def egressmon_stats(args):
    _, _, err = run_measured(args)
    return json.loads(err.strip().splitlines()[-1])


def egressmon_args(capture, workers, rules, extra=()):
    args = [EGRESSMON, "-r", capture, "--workers", str(workers), "--alerts", os.devnull, "--stats"]
    for r in rules:
        args += ["--rules", r]
    return args + list(extra)


def egressmon_once(args):
    wall, _, err = run_measured(args)
    s = json.loads(err.strip().splitlines()[-1])
    return s["elapsed_seconds"], wall, s


def egressmon_median(results):
    """The run of median pipeline time: throughput (Gbit/s, Mpps), wall time with start-up."""
    runs_gbps = [r[2]["bytes"] * 8 / r[0] / 1e9 for r in results]  # in run order
    results = sorted(results, key=lambda r: r[0])
    elapsed, wall, s = results[len(results) // 2]
    return {"gbps": s["bytes"] * 8 / elapsed / 1e9, "mpps": s["packets"] / elapsed / 1e6,
            "elapsed": elapsed, "wall": wall, "startup": wall - elapsed, "stats": s,
            "runs_gbps": runs_gbps}


def egressmon_run(capture, workers, rules, repeats, extra=()):
    """Median pipeline throughput (Gbit/s, Mpps) and the wall time including start-up."""
    args = egressmon_args(capture, workers, rules, extra)
    return egressmon_median([egressmon_once(args) for _ in range(repeats)])


def egressmon_ab(capture, workers, rules, variants, repeats):
    """Like egressmon_run for each of ``variants`` ({name: extra args}), the variants taking
    turns run by run so that drift in the machine's load falls on all of them alike."""
    results = {name: [] for name in variants}
    for _ in range(repeats):
        for name, extra in variants.items():
            results[name].append(egressmon_once(egressmon_args(capture, workers, rules, extra)))
    return {name: egressmon_median(r) for name, r in results.items()}


EXTRACTION_OFF = "extraction:\n  enabled: false\n"
DOC_TARGET = 0.75  # documents: extraction costs at most 25% of throughput
MIX_TOLERANCE = 0.95  # existing mix: "nothing", within the +-5% run-to-run noise of this VM


def documents_section(wl, mix, workers, n):
    """Document extraction on vs off on the document mix and on the realistic mix; targets."""
    docs = os.path.join(wl, "documents.pcap")
    try:
        with open(docs + ".manifest.json") as f:
            manifest = json.load(f)["stats"]
    except (OSError, ValueError, KeyError):
        manifest = {}
    off_cfg = os.path.join(wl, "extraction-off.yaml")
    with open(off_cfg, "w") as f:
        f.write(EXTRACTION_OFF)
    variants = {"on": [], "off": ["-c", off_cfg]}
    print(f"\nDocuments: extraction on vs off (default rules; off = -c {off_cfg}: "
          f"extraction.enabled false)")
    if manifest:
        print(f"document mix: {docs} ({manifest['bytes'] / 1e6:.0f} MB of frames, "
              f"{manifest['packets']:,} packets, {manifest['flows']:,} flows); documents are "
              f"{manifest['document_share_of_upload_bytes']:.1%} of the "
              f"{manifest['upload_payload_bytes'] / 1e6:.0f} MB of upload payload")
    row("run", "on Mbit/s", "off Mbit/s", "on/off", "alerts on/off", "target",
        widths=(36, 10, 10, 7, 13, 22))
    targets = []
    expected = manifest.get("expected_alerts_at_least", {})
    for label, capture, need in (("document mix", docs, DOC_TARGET),
                                 ("realistic mix", mix, MIX_TOLERANCE)):
        for w in sorted({1, workers}):
            r = egressmon_ab(capture, w, [DEFAULT_RULES], variants, n)
            on, off = r["on"], r["off"]
            ratio = on["gbps"] / off["gbps"]
            ok = ratio >= need
            alerts = f"{on['stats']['alerts']}/{off['stats']['alerts']}"
            row(f"{label}, {w} worker{'s' if w > 1 else ''}", f"{on['gbps'] * 1e3:.0f}",
                f"{off['gbps'] * 1e3:.0f}", f"{ratio:.2f}", alerts,
                f"{'PASS' if ok else 'FAIL'} (>= {need:.2f})", widths=(36, 10, 10, 7, 13, 22))
            pairs = [a / b for a, b in zip(on["runs_gbps"], off["runs_gbps"])]
            print(f"{'':36}  runs on {', '.join(f'{g * 1e3:.0f}' for g in on['runs_gbps'])}; "
                  f"off {', '.join(f'{g * 1e3:.0f}' for g in off['runs_gbps'])} Mbit/s; "
                  f"on/off run by run {', '.join(f'{p:.2f}' for p in pairs)}")
            what = ("document mix: extraction on >= 0.75 x off (costs at most 25%)"
                    if capture == docs else
                    "realistic mix: extraction on >= 0.95 x off (\"nothing\", 5% noise tolerance)")
            targets.append((f"{what}, {w} worker{'s' if w > 1 else ''}", ok, f"{ratio:.2f}"))
            if capture == docs and w == 1 and expected:
                want_on = expected.get("rules/default.yaml", 0)
                want_off = expected.get("rules/default.yaml, extraction off", 0)
                got_on, got_off = on["stats"]["alerts"], off["stats"]["alerts"]
                print(f"{'':36}  alerts: on {got_on} (generator: >= {want_on}), off {got_off} "
                      f"(generator: >= {want_off}, the planted strings outside documents)")
                targets.append(("document mix: extraction on finds the documents' markings, "
                                "off does not", got_on >= want_on and got_off < got_on,
                                f"alerts on {got_on} (>= {want_on}), off {got_off}"))
    return targets


POLICY_RULES = os.path.join(ROOT, "rules", "egress-policy.yaml")
POLICY_TARGET = 0.95  # issue 14: the mix with the egress policy added keeps >= 95%
# The worst case for the volume ledger: every egress payload byte of the mix is added to it.
EVERY_EGRESS_BYTE = ("rules:\n  - id: 3900\n    name: any bulk egress\n"
                     "    volume: {bytes: 1099511627776, window: 3600}\n")


def cpu_seconds_of(args):
    """Process CPU time (user + system, every thread) of one run: on this shared VM it varies
    far less run to run than throughput does, so it is the steadier figure for a small cost."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_measured(args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def policy_section(wl, mix, workers, n):
    """The realistic mix with the default rules, then with rules/egress-policy.yaml added, then
    with a volume rule over every egress byte added too, taking turns run by run; targets.
    Throughput (pipeline) and, as the steadier figure, whole-process CPU seconds of 1-worker
    runs, each variant against the default rules in the same run."""
    every = os.path.join(wl, "volume-every-egress-byte.yaml")
    with open(every, "w") as f:
        f.write(EVERY_EGRESS_BYTE)
    variants = {"default": [], "policy": ["--rules", POLICY_RULES],
                "policy+every": ["--rules", POLICY_RULES, "--rules", every]}
    cpu = {name: [] for name in variants}
    for _ in range(n):
        for name, extra in variants.items():
            cpu[name].append(cpu_seconds_of(egressmon_args(mix, 1, [DEFAULT_RULES], extra)))
    cpu = {name: statistics.median(v) for name, v in cpu.items()}
    print(f"\nEgress policy, CPU seconds of the whole process (1 worker, median of {n}): "
          f"default {cpu['default']:.2f}, + policy {cpu['policy']:.2f} "
          f"({cpu['default'] / cpu['policy']:.3f}x the work rate), + every egress byte in a "
          f"volume rule {cpu['policy+every']:.2f} ({cpu['default'] / cpu['policy+every']:.3f}x)")
    print(f"\nEgress policy: default rules, + {os.path.relpath(POLICY_RULES, ROOT)}, + a volume "
          f"rule over every egress byte ({every})")
    row("run", "default", "+policy", "ratio", "+every byte", "ratio", "target",
        widths=(24, 9, 9, 6, 12, 6, 18))
    targets = []
    for w in sorted({1, workers}):
        r = egressmon_ab(mix, w, [DEFAULT_RULES], variants, n)
        base, pol, every_r = r["default"], r["policy"], r["policy+every"]
        ratio = pol["gbps"] / base["gbps"]
        ratio_every = every_r["gbps"] / base["gbps"]
        ok = ratio >= POLICY_TARGET
        row(f"realistic mix, {w} worker{'s' if w > 1 else ''}", f"{base['gbps']:.2f}",
            f"{pol['gbps']:.2f}", f"{ratio:.2f}", f"{every_r['gbps']:.2f}", f"{ratio_every:.2f}",
            f"{'PASS' if ok else 'FAIL'} (>= {POLICY_TARGET:.2f})", widths=(24, 9, 9, 6, 12, 6, 18))
        for name, res in r.items():
            p = res["stats"].get("policy", {})
            print(f"{'':24}  {name}: runs {', '.join(f'{g:.2f}' for g in res['runs_gbps'])} "
                  f"Gbit/s; alerts {res['stats']['alerts']}; volume flows "
                  f"{p.get('volume_flows', 0)}, volume alerts {p.get('volume_alerts', 0)}")
        targets.append((f"realistic mix + egress policy >= 0.95 x without, {w} worker"
                        f"{'s' if w > 1 else ''}, throughput", ok, f"{ratio:.2f} (every egress "
                        f"byte in a volume rule: {ratio_every:.2f})"))
    cpu_ratio = cpu["default"] / cpu["policy"]
    targets.append(("realistic mix + egress policy >= 0.95 x without, CPU seconds per run "
                    "(1 worker)", cpu_ratio >= POLICY_TARGET,
                    f"{cpu_ratio:.3f} (every egress byte in a volume rule: "
                    f"{cpu['default'] / cpu['policy+every']:.3f})"))
    return targets


def json_tool(args, repeats):
    _, out, _ = run_measured(args + ["--repeat", str(repeats)])
    return json.loads(out.strip().splitlines()[-1])


def parse_ndpi_throughput(text):
    """ndpiReader's own engine figure, "nDPI throughput: 16.75 K pps / 24.21 Mb/sec", in
    packets/s: the packets over the time of its capture loop, start-up and teardown excluded."""
    for line in text.splitlines():
        if "nDPI throughput:" not in line:
            continue
        words = line.split(":", 1)[1].split()
        value, scale = float(words[0]), {"K": 1e3, "M": 1e6, "G": 1e9}.get(words[1], 1)
        return value * scale
    raise ValueError("ndpiReader printed no 'nDPI throughput' line")


def ndpireader_run(capture, packets, repeats):
    """ndpiReader on `capture`, median of `repeats`: {"wall_pps": packets over the whole process
    (start-up included, as a user sees it), "wall": seconds, "engine_pps": its own "nDPI
    throughput" figure}. The two are compared only with egressmon's figure of the same kind."""
    def once():
        wall, out, err = run_measured(["ndpiReader", "-i", capture, "-v", "0"])
        return wall, parse_ndpi_throughput(out + err)
    runs = [once() for _ in range(repeats)]
    wall = statistics.median(r[0] for r in runs)
    return {"wall_pps": packets / wall, "wall": wall,
            "engine_pps": statistics.median(r[1] for r in runs)}


def repeated_capture(wl, merged, times=20):
    """The merged shared captures `times` over (each copy an hour after the last), written once
    into the cache: 43 k packets take a fraction of a second, where process start-up would decide
    a whole-process comparison."""
    path = os.path.join(wl, f"shared-merged-x{times}.pcap")
    if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(merged):
        sys.path.insert(0, os.path.join(ROOT, "bench", "workloads"))
        import merge_captures
        merge_captures.repeat(merged, path + ".tmp", times)
        os.replace(path + ".tmp", path)
    return path


def ensure_workloads(cache, which=None):
    maker = os.path.join(ROOT, "bench", "workloads", "make_workloads.py")
    subprocess.run([sys.executable, maker, "--cache", cache]
                   + (["--which", which] if which else []), check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(cache, "workloads") if os.path.isdir(os.path.join(cache, "workloads")) \
        else cache


def compile_rules_file(wl, n=10_000):
    """A rule file of n keywords (x 4 encodings) + the 20 regexes, from the workload generator's
    own keyword list (written once into the cache); only start-up time is measured with it."""
    path = os.path.join(wl, f"rules-{n}.yaml")
    if not os.path.exists(path):
        sys.path.insert(0, os.path.join(ROOT, "bench", "workloads"))
        import corpus as corpus_mod
        import rulesets
        text = rulesets.rules_yaml(1, rulesets.keywords(1, n, corpus_mod.VOCABULARY))
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    return path


def dns_flows_capture(wl, flows=1_000_000):
    """1 M DNS flows, each a query then its response, all left open: nDPI recognises DNS on the
    response and frees its state there, so peak RSS shows what a flow costs once its
    classification is over. Written once into the cache."""
    path = os.path.join(wl, f"dns-flows-{flows}.v2.pcap")
    if os.path.exists(path):
        return path
    sys.path.insert(0, os.path.join(ROOT, "bench", "workloads"))
    import struct
    from fastpcap import ip_bytes, udp_packet
    eth_out = bytes.fromhex("3cfdfeb80002001b21a400010800")
    eth_in = bytes.fromhex("001b21a400013cfdfeb800020800")
    resolver = ip_bytes((8 << 24) | (8 << 16) | (8 << 8) | 8)
    rec = struct.Struct("<IIII")
    question = b"\x01a\x07example\x03com\x00\x00\x01\x00\x01"
    answer = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04" + bytes([93, 184, 216, 34])
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        chunk = []
        for i in range(flows):
            client = ip_bytes((10 << 24) | (i // 50000 + 1) << 16 | (i % 50000) // 250 << 8
                              | (i % 250 + 1))
            sport = 1024 + i % 60000
            query = struct.pack(">HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + question
            reply = struct.pack(">HHHHHH", i & 0xFFFF, 0x8180, 1, 1, 0, 0) + question + answer
            ts = 1_795_000_000 + i // 1_000_000
            for frame in (udp_packet(eth_out, client, resolver, sport, 53, query, i & 0xFFFF, 64),
                          udp_packet(eth_in, resolver, client, 53, sport, reply, i & 0xFFFF, 57)):
                chunk.append(rec.pack(ts, i % 1_000_000, len(frame), len(frame)) + frame)
            if len(chunk) >= 65536:
                f.write(b"".join(chunk))
                chunk.clear()
        f.write(b"".join(chunk))
    os.replace(path + ".tmp", path)
    return path


def merged_section(capture, workers, n):
    """The shared nDPI captures merged and repeated 20 times, default rules, against ndpiReader:
    whole process against whole process (packets over wall time, start-up included on both
    sides), and egressmon's pipeline (--stats elapsed) against ndpiReader's own "nDPI
    throughput" (its capture loop). Never one kind against the other."""
    m_pcap = json_tool([PCAP_CEILING, capture], n)
    packets = m_pcap["packets"]
    nd = ndpireader_run(capture, packets, n)
    print(f"\nshared nDPI captures merged, 20 copies: {packets:,} packets")
    row("run", "process Mpps", "x ndpiR", "engine Mpps", "x ndpiR", widths=(44, 13, 8, 12, 8))
    row("ndpiReader 4.2", f"{nd['wall_pps'] / 1e6:.3f}", "1.00", f"{nd['engine_pps'] / 1e6:.3f}",
        "1.00", widths=(44, 13, 8, 12, 8))
    ratios = {}
    for w in sorted({1, workers}):
        r = egressmon_run(capture, w, [DEFAULT_RULES], n)
        process_pps = packets / r["wall"]
        ratios[w] = (process_pps / nd["wall_pps"], r["mpps"] * 1e6 / nd["engine_pps"])
        row(f"egressmon {w} worker{'s' if w > 1 else ''}, default rules",
            f"{process_pps / 1e6:.3f}", f"{ratios[w][0]:.2f}", f"{r['mpps']:.3f}",
            f"{ratios[w][1]:.2f}", widths=(44, 13, 8, 12, 8))
        print(f"{'':44}  wall {r['wall']:.2f} s, of which start-up {r['startup']:.2f} s "
              f"(ndpiReader wall {nd['wall']:.2f} s)")
    return [("merged shared captures x20: process pps >= 1.5x ndpiReader's (default rules, "
             "1 worker)", ratios[1][0] >= 1.5,
             f"{ratios[1][0]:.2f}x (engine vs engine {ratios[1][1]:.2f}x)")]


def row(*cols, widths=(44, 12, 10, 12)):
    print("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                    for i, (c, w) in enumerate(zip(cols, widths))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", default=os.environ.get(
        "EGRESSMON_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "egressmon")))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--documents-only", action="store_true",
                    help="run only the section \"Documents: extraction on vs off\"")
    ap.add_argument("--policy-only", action="store_true",
                    help="run only the section \"Egress policy\" (issue 14's speed check)")
    ap.add_argument("--merged-only", action="store_true",
                    help="run only the merged shared captures x20 against ndpiReader")
    ap.add_argument("--suricata-only", action="store_true",
                    help="run only the section \"Suricata side by side\" (bench/suricata_peer.py)")
    args = ap.parse_args()
    if args.suricata_only:  # issue 16: Suricata 8.0.6 as a peer; skips when it is absent
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import suricata_peer
        print(f"egressmon macro benchmark, Suricata section: {os.cpu_count()} cores, median of "
              f"{args.repeats} runs")
        print_targets(suricata_peer.section(ensure_workloads(args.cache, "rules,mix,documents"),
                                            args.repeats))
        return
    only = args.documents_only or args.policy_only
    tools = (EGRESSMON,) if only else (EGRESSMON, PCAP_CEILING, HS_CEILING)
    for tool in tools:
        if not os.path.exists(tool):
            sys.exit(f"missing {tool}: build first (cmake --build build)")
    wl = ensure_workloads(args.cache, "documents,mix" if args.documents_only else
                          "mix" if args.policy_only else "merged" if args.merged_only else None)
    mix = os.path.join(wl, "egress-mix.pcap")
    if args.merged_only:
        merged = os.path.join(wl, "shared-merged.pcap")
        if not os.path.exists(merged):
            sys.exit(f"no {merged}: ../shared/pcaps/ndpi is absent")
        print(f"egressmon macro benchmark, merged captures section: {os.cpu_count()} cores, "
              f"median of {args.repeats} runs")
        print_targets(merged_section(repeated_capture(wl, merged), args.workers, args.repeats))
        return
    if args.policy_only:
        print(f"egressmon macro benchmark, egress policy section: {os.cpu_count()} cores, "
              f"median of {args.repeats} runs")
        print_targets(policy_section(wl, mix, args.workers, args.repeats))
        return
    if args.documents_only:
        print(f"egressmon macro benchmark, documents section: {os.cpu_count()} cores, median of "
              f"{args.repeats} runs")
        print_targets(documents_section(wl, mix, args.workers, args.repeats))
        return
    small = os.path.join(wl, "small-packets.pcap")
    merged = os.path.join(wl, "shared-merged.pcap")
    rule_sets = [("10 keywords", os.path.join(wl, "rules-10.yaml")),
                 ("250 keywords", os.path.join(wl, "rules-250.yaml")),
                 ("2,500 keywords", os.path.join(wl, "rules-2500.yaml"))]
    n = args.repeats
    print(f"egressmon macro benchmark: {os.cpu_count()} cores, median of {n} runs")

    pcap = json_tool([PCAP_CEILING, mix], n)
    print(f"\nrealistic mix: {mix} ({pcap['frame_bytes'] / 2**30:.2f} GiB of frames, "
          f"{pcap['packets']:,} packets, mean {pcap['frame_bytes'] / pcap['packets']:.0f} B)")
    nd = ndpireader_run(mix, pcap["packets"], n)
    row("run", "Gbit/s", "Mpps", "vs ceiling")
    row("libpcap read loop (ceiling 1)", f"{pcap['gbps']:.2f}", f"{pcap['mpps']:.2f}", "")
    row("ndpiReader 4.2 (classification), process", f"{pcap['frame_bytes'] * 8 / nd['wall'] / 1e9:.2f}",
        f"{nd['wall_pps'] / 1e6:.2f}", "")
    row("ndpiReader 4.2, its 'nDPI throughput'", "", f"{nd['engine_pps'] / 1e6:.2f}", "")
    targets = []
    for label, rules in rule_sets:
        hs = json_tool([HS_CEILING, mix, "--rules", rules], n)
        one = egressmon_run(mix, 1, [rules], n)
        many = egressmon_run(mix, args.workers, [rules], n)
        ratio = one["gbps"] / hs["gbps_of_frames"]
        row(f"Hyperscan stream scan, {label} ({hs['patterns']} patterns) (ceiling 2)",
            f"{hs['gbps_of_frames']:.2f}", "", "")
        row(f"egressmon 1 worker, {label}", f"{one['gbps']:.2f}", f"{one['mpps']:.2f}",
            f"{ratio:.0%}")
        row(f"egressmon {args.workers} workers, {label}", f"{many['gbps']:.2f}",
            f"{many['mpps']:.2f}", f"{many['gbps'] / args.workers / hs['gbps_of_frames']:.0%}/core")
        print(f"{'':44}  start-up incl. rule compilation: {one['startup']:.2f} s; "
              f"alerts {one['stats']['alerts']}")
        if not label.startswith("10 "):  # issue 16: 1,000 and 10,000 patterns (x 4 encodings)
            targets.append((f"mix, {label} x 4 encodings: 1 worker >= 50% of the Hyperscan "
                            "stream-scan ceiling", ratio >= 0.50, f"{ratio:.0%}"))
        if label.startswith("2,500"):
            # Issue 16: peak RSS of one worker on the mix with 10,000 patterns, documents and the
            # egress policy on (as in the Suricata rows), against 128 MiB.
            rss = peak_rss_kib([EGRESSMON, "-r", mix, "--workers", "1", "--rules", rules,
                                "--rules", POLICY_RULES, "--alerts", os.devnull]) / 1024
            print(f"{'':44}  peak RSS, 1 worker, + rules/egress-policy.yaml: {rss:.0f} MiB")
            targets.append((f"mix, {label} x 4 encodings: peak RSS <= 128 MiB (1 worker, "
                            "documents and policy on)", rss <= 128, f"{rss:.0f} MiB"))
        if label.startswith("250"):
            # Like with like: process against process (start-up included on both sides), and
            # egressmon's pipeline against ndpiReader's own engine figure.
            one_wall_pps = one["stats"]["packets"] / one["wall"]
            faster = one_wall_pps / nd["wall_pps"]
            engine = one["mpps"] * 1e6 / nd["engine_pps"]
            print(f"{'':44}  1 worker vs ndpiReader: process {faster:.2f}x "
                  f"({one_wall_pps / 1e6:.2f} vs {nd['wall_pps'] / 1e6:.2f} Mpps), "
                  f"engine {engine:.2f}x ({one['mpps']:.2f} vs {nd['engine_pps'] / 1e6:.2f})")
            targets.append(("mix, 1,000 patterns: faster than ndpiReader (process pps, 1 worker)",
                            faster > 1.0, f"{faster:.2f}x (engine vs engine {engine:.2f}x)"))

    if os.path.exists(merged):
        targets += merged_section(repeated_capture(wl, merged), args.workers, n)

    s_one = egressmon_run(small, 1, [DEFAULT_RULES], n)
    s_flows = s_one["stats"]["flows"]
    print(f"\n64-byte stress: {s_one['stats']['packets']:,} packets, {s_flows:,} flows")
    row("egressmon 1 worker, default rules", f"{s_one['gbps']:.2f}", f"{s_one['mpps']:.2f}", "")
    targets.append(("64-byte stress: >= 3 Mpps per worker core", s_one["mpps"] >= 3,
                    f"{s_one['mpps']:.2f} Mpps"))

    base_rss = peak_rss_kib([EGRESSMON, "-r", os.path.join(ROOT, "samples", "sample.pcap"),
                             "--workers", "1", "--rules", DEFAULT_RULES, "--alerts", os.devnull])
    rss = peak_rss_kib([EGRESSMON, "-r", small, "--workers", "1", "--rules", DEFAULT_RULES,
                        "--alerts", os.devnull, "--max-flows", str(2 * s_flows)])
    per_flow = (rss - base_rss) * 1024 / s_flows
    print(f"peak RSS {rss / 1024:.0f} MiB (baseline {base_rss / 1024:.0f} MiB): "
          f"{per_flow:.0f} B per concurrent flow while nDPI classifies it")
    targets.append(("memory: <= 1.5 KiB per flow while nDPI classifies", per_flow <= 1536,
                    f"{per_flow:.0f} B"))
    dns = dns_flows_capture(wl)
    dns_stats = egressmon_stats([EGRESSMON, "-r", dns, "--workers", "1", "--rules", DEFAULT_RULES,
                                 "--alerts", os.devnull, "--stats", "--max-flows", "2000000"])
    dns_rss = peak_rss_kib([EGRESSMON, "-r", dns, "--workers", "1", "--rules", DEFAULT_RULES,
                            "--alerts", os.devnull, "--max-flows", "2000000"])
    done_flows = dns_stats["flows"]
    per_done = (dns_rss - base_rss) * 1024 / done_flows
    print(f"peak RSS {dns_rss / 1024:.0f} MiB over {done_flows:,} open DNS flows, classified by their "
          f"response ({dns_stats['classifier']['flows_detected']:,} detected): "
          f"{per_done:.0f} B per flow after classification")
    targets.append(("memory: <= 512 B per flow after classification", per_done <= 512,
                    f"{per_done:.0f} B"))

    big_rules = compile_rules_file(wl)
    sample = os.path.join(ROOT, "samples", "sample.pcap")
    compile_s, _ = median_of(n, lambda: run_measured(
        [EGRESSMON, "-r", sample, "--rules", big_rules, "--alerts", os.devnull])[0])
    print(f"\nstart-up with 10,000 keywords x 4 encodings + 20 regexes (load, compile, run the "
          f"20 KB sample): {compile_s:.2f} s")
    targets.append(("compile 10,000 keywords x 4 encodings in <= 5 s", compile_s <= 5,
                    f"{compile_s:.2f} s"))

    targets += documents_section(wl, mix, args.workers, n)
    targets += policy_section(wl, mix, args.workers, n)
    # Issue 16: Suricata 8.0.6 side by side (skips, with a line, when ../shared lacks it).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import suricata_peer
    targets += suricata_peer.section(ensure_workloads(args.cache, "rules,mix,documents"), n)
    print_targets(targets)


def print_targets(targets):
    print("\ntargets")
    for name, ok, value in targets:
        print(f"  [{'met' if ok else 'NOT met'}] {name}: {value}")


if __name__ == "__main__":
    main()
