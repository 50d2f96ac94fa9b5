#!/usr/bin/env python3
"""Conformance of egressmon's flow classification against Debian's ndpiReader (nDPI 4.2).

For every capture in ../shared/pcaps/ndpi/, runs egressmon with --flows and compares each flow's
`ndpi.protocol` with the `ndpi_protocol` that ndpiReader 4.2 printed (expected/F.csv), matching
flows by 5-tuple in either orientation. Prints the agreement and every disagreeing flow, and
fails when agreement is below the threshold. Exits 77 (CTest's skip code) when the shared
captures are absent.

With --validate-schema SCHEMA, every flow record written is also validated against Suricata's
EVE schema (by tests/e2e/validate_eve.py under Debian's python3 with python3-jsonschema).

Usage: ndpi_conformance.py EGRESSMON [--workers N] [--threshold 0.99] [--pcaps DIR]
                           [--validate-schema SCHEMA]
"""

import argparse
import collections
import concurrent.futures
import csv
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77
PROTO_NUMBERS = {"ICMP": 1, "IGMP": 2, "TCP": 6, "UDP": 17, "GRE": 47, "ESP": 50, "AH": 51,
                 "IPv6-ICMP": 58, "VRRP": 112, "SCTP": 132}
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")


def normalise_ip(text):
    """Canonical address text, or None for one ndpiReader mis-printed (treated as a wildcard)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def tuple_key(proto, a_ip, a_port, b_ip, b_port):
    """Orientation-free key; unparseable addresses stay None and are matched loosely later."""
    ends = sorted([(a_ip or "", int(a_port)), (b_ip or "", int(b_port))])
    return (int(proto), ends[0], ends[1])


def load_expected(csv_path):
    rows = []
    with open(csv_path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append({
                "proto": int(r["proto"]),
                "src_ip": normalise_ip(r["src_ip"]), "src_port": int(r["src_port"]),
                "dst_ip": normalise_ip(r["dst_ip"]), "dst_port": int(r["dst_port"]),
                "protocol": r["ndpi_protocol"], "raw": r,
            })
    return rows


def run_egressmon(binary, pcap, workers):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "flows.json")
        proc = subprocess.run(
            [binary, "-r", pcap, "--flows", out, "--workers", str(workers), "--hash-seed", "1"],
            capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"egressmon failed on {pcap}: rc={proc.returncode} "
                               f"{proc.stderr.strip()}")
        flows, lines = [], []
        with open(out) as f:
            for line in f:
                lines.append(line)
                rec = json.loads(line)
                proto = rec["proto"]
                flows.append({
                    "proto": PROTO_NUMBERS.get(proto) or int(proto),
                    "src_ip": normalise_ip(rec["src_ip"]), "src_port": rec["src_port"],
                    "dst_ip": normalise_ip(rec["dest_ip"]), "dst_port": rec["dest_port"],
                    "protocol": rec["ndpi"]["protocol"], "start": rec["flow"]["start"],
                })
        return flows, lines


def endpoints_match(exp, got):
    """Same 5-tuple in either orientation; an unparseable expected address matches any."""
    def same(ip_a, port_a, ip_b, port_b):
        return port_a == port_b and (ip_a is None or ip_b is None or ip_a == ip_b)
    if exp["proto"] != got["proto"]:
        return False
    forward = (same(exp["src_ip"], exp["src_port"], got["src_ip"], got["src_port"]) and
               same(exp["dst_ip"], exp["dst_port"], got["dst_ip"], got["dst_port"]))
    reverse = (same(exp["src_ip"], exp["src_port"], got["dst_ip"], got["dst_port"]) and
               same(exp["dst_ip"], exp["dst_port"], got["src_ip"], got["src_port"]))
    return forward or reverse


def compare(expected, flows):
    """Pairs each expected flow with one of ours (earliest first, same protocol preferred only
    among flows with the identical tuple, e.g. the same 5-tuple on two VLANs)."""
    by_key = collections.defaultdict(list)
    for g in sorted(flows, key=lambda g: g["start"]):
        by_key[tuple_key(g["proto"], g["src_ip"], g["src_port"], g["dst_ip"], g["dst_port"])].append(g)
    agree, disagreements = 0, []
    for exp in expected:
        candidates = by_key.get(tuple_key(exp["proto"], exp["src_ip"], exp["src_port"],
                                          exp["dst_ip"], exp["dst_port"]), [])
        if exp["src_ip"] is None or exp["dst_ip"] is None:
            candidates = [g for gs in by_key.values() for g in gs if endpoints_match(exp, g)]
        # Several of ours on one tuple happen only when ndpiReader saw several too (VLANs);
        # among those, pair same-protocol first so the multiset is compared, not the order.
        pick = next((g for g in candidates if g["protocol"] == exp["protocol"]), None)
        if pick is None and candidates:
            pick = candidates[0]
        if pick is not None:
            by_key_list = by_key[tuple_key(pick["proto"], pick["src_ip"], pick["src_port"],
                                           pick["dst_ip"], pick["dst_port"])]
            if pick in by_key_list:
                by_key_list.remove(pick)
        if pick is not None and pick["protocol"] == exp["protocol"]:
            agree += 1
        else:
            disagreements.append((exp, pick))
    return agree, disagreements


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_pcaps = os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "pcaps", "ndpi"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("egressmon")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threshold", type=float, default=0.99)
    ap.add_argument("--pcaps", default=default_pcaps)
    ap.add_argument("--validate-schema", metavar="SCHEMA")
    args = ap.parse_args()

    expected_dir = os.path.join(args.pcaps, "expected")
    if not os.path.isdir(expected_dir):
        print(f"SKIP: shared nDPI captures not found at {args.pcaps}")
        return SKIP
    pcaps = sorted(p for p in os.listdir(args.pcaps) if p.endswith(CAPTURE_SUFFIXES)
                   and os.path.exists(os.path.join(expected_dir, p + ".csv")))

    def one(name):
        expected = load_expected(os.path.join(expected_dir, name + ".csv"))
        flows, lines = run_egressmon(args.egressmon, os.path.join(args.pcaps, name), args.workers)
        return name, expected, compare(expected, flows), lines

    total = agree = 0
    report = []
    records = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for name, expected, (ok, bad), lines in pool.map(one, pcaps):
            records.extend(lines)
            total += len(expected)
            agree += ok
            for exp, got in bad:
                r = exp["raw"]
                report.append(f"  {name}: {r['proto']} {r['src_ip']}:{r['src_port']} <-> "
                              f"{r['dst_ip']}:{r['dst_port']} expected {exp['protocol']}, got "
                              f"{got['protocol'] if got else 'NO FLOW'}")
    ratio = agree / total if total else 0.0
    print(f"nDPI 4.2 conformance (--workers {args.workers}): {agree}/{total} flows agree "
          f"= {ratio:.4%} over {len(pcaps)} captures (threshold {args.threshold:.2%})")
    if report:
        print(f"{len(report)} disagreeing flows:")
        print("\n".join(sorted(report)))
    schema_ok = validate_schema(args.validate_schema, records) if args.validate_schema else True
    return 0 if ratio >= args.threshold and schema_ok else 1


def validate_schema(schema, records):
    """True when every record validates (or the validator is unavailable, which is said)."""
    validator = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e",
                             "validate_eve.py")
    if not os.path.exists(schema) or not os.path.exists("/usr/bin/python3"):
        print(f"schema check skipped: {schema} or /usr/bin/python3 missing")
        return True
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.writelines(records)
        f.flush()
        check = subprocess.run(["/usr/bin/python3", validator, schema, f.name],
                               capture_output=True, text=True)
    if check.returncode == 77:
        print("schema check skipped: python3-jsonschema is not installed")
        return True
    if check.returncode != 0:
        print(f"{len(check.stdout.splitlines())} flow records fail the EVE schema:")
        print("\n".join(check.stdout.splitlines()[:50]))
        return False
    print(f"all {len(records)} flow records validate against {schema}")
    return True


if __name__ == "__main__":
    sys.exit(main())
