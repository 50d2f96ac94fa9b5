#!/usr/bin/env python3
"""Makes the benchmark workloads of the performance issue, reproducibly from a seed.

    python3 bench/workloads/make_workloads.py [--cache DIR] [--seed 1]
        [--mix-bytes 1100000000] [--doc-bytes 250000000]
        [--which mix,small,rules,merged,documents] [--force]

Outputs go to DIR/workloads/ (default DIR: ${EGRESSMON_CACHE_DIR:-~/.cache/egressmon}) and are
not meant to be committed:

  egress-mix.pcap      realistic enterprise egress mix (HTTP, TLS, SMTP, DNS, other), ~30k
                       concurrent flows, mean frame 800-1000 bytes
  small-packets.pcap   64-byte frames, 1,000,000 flows live at once, 3 packets each
  rules-10.yaml, rules-250.yaml, rules-2500.yaml
                       10 / 250 / 2,500 keywords (x 4 encodings) + 20 regex rules
  shared-merged.pcap   ../shared/pcaps/ndpi captures with Ethernet framing, merged
  documents.pcap       document-heavy mix: HTTP uploads (multipart POST, PUT) of real docx,
                       xlsx, pdf and zip files, ~50% of upload bytes, among the mix's flows

Each output has a NAME.manifest.json next to it (seed, parameters, statistics). An output whose
file exists with a manifest of the same parameters and size is left alone, so running this again
is cheap; --force remakes everything selected.
"""

import argparse
import glob
import hashlib
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))  # pcapgen: TLS hellos, DNS messages

import corpus as corpus_mod  # noqa: E402
import document_mix  # noqa: E402
import egress_mix  # noqa: E402
import merge_captures  # noqa: E402
import rulesets  # noqa: E402
import small_packets  # noqa: E402

GENERATOR_VERSION = 1
DOC_CONCURRENCY = 1000  # flows open at once in documents.pcap
DOC_POOL = 160  # distinct documents that its uploads send


