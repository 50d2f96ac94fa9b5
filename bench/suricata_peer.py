#!/usr/bin/env python3
"""Suricata 8.0.6 beside egressmon: the macro benchmark's "Suricata side by side" section.

    python3 bench/macro_bench.py --suricata-only [--repeats 3]     (or run this file directly)

Both engines read the same capture with the same rules: egressmon with the benchmark's keyword
rule sets (1,000 and 10,000 patterns: 250 / 2,500 keywords x 4 encodings + 20 regexes, from
bench/workloads) plus rules/egress-policy.yaml, in its default configuration (document
extraction on); Suricata with the same rule sets converted by bench/suricata_rules.py (raw TCP
stream, HTTP request bodies, SMTP files; the policy rules have no Suricata form and are left
out). Workloads: the realistic egress mix and the document-heavy mix (which also runs once with
rules/default.yaml, whose markings sit inside documents). Runs: egressmon
--workers 1 against Suricata --runmode single, and --workers 2 against --runmode autofp with two
detect threads, the two engines taking turns run by run.

Every time is the WHOLE PROCESS (fork to exit: start-up, rule compilation, reading, inspecting,
writing alerts) for both engines, so ratios compare like with like; Gbit/s is the capture's frame
bytes over that wall time; peak RSS is wait4's ru_maxrss of that run. Figures are the median of
--repeats. Suricata writes alerts only (its eve `flow` and `files` outputs are turned off, as
egressmon writes no flow records here).

Alert recall: the distinct (flow, rule) pairs each engine reported, flows matched by 5-tuple
(the two endpoints unordered, protocol) and rules by egressmon id (Suricata sid // 10000).
Suricata alerts once per matching rule and packet or transaction, so its pairs are counted
afterwards, distinct, rather than deduplicated by Suricata itself.

Skips with one line when the Suricata binary or its runtime libraries are absent.
"""
import argparse
import collections
import ipaddress
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import suricata_rules  # noqa: E402

SURICATA_DIR = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers", "suricata-8.0.6"))
SURICATA = os.path.join(SURICATA_DIR, "suricata")
SURICATA_YAML = os.path.join(SURICATA_DIR, "suricata.yaml")
EGRESSMON = os.path.join(ROOT, "build", "app", "egressmon")
POLICY_RULES = os.path.join(ROOT, "rules", "egress-policy.yaml")
# egressmon's --home-net default (INTERFACE.md); the shared suricata.yaml has fd00::/8.
HOME_NET = "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7]"
DEFAULT_RULES = os.path.join(ROOT, "rules", "default.yaml")
RULE_SETS = (("1,000 patterns", "rules-250.yaml"), ("10,000 patterns", "rules-2500.yaml"),
             ("default rules", DEFAULT_RULES))  # names relative to the workload directory
# (workload, capture, rule sets, thread counts). The benchmark's keyword rule sets plant no
# keyword inside documents, so the document mix also runs rules/default.yaml once: its marked
# documents show what Suricata's recall loses without document text.
WORKLOADS = (("realistic mix", "egress-mix.pcap", RULE_SETS[:2], (1, 2)),
             ("document mix", "documents.pcap", RULE_SETS[:2], (1, 2)),
             ("document mix", "documents.pcap", RULE_SETS[2:], (1,)))
TARGET = 5.0  # issue 16: whole-process throughput >= 5x Suricata's, mix, 1 worker vs single
EVE_TYPES_ALL = """        - flow
        - files:                 # writes event_type "fileinfo" records
            force-magic: no
"""