def _source_digest(*names):
    """Digest of the generator sources behind a workload: editing them remakes it."""
    h = hashlib.sha256()
    for name in names:
        with open(os.path.join(HERE, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]

START_US = 1795510800 * 1_000_000  # 2026-11-24T09:00:00Z
SHARED_NDPI = os.path.normpath(os.path.join(ROOT, "..", "shared", "pcaps", "ndpi"))


def default_cache():
    return os.environ.get("EGRESSMON_CACHE_DIR",
                          os.path.join(os.path.expanduser("~"), ".cache", "egressmon"))


class Outputs:
    """Manifest bookkeeping: skip what is already there with the same parameters."""

    def __init__(self, directory, force):
        self.dir = directory
        self.force = force
        os.makedirs(directory, exist_ok=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def current(self, name, params):
        """The stored manifest if ``name`` is up to date for ``params``, else None."""
        if self.force:
            return None
        try:
            with open(self.path(name) + ".manifest.json") as f:
                manifest = json.load(f)
        except (OSError, ValueError):
            return None
        if manifest.get("params") != params:
            return None
        try:
            if os.path.getsize(self.path(name)) != manifest.get("file_bytes"):
                return None
        except OSError:
            return None
        return manifest

    def make(self, name, params, build):
        """Runs ``build(tmp_path) -> stats`` unless current; returns the manifest."""
        manifest = self.current(name, params)
        if manifest is not None:
            report(self.path(name), manifest, cached=True)
            return manifest
        tmp = self.path(name) + ".tmp"
        started = time.perf_counter()
        stats = build(tmp)
        seconds = time.perf_counter() - started
        os.replace(tmp, self.path(name))
        manifest = {"workload": name, "params": params, "stats": stats,
                    "file_bytes": os.path.getsize(self.path(name)),
                    "generation_seconds": round(seconds, 1)}
        with open(self.path(name) + ".manifest.json", "w") as f:
            json.dump(manifest, f, indent=1, ensure_ascii=False)
            f.write("\n")
        report(self.path(name), manifest, cached=False)
        return manifest


def report(path, manifest, cached):
    """Prints one output's path and the statistics that matter for a benchmark."""
    s = manifest["stats"]
    how = "up to date" if cached else f"made in {manifest['generation_seconds']} s"
    print(f"{path} ({manifest['file_bytes']:,} bytes, {how})")
    if "packets" not in s:  # a rule set
        print(f"  {s['keywords']:,} keywords in {s['keyword_rules']} rule(s) "
              f"({s['keyword_patterns']:,} keyword patterns) + {s['regex_rules']} regex rules")
        sys.stdout.flush()
        return
    line = (f"  packets {s['packets']:,}, frame bytes {s['bytes']:,}, "
            f"mean frame {s['mean_frame_bytes']} B")
    if "flows" in s:
        line += f", flows {s['flows']:,}"
    if "concurrent_flows_max" in s:
        line += f", concurrent flows max {s['concurrent_flows_max']:,}"
    if "concurrent_flows_median" in s:
        line += f" (median {s['concurrent_flows_median']:,})"
    print(line)
    if "bytes_share" in s:
        print("  byte shares: " + ", ".join(f"{k} {v:.1%}" for k, v in s["bytes_share"].items()))
        print("  expected alerts: " + ", ".join(
            f"{k} {v}" for k, v in s["expected_alerts_at_least"].items()))
    if "document_share_of_upload_bytes" in s:
        document_mix.print_shares(s)
    if "captures_merged" in s:
        print(f"  captures merged {s['captures_merged']}, skipped (not Ethernet) "
              f"{s['captures_skipped_not_ethernet']}: {' '.join(s['skipped'])}")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=default_cache(),
                    help="cache directory; outputs go to CACHE/workloads (default: "
                         "$EGRESSMON_CACHE_DIR or ~/.cache/egressmon)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mix-bytes", type=int, default=1_100_000_000,
                    help="frame bytes of egress-mix.pcap (default 1.1e9)")
    ap.add_argument("--concurrency", type=int, default=30000,
                    help="flows kept open at once in egress-mix.pcap (default 30000)")
    ap.add_argument("--small-flows", type=int, default=1_000_000)
    ap.add_argument("--doc-bytes", type=int, default=250_000_000,
                    help="frame bytes of documents.pcap (default 250e6; it overshoots by the "
                         "flows open at the end, ~1-2%%)")
    ap.add_argument("--which", default="mix,small,rules,merged,documents",
                    help="comma-separated subset of mix, small, rules, merged, documents")
    ap.add_argument("--force", action="store_true", help="remake even if up to date")
    args = ap.parse_args()
    which = [w.strip() for w in args.which.split(",") if w.strip()]
    unknown = [w for w in which if w not in ("mix", "small", "rules", "merged", "documents")]
    if unknown:
        ap.error(f"unknown workload(s): {', '.join(unknown)}")
    out = Outputs(os.path.join(args.cache, "workloads"), args.force)
    seed = args.seed
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    corpus = None
    keywords = None

    def get_corpus():
        nonlocal corpus
        if corpus is None:
            corpus = corpus_mod.Corpus(seed)
        return corpus

    def get_keywords():
        nonlocal keywords
        if keywords is None:
            keywords = rulesets.keywords(seed, max(rulesets.SIZES), corpus_mod.VOCABULARY)
        return keywords

    if "rules" in which:
        for n in rulesets.SIZES:
            def build(tmp, n=n):
                text = rulesets.rules_yaml(seed, get_keywords()[:n])
                with open(tmp, "w", encoding="utf-8") as f:
                    f.write(text)
                return {"keywords": n, "keyword_rules": -(-n // rulesets.KEYWORDS_PER_RULE),
                        "regex_rules": len(rulesets.REGEX_RULES),
                        "keyword_patterns": n * 4,
                        "regex_patterns": sum(len(r[3]) for r in rulesets.REGEX_RULES)}
            out.make(f"rules-{n}.yaml", {"version": GENERATOR_VERSION, "seed": seed,
                                         "keywords": n,
                                         "source": _source_digest("rulesets.py", "corpus.py")},
                     build)

    if "small" in which:
        def build_small(tmp):
            return small_packets.write(tmp, seed, flows=args.small_flows, start_us=START_US)
        out.make("small-packets.pcap", {"version": GENERATOR_VERSION, "seed": seed,
                                        "flows": args.small_flows, "packets_per_flow": 3,
                                        "frame_bytes": 64,
                                        "source": _source_digest("small_packets.py",
                                                                 "fastpcap.py")}, build_small)

    if "mix" in which:
        def build_mix(tmp):
            rng = random.Random(f"egressmon-mix-{seed}")
            mix = egress_mix.Mix(get_corpus(), rng, get_keywords(), tmp, args.mix_bytes,
                                 args.concurrency, START_US)
            return mix.run(log=log)
        out.make("egress-mix.pcap", {"version": GENERATOR_VERSION, "seed": seed,
                                     "mix_bytes": args.mix_bytes,
                                     "concurrency": args.concurrency,
                                     "shares": egress_mix.SHARES,
                                     "source": _source_digest("egress_mix.py", "mix_flows.py",
                                                              "tcp_flights.py", "fastpcap.py",
                                                              "corpus.py", "rulesets.py")},
                     build_mix)

    if "documents" in which:
        def build_documents(tmp):
            return document_mix.build(tmp, seed, args.doc_bytes, DOC_CONCURRENCY, DOC_POOL,
                                      START_US, get_corpus(), get_keywords(), log=log,
                                      show=False)
        out.make("documents.pcap", {"version": GENERATOR_VERSION, "seed": seed,
                                    "doc_bytes": args.doc_bytes,
                                    "concurrency": DOC_CONCURRENCY, "pool": DOC_POOL,
                                    "shares": document_mix.SHARES,
                                    "source": _source_digest(
                                        "document_mix.py", "egress_mix.py", "mix_flows.py",
                                        "tcp_flights.py", "fastpcap.py", "corpus.py",
                                        "rulesets.py", "../../tests/gen/documents.py",
                                        "../pdf_text_bench.py")},
                 build_documents)

    if "merged" in which:
        paths = sorted(p for p in glob.glob(os.path.join(SHARED_NDPI, "*"))
                       if p.endswith((".pcap", ".pcapng", ".cap")))
        if not paths:
            log(f"no captures in {SHARED_NDPI}; shared-merged.pcap not made")
        else:
            inputs = [[os.path.basename(p), os.path.getsize(p)] for p in paths]
            out.make("shared-merged.pcap", {"version": GENERATOR_VERSION, "inputs": inputs,
                      "source": _source_digest(
                          "merge_captures.py", "../../tests/gen/pcapgen/capture_reader.py")},
                     lambda tmp: merge_captures.merge(paths, tmp))


if __name__ == "__main__":
    main()