def unavailable():
    """None when Suricata can run here, else why not (one line)."""
    if not os.access(SURICATA, os.X_OK):
        return f"{SURICATA} not found"
    if not os.path.exists(SURICATA_YAML):
        return f"{SURICATA_YAML} not found"
    try:
        ldd = subprocess.run(["ldd", SURICATA], capture_output=True, text=True, timeout=30)
        missing = [line.split()[0] for line in ldd.stdout.splitlines() if "not found" in line]
    except (OSError, subprocess.TimeoutExpired):
        missing = []
    if missing:
        return (f"runtime libraries missing: {', '.join(missing)} (scripts/install-deps.sh "
                f"installs them)")
    try:
        v = subprocess.run([SURICATA, "-V"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{SURICATA} -V failed: {e}"
    if v.returncode != 0:
        return f"{SURICATA} -V failed: {(v.stderr or v.stdout).strip()[-200:]}"
    return None


def alerts_only_config(workdir):
    """The shared suricata.yaml with the eve `flow` and `files` types removed (egressmon writes
    alerts only in these runs). The peer's file is read, never changed."""
    with open(SURICATA_YAML) as f:
        text = f.read()
    if EVE_TYPES_ALL not in text:
        sys.exit(f"{SURICATA_YAML}: its eve-log types are not the ones this script knows; "
                 f"update EVE_TYPES_ALL in {__file__}")
    path = os.path.join(workdir, "suricata-alerts-only.yaml")
    with open(path, "w") as f:
        f.write(text.replace(EVE_TYPES_ALL, ""))
    return path


def run_wait4(args, stdout_path, stderr_path):
    """Runs `args` to completion; (wall seconds, peak RSS KiB) from fork to wait4."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.execv(args[0], args)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        with open(stderr_path, errors="replace") as f:
            tail = f.read()[-2000:]
        sys.exit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(args)}\n{tail}")
    return wall, usage.ru_maxrss


def flow_key(rec):
    """A flow's 5-tuple with its two endpoints unordered: the engines may name either end src."""
    a = (ipaddress.ip_address(rec["src_ip"]), int(rec.get("src_port") or 0))
    b = (ipaddress.ip_address(rec["dest_ip"]), int(rec.get("dest_port") or 0))
    return (str(rec.get("proto", "")).upper(),) + tuple(sorted((a, b)))


def alert_pairs(path, rule_of, layers=None):
    """Distinct (flow key, egressmon rule id) of the alert records in the JSON lines `path`;
    with a dict `layers`, also each pair's egressmon match layers (alert.context.dlp.layer)."""
    pairs = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if '"alert"' not in line:
                continue
            rec = json.loads(line)
            if rec.get("event_type") != "alert":
                continue
            pair = (flow_key(rec), rule_of(rec["alert"]["signature_id"]))
            pairs.add(pair)
            if layers is not None:
                dlp = rec["alert"].get("context", {}).get("dlp", {})
                layers.setdefault(pair, set()).add(dlp.get("layer", "?"))
    return pairs


class Peer:
    def __init__(self, wl, workdir):
        self.wl = wl
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.config = alerts_only_config(workdir)
        self.converted = {}

    def suricata_rules(self, yaml_path):
        """Converts once; returns (rule file, notes, counts)."""
        if yaml_path not in self.converted:
            lines, notes, counts = suricata_rules.convert(suricata_rules.load_rules([yaml_path]))
            out = os.path.join(self.workdir, os.path.basename(yaml_path) + ".rules")
            with open(out, "w", encoding="ascii") as f:
                f.write("\n".join(lines) + "\n")
            self.converted[yaml_path] = (out, notes, counts)
        return self.converted[yaml_path]

    def suricata_args(self, capture, rules, outdir, threads):
        args = [SURICATA, "-r", capture, "-S", rules, "-c", self.config, "-l", outdir, "-k",
                "none", "--set", f"vars.address-groups.HOME_NET={HOME_NET}"]
        if threads == 1:
            return args + ["--runmode", "single"]
        # autofp: one reader feeding `threads` detect threads (ratio x online cores).
        ratio = threads / (os.cpu_count() or threads)
        return args + ["--runmode", "autofp", "--set", f"threading.detect-thread-ratio={ratio}"]

    def run_suricata(self, capture, rules, threads):
        outdir = os.path.join(self.workdir, "suricata-out")
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        wall, rss = run_wait4(self.suricata_args(capture, rules, outdir, threads),
                              os.path.join(outdir, "stdout"), os.path.join(outdir, "stderr"))
        pairs = alert_pairs(os.path.join(outdir, "eve.json"), suricata_rules.rule_id_of_sid)
        return {"wall": wall, "rss": rss, "pairs": pairs,
                "threads_line": detect_threads_line(os.path.join(outdir, "suricata.log"))}

    def run_egressmon(self, capture, rules_yaml, workers):
        alerts = os.path.join(self.workdir, "egressmon-alerts.json")
        if os.path.exists(alerts):
            os.remove(alerts)  # --alerts FILE appends
        args = [EGRESSMON, "-r", capture, "--workers", str(workers), "--rules", rules_yaml,
                "--rules", POLICY_RULES, "--alerts", alerts, "--stats"]
        err = os.path.join(self.workdir, "egressmon-stderr")
        wall, rss = run_wait4(args, os.devnull, err)
        with open(err) as f:
            stats = json.loads(f.read().strip().splitlines()[-1])
        layers = {}
        pairs = alert_pairs(alerts, int, layers)
        return {"wall": wall, "rss": rss, "pairs": pairs, "layers": layers, "stats": stats}


def detect_threads_line(log):
    try:
        with open(log) as f:
            for line in f:
                if "Threads created" in line:
                    return line.split("Threads created", 1)[1].strip(" ->\n")
    except OSError:
        pass
    return ""


def frame_bytes(capture):
    with open(capture + ".manifest.json") as f:
        return json.load(f)["stats"]["bytes"]


def row(*cols, widths):
    print("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                    for i, (c, w) in enumerate(zip(cols, widths))))


WIDTHS = (37, 6, 6, 5, 6, 6, 5, 7, 7, 4, 4, 4, 5)


def section(wl, repeats, workdir=None):
    """Runs the comparison and prints it; returns targets [(name, ok, value)]."""
    why = unavailable()
    if why:
        print(f"\nSuricata side by side: skipped ({why})")
        return []
    if not os.path.exists(EGRESSMON):
        sys.exit(f"missing {EGRESSMON}: build first (cmake --build build)")
    peer = Peer(wl, workdir or os.path.join(wl, "suricata-peer"))
    ncpu = os.cpu_count()
    print(f"\nSuricata side by side: Suricata 8.0.6 ({SURICATA}) vs egressmon, whole-process "
          f"wall time (start-up included for both), median of {repeats}; {ncpu} cores")
    print("egressmon: the rule set + rules/egress-policy.yaml, default configuration "
          "(document extraction on); Suricata: the rule set converted by "
          "bench/suricata_rules.py, eve alerts only, HOME_NET " + HOME_NET)
    startup = {}
    for label, name in RULE_SETS:
        rules_yaml = os.path.join(wl, name)
        rules, notes, counts = peer.suricata_rules(rules_yaml)
        tdir = os.path.join(peer.workdir, "suricata-T")
        shutil.rmtree(tdir, ignore_errors=True)
        os.makedirs(tdir)
        t_wall, t_rss = run_wait4([SURICATA, "-T", "-c", peer.config, "-S", rules, "-l", tdir],
                                  os.devnull, os.path.join(tdir, "stderr"))
        startup[label] = t_wall
        shown = os.path.relpath(name, ROOT) if os.path.isabs(name) else name
        print(f"{label} ({shown}): {counts['suricata_rules']:,} Suricata rules "
              f"({counts['distinct_byte_strings']:,} distinct keyword byte strings and "
              f"{counts['regexes']} regexes x 3 inspection points); suricata -T (load and "
              f"compile the rules) {t_wall:.2f} s, {t_rss / 1024:.0f} MiB")
    print("what the converted rules cannot express:")
    for label, name in RULE_SETS:
        for note in peer.suricata_rules(os.path.join(wl, name))[1]:
            print(f"  - {label}: {note}")
    for note in suricata_rules.GLOBAL_NOTES:
        print(f"  - {note}")
    _, _, policy_counts = suricata_rules.convert(suricata_rules.load_rules([POLICY_RULES]))
    print(f"  - rules/egress-policy.yaml (egressmon side only): {policy_counts['rules_left_out']} "
          f"of {policy_counts['rules_in']} rules left out (nDPI protocols, categories, risks, "
          f"volume); their alerts are not in the recall counts")
    print()
    row("workload, rules, threads", "em s", "Gbit/s", "MiB", "sur s", "Gbit/s", "MiB",
        "thr e/s", "RSS e/s", "em", "sur", "both", "start", widths=WIDTHS)
    print("(em = egressmon, sur = Suricata: whole-process seconds, Gbit/s of frame bytes, peak "
          "RSS MiB; thr e/s and RSS e/s = egressmon/Suricata throughput and peak RSS; em, sur, "
          "both = distinct (flow, rule) pairs found by egressmon, Suricata, both; start = "
          "suricata -T seconds)")
    targets, details = [], []
    for wlabel, wfile, rule_sets, thread_counts in WORKLOADS:
        capture = os.path.join(wl, wfile)
        fbytes = frame_bytes(capture)
        for label, name in rule_sets:
            rules_yaml = os.path.join(wl, name)
            sur_rules, _, counts = peer.suricata_rules(rules_yaml)
            converted_ids = set(counts["converted_ids"])
            for threads in thread_counts:
                ems, surs = [], []
                for _ in range(repeats):  # taking turns: drift in load falls on both alike
                    ems.append(peer.run_egressmon(capture, rules_yaml, threads))
                    surs.append(peer.run_suricata(capture, sur_rules, threads))
                em_wall = statistics.median(r["wall"] for r in ems)
                sur_wall = statistics.median(r["wall"] for r in surs)
                em_rss = statistics.median(r["rss"] for r in ems)
                sur_rss = statistics.median(r["rss"] for r in surs)
                em_pairs = {p for p in ems[-1]["pairs"] if p[1] in converted_ids}
                left_out_pairs = len(ems[-1]["pairs"]) - len(em_pairs)
                sur_pairs = surs[-1]["pairs"]
                steady = (all(r["pairs"] == ems[-1]["pairs"] for r in ems),
                          all(r["pairs"] == sur_pairs for r in surs))
                em_gbps, sur_gbps = fbytes * 8 / em_wall / 1e9, fbytes * 8 / sur_wall / 1e9
                ratio = em_gbps / sur_gbps
                run = (f"{wlabel}, {label.replace(' patterns', '')}, {threads} "
                       f"{'worker' if threads == 1 else 'workers'}")
                row(run, f"{em_wall:.2f}", f"{em_gbps:.2f}", f"{em_rss / 1024:.0f}",
                    f"{sur_wall:.2f}", f"{sur_gbps:.2f}", f"{sur_rss / 1024:.0f}",
                    f"{ratio:.2f}", f"{em_rss / sur_rss:.2f}", len(em_pairs), len(sur_pairs),
                    len(em_pairs & sur_pairs), f"{startup[label]:.1f}", widths=WIDTHS)
                only_em = collections.Counter(r for _, r in em_pairs - sur_pairs)
                only_em_layers = collections.Counter(
                    layer for p in em_pairs - sur_pairs for layer in ems[-1]["layers"][p])
                only_sur = collections.Counter(r for _, r in sur_pairs - em_pairs)
                em_walls = ", ".join(f"{r['wall']:.2f}" for r in ems)
                sur_walls = ", ".join(f"{r['wall']:.2f}" for r in surs)
                details.append(
                    f"{run}: walls egressmon {em_walls} s, Suricata {sur_walls} s "
                    f"({surs[-1]['threads_line']}); egressmon pipeline "
                    f"{ems[-1]['stats']['elapsed_seconds']:.2f} s of its wall time; "
                    f"pairs of rules with no Suricata form (egress policy, `file:`; not "
                    f"counted) {left_out_pairs}; pairs only egressmon "
                    f"{sum(only_em.values())} by rule {dict(sorted(only_em.items()))} "
                    f"(egressmon's layers: {dict(sorted(only_em_layers.items()))}); only "
                    f"Suricata {sum(only_sur.values())} by rule "
                    f"{dict(sorted(only_sur.items()))}"
                    + ("" if all(steady) else "; alert pairs differed run to run"))
                if wfile == "egress-mix.pcap" and threads == 1:
                    targets.append((f"mix, {label}: whole-process throughput >= {TARGET:.0f}x "
                                    f"Suricata 8.0.6 (1 worker vs --runmode single)",
                                    ratio >= TARGET, f"{ratio:.2f}x"))
    print()
    for d in details:
        print(f"  {d}")
    return targets


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", default=os.environ.get(
        "EGRESSMON_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "egressmon")))
    args = ap.parse_args()
    maker = os.path.join(HERE, "workloads", "make_workloads.py")
    subprocess.run([sys.executable, maker, "--cache", args.cache, "--which",
                    "rules,mix,documents"], check=True, stdout=subprocess.DEVNULL)
    targets = section(os.path.join(args.cache, "workloads"), args.repeats)
    for name, ok, value in targets:
        print(f"  [{'met' if ok else 'NOT met'}] {name}: {value}")


if __name__ == "__main__":
    main()
