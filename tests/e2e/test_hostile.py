"""Hostile input for egressmon (the "Hardening" issue, parts 5 and 6): floods and bombs built by
tests/gen/hostile_cases.py, and bad input at the edges (damaged capture files, unreadable and
ill-typed rule and config files, a broker that is not there, a full disk under the spool).

Each flood/bomb test states its bound and asserts that the bound was hit and counted (in
--stats and, where it names a configuration key, in egressmon_limit_hits_total), that the alerts
that must survive still fire, that the run ends in bounded time (subprocess timeout) and, in
Release builds, that peak RSS stays within the bound. Under ASan/UBSan (EGRESSMON_SANITIZED=ON,
set by CMake) RSS bounds mean nothing and 1 M flows are slow: the flood is smaller and only the
RSS assertion is skipped.

Run by CTest with EGRESSMON and EGRESSMON_SOURCE_DIR set; each class is one CTest entry.
"""

import glob
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

from test_e2e import BINARY, DEFAULT_RULES, SAMPLE, assert_usage_error  # noqa: E402
from metrics_text import by_label, parse_metrics  # noqa: E402
from server_process import free_port  # noqa: E402

SANITIZED = (os.environ.get("EGRESSMON_SANITIZED", "").upper() in ("1", "ON", "TRUE", "YES")
             or "asan" in BINARY)

import dlp_cases  # noqa: E402  (tests/gen is on the path: test_e2e puts it there)
import hostile_cases  # noqa: E402

MIB = 1 << 20
# What egressmon needs before it holds any flow: code, Hyperscan database of the default rules,
# nDPI modules, rings and batches (measured ~45-55 MiB on the reference machine, Release).
FIXED_OVERHEAD = 96 * MIB
# Upper bound per open flow while nDPI still classifies it (README: 1,099 B measured at 1 M
# flows; ~1,250 B here with the flow table's own slots and the reassembly stubs).
PER_FLOW_BYTES = 1536


def records(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# Runs argv[2:] and writes its peak RSS (bytes, from wait4) to the file argv[1]. A fresh, small
# interpreter in between because Linux carries a process's RSS high-water mark across execve:
# a child forked straight from this test process (which has just held a capture of tens of MiB)
# would report this process's size as its own.
_RSS_HELPER = """
import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss * 1024))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args, timeout):
    """Runs egressmon; returns (returncode, stdout, stderr, peak RSS in bytes, wall seconds).
    A run past `timeout` is killed and fails the test (a stalled worker)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss_file:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", _RSS_HELPER, rss_file.name, BINARY, *args],
                                stdout=out, stderr=err, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError(f"egressmon still running after {timeout} s: {args}")
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        rss = int(rss_file.read() or 0)
        return proc.returncode, out.read().decode(), err.read().decode(), rss, wall


def last_json(stderr):
    return json.loads(stderr.strip().splitlines()[-1])


def with_metrics(test, args, timeout):
    """Runs egressmon on a capture read from a FIFO that stays open until the metrics were
    scraped after the whole capture was processed, so the scrape sees the final counters;
    returns (stats, {limit: hits}, stdout)."""
    import urllib.request
    capture = args[args.index("-r") + 1]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "in.pcap")
        os.mkfifo(fifo)
        argv = [a if a != capture else fifo for a in args]
        out_path = os.path.join(tmp, "out")
        with open(out_path, "w") as out:
            proc = subprocess.Popen([BINARY, *argv, "--metrics", f"127.0.0.1:{port}", "--stats"],
                                    stdout=out, stderr=subprocess.PIPE, text=True)
            try:
                with open(fifo, "wb") as w, open(capture, "rb") as r:
                    shutil.copyfileobj(r, w)
                    w.flush()
                    frames = None
                    deadline = time.monotonic() + timeout
                    text = ""
                    # Wait until every frame was read, then for one more publication of the
                    # workers' counters (about once a second).
                    want = hostile_frames(capture)
                    while time.monotonic() < deadline:
                        try:
                            text = urllib.request.urlopen(
                                f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                        except OSError:
                            time.sleep(0.2)
                            continue
                        frames = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                                     if l.startswith("egressmon_capture_packets_total{"))
                        if frames >= want:
                            time.sleep(1.5)  # one more publication of the inspection counters
                            text = urllib.request.urlopen(
                                f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                            break
                        time.sleep(0.2)
                    test.assertEqual(frames, want, "not every frame was handled in time")
            finally:
                _, err = proc.communicate(timeout=timeout)
        test.assertEqual(proc.returncode, 0, err)
        with open(out_path) as f:
            stdout = f.read()
    return last_json(err), by_label(parse_metrics(text), "egressmon_limit_hits_total", "limit"), stdout


def hostile_frames(path):
    """Number of records in a classic pcap file."""
    n = 0
    with open(path, "rb") as f:
        f.seek(24)
        while True:
            header = f.read(16)
            if len(header) < 16:
                return n
            f.seek(struct.unpack("<IIII", header)[2], 1)
            n += 1


class overload(unittest.TestCase):
    """Graceful overload (issue 16, deliver 4): a flood of new flows must not take inspection
    from the flows already established. Ten uploads connect, then send their bodies while
    hundreds of thousands of SYNs (each a new flow) pour in; the marking in each body sits in
    the middle of the flood. Over `classifier.max-new-flows-per-second` new flows are shed from
    classification (counted); every upload still alerts."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        os.chmod(self.tmp.name, 0o755)

    def run_flood(self, pcap, budget, workers):
        conf = os.path.join(self.tmp.name, f"budget-{budget}.yaml")
        with open(conf, "w") as f:
            f.write(f"classifier:\n  max-new-flows-per-second: {budget}\n")
        rc, out, err, _, wall = run_measured(
            ["-c", conf, "-r", pcap, "--rules", DEFAULT_RULES, "--workers", str(workers),
             "--stats"], 600)
        self.assertEqual(rc, 0, err)
        alerts = [r for r in records(out) if r["event_type"] == "alert"]
        return last_json(err), alerts, wall

    def test_established_uploads_alert_while_new_flows_are_shed(self):
        flows, budget = (400_000, 20_000) if not SANITIZED else (60_000, 5_000)
        pcap = os.path.join(self.tmp.name, "flood.pcap")
        span_us = flows  # one SYN per microsecond
        uploads = hostile_cases.established_uploads(hostile_cases.START, span_us)
        info = hostile_cases.syn_flood(pcap, flows, real=uploads)
        for workers in (1, 2):
            with self.subTest(workers=workers):
                stats, alerts, wall = self.run_flood(pcap, budget, workers)
                self.assertEqual(stats["packets"], info["frames"])
                self.assertEqual(sorted((a["src_ip"], a["alert"]["signature_id"])
                                        for a in alerts),
                                 sorted((f"10.1.1.{i + 1}", 1000) for i in range(10)))
                # Each worker's bucket: a second's worth at once, refilled over the flood's span.
                classified_at_most = workers * (budget + budget * span_us // 1_000_000) + 10
                shed = stats["classifier"]["flows_shed"]
                self.assertGreaterEqual(shed, flows - classified_at_most)
                self.assertLessEqual(shed, flows)
                print(f"\nflood of {flows} new flows, {workers} worker(s), budget {budget}/s per "
                      f"worker: {shed} shed, pipeline {stats['elapsed_seconds']:.2f} s "
                      f"({stats['pps'] / 1e6:.2f} Mpps), wall {wall:.2f} s", file=sys.stderr)
        # No budget: the same alerts, nothing shed.
        stats, alerts, wall = self.run_flood(pcap, 0, 1)
        self.assertEqual(len(alerts), 10)
        self.assertEqual(stats["classifier"]["flows_shed"], 0)
        print(f"no budget, 1 worker: pipeline {stats['elapsed_seconds']:.2f} s "
              f"({stats['pps'] / 1e6:.2f} Mpps)", file=sys.stderr)


class floods(unittest.TestCase):
    """Part 5: floods and bombs, each with its stated bound."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def config(self, text):
        path = self.path("c.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_syn_flood_of_distinct_flows_stays_within_the_flow_table_bound(self):
        # Bound: max-flows 100000 (all workers). 1,000,000 SYNs of distinct 5-tuples must evict
        # (counted, limit="max-flows"), peak RSS must stay under FIXED_OVERHEAD + max-flows x
        # PER_FLOW_BYTES (~242 MiB; the unbounded table would need ~1.2 GiB), and the real
        # upload in the middle of the flood must still alert.
        flows, max_flows, timeout = (1_000_000, 100_000, 90) if not SANITIZED else \
            (100_000, 10_000, 240)
        pcap = self.path("syn_flood.pcap")
        info = hostile_cases.syn_flood(pcap, flows)
        rc, out, err, rss, wall = run_measured(
            ["-r", pcap, "--rules", DEFAULT_RULES, "--max-flows", str(max_flows), "--stats"],
            timeout)
        self.assertEqual(rc, 0, err)
        stats = last_json(err)
        self.assertEqual(stats["packets"], info["frames"])
        self.assertEqual(stats["flows"], flows + 1)
        # Every flow beyond the table's capacity was evicted, none expired (1 s of capture).
        self.assertGreaterEqual(stats["flow_table"]["evicted"], flows + 1 - max_flows)
        self.assertEqual(stats["flow_table"]["evicted"] + stats["flow_table"]["flushed"],
                         flows + 1)
        alerts = [r for r in records(out) if r["event_type"] == "alert"]
        self.assertEqual([(a["src_ip"], a["src_port"], a["dest_port"],
                           a["alert"]["signature_id"]) for a in alerts],
                         [(hostile_cases.INSIDE, 40000, hostile_cases.PORT, 1000)])
        bound = FIXED_OVERHEAD + max_flows * PER_FLOW_BYTES
        print(f"\nsyn flood: {flows} flows, max-flows {max_flows}: peak RSS {rss / MIB:.1f} MiB "
              f"(bound {bound / MIB:.0f} MiB), {wall:.2f} s, evicted "
              f"{stats['flow_table']['evicted']}", file=sys.stderr)
        if not SANITIZED:
            self.assertLess(rss, bound)

    def test_syn_flood_evictions_show_in_the_metrics(self):
        # Same bound, smaller flood, seen through --metrics: limit="max-flows" equals the
        # evictions in --stats.
        pcap = self.path("syn_flood_small.pcap")
        hostile_cases.syn_flood(pcap, 20_000)
        stats, hits, _ = with_metrics(self, ["-r", pcap, "--max-flows", "1000"], 120)
        self.assertGreaterEqual(stats["flow_table"]["evicted"], 19_001)
        self.assertEqual(hits["max-flows"], stats["flow_table"]["evicted"])

    def test_100k_segments_in_reverse_order_hit_the_segment_bound(self):
        # Bound: reassembly.max-segments 4096 (default) per direction. The stream's 100,000
        # segments arrive last first: the far-ahead ones are dropped as each nearer one
        # arrives, so at most 4096 are ever held; the marking in segment 100 (among the nearest
        # 4096) is still found once segment 0 arrives, the rest is announced as one gap.
        pcap = self.path("reverse.pcap")
        info = hostile_cases.out_of_order_stream(pcap, order="reverse", mark_segment=100)
        rc, out, err, rss, wall = run_measured(
            ["-r", pcap, "--rules", DEFAULT_RULES, "--stats", "--workers", "1"], 120)
        self.assertEqual(rc, 0, err)
        ra = last_json(err)["reassembly"]
        self.assertEqual(ra["segments"], info["segments"])
        held = 4096
        self.assertEqual(ra["segments_exceeded"], info["segments"] - held - 1)
        self.assertEqual(ra["delivered_bytes"], (held + 1) * info["segment_bytes"])
        self.assertEqual(ra["gaps"], 1)
        self.assertEqual(ra["gap_bytes"], info["stream_bytes"] - ra["delivered_bytes"])
        (alert,) = records(out)
        self.assertEqual(alert["alert"]["context"]["dlp"]["offset"], info["mark_offset"])
        print(f"\n100k reverse segments: peak RSS {rss / MIB:.1f} MiB, {wall:.2f} s",
              file=sys.stderr)
        if not SANITIZED:
            self.assertLess(rss, FIXED_OVERHEAD + 4 * MIB)  # 1 MiB buffer bound per direction

    def test_segment_bound_shows_in_the_metrics(self):
        pcap = self.path("reverse_small.pcap")
        info = hostile_cases.out_of_order_stream(pcap, 5000, order="reverse", mark_segment=10)
        stats, hits, out = with_metrics(
            self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c",
                   self.config("reassembly:\n  max-segments: 1000\n")], 120)
        self.assertEqual(stats["reassembly"]["segments_exceeded"], info["segments"] - 1001)
        self.assertEqual(hits["reassembly.max-segments"], info["segments"] - 1001)
        self.assertEqual(hits["reassembly.max-buffered-bytes"], 0)
        self.assertEqual(len(records(out)), 1)

    def test_100k_segments_reordered_within_the_bounds_lose_nothing(self):
        # Within the bounds (reordering by at most 64 segments), all 100,000 segments are
        # reassembled and the marking in the very last ones is found; no bound is hit.
        pcap = self.path("blocks.pcap")
        info = hostile_cases.out_of_order_stream(pcap, order="blocks", mark_segment=99_990)
        rc, out, err, rss, wall = run_measured(
            ["-r", pcap, "--rules", DEFAULT_RULES, "--stats"], 120)
        self.assertEqual(rc, 0, err)
        ra = last_json(err)["reassembly"]
        self.assertEqual(ra["delivered_bytes"], info["stream_bytes"])
        self.assertEqual((ra["gaps"], ra["depth_exceeded"], ra["segments_exceeded"]), (0, 0, 0))
        (alert,) = records(out)
        self.assertEqual(alert["alert"]["context"]["dlp"]["offset"], info["mark_offset"])

    def test_overlapping_fragments_first_wins_and_every_anomaly_is_counted(self):
        # Bounds: the 65535-byte IP maximum, "first wins" on overlaps, and defrag.max-datagrams
        # (1000 here) against 20,000 first fragments that never complete.
        pcap = self.path("frags.pcap")
        expect = hostile_cases.overlapping_fragments(pcap, incomplete=20_000)
        stats, hits, out = with_metrics(
            self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c",
                   self.config("defrag:\n  max-datagrams: 1000\n")], 120)
        d = stats["defrag"]
        self.assertEqual(d["reassembled"], expect["reassembled"])
        self.assertEqual(d["overlap_conflicts"], expect["conflicts"])
        self.assertGreaterEqual(d["overlaps"], expect["conflicts"] + 2)  # + the benign ones
        self.assertEqual(d["too_large"], expect["too_large"])
        self.assertEqual(d["bad"], expect["inconsistent"])
        # The never-completed datagrams, plus the fragments that follow the 512th of the
        # 600-fragment datagram (dropped below), which start a datagram that never completes.
        self.assertEqual(d["evicted"], expect["incomplete"] + 1 - 1000)
        self.assertEqual(hits["defrag.max-datagrams"], d["evicted"])
        # defrag.max-fragments at its default (512): the 600-fragment datagram is dropped.
        self.assertEqual(d["too_many_fragments"], 1)
        self.assertEqual(hits["defrag.max-fragments"], 1)
        got = sorted((a["src_ip"], a["src_port"], a["alert"]["context"]["dlp"]["offset"])
                     for a in records(out))
        self.assertEqual(got, sorted(expect["alerts"]))

    def test_fragment_count_bound_is_configurable(self):
        # Bound: defrag.max-fragments. Raised to 1024, the 600-fragment datagram reassembles
        # and its marking alerts; at 600 exactly it still does; at 599 it is dropped.
        pcap = self.path("frags_only.pcap")
        expect = hostile_cases.overlapping_fragments(pcap, many=600)
        for bound, kept in ((1024, True), (600, True), (599, False)):
            with self.subTest(bound=bound):
                rc, out, err, _, _ = run_measured(
                    ["-r", pcap, "--rules", DEFAULT_RULES, "--stats", "-c",
                     self.config(f"defrag:\n  max-fragments: {bound}\n")], 60)
                self.assertEqual(rc, 0, err)
                d = last_json(err)["defrag"]
                self.assertEqual(d["too_many_fragments"], 0 if kept else 1)
                self.assertEqual(d["reassembled"], expect["reassembled"] + int(kept))
                got = [(a["src_ip"], a["src_port"], a["alert"]["context"]["dlp"]["offset"])
                       for a in records(out) if a["src_port"] == 52000]
                self.assertEqual(got, [expect["many_alert"]] if kept else [])

    def test_compression_bombs_stop_at_the_size_bound(self):
        # Bound: http.max-decompressed-bytes 1 MiB (ratio check off). Each of the three bombs
        # (deflate, chunked gzip, gzip in 7-byte chunks) inflates to 32 MiB + the marking: each
        # is cut at 1 MiB and counted, none alerts; the small gzip upload after them does.
        pcap = self.path("bombs.pcap")
        info = hostile_cases.compression_bombs(pcap)
        cfg = self.config("http:\n  max-decompressed-bytes: 1048576\n"
                          "  max-compression-ratio: 0\n")
        stats, hits, out = with_metrics(self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c", cfg],
                                        120)
        self.assertEqual(stats["http"]["decompression_bombs"], info["bombs"])
        self.assertEqual(hits["http.max-decompressed-bytes"], info["bombs"])
        self.assertEqual(hits["http.max-compression-ratio"], 0)
        self.assertLess(stats["inspection"]["bytes_inspected"], 4 * (MIB + 200_000))
        (alert,) = records(out)
        self.assertEqual((alert["src_ip"], alert["src_port"]), info["fine_client"])
        self.assertEqual(alert["alert"]["context"]["dlp"]["layer"], "http.request.body.gzip")

    def test_compression_bombs_stop_at_the_ratio_bound(self):
        # Bound: http.max-compression-ratio 100 (size bound at its default 64 MiB, more than a
        # bomb inflates to): every bomb stops at about 100 x its input and is counted under
        # the ratio's own limit.
        pcap = self.path("bombs.pcap")
        info = hostile_cases.compression_bombs(pcap)
        rc, out, err, rss, wall = run_measured(
            ["-r", pcap, "--rules", DEFAULT_RULES, "--stats", "-c",
             self.config("http:\n  max-compression-ratio: 100\n")], 60)
        self.assertEqual(rc, 0, err)
        stats = last_json(err)
        self.assertEqual(stats["http"]["decompression_bombs"], info["bombs"])
        self.assertEqual(stats["http"]["ratio_exceeded"], info["bombs"])
        # Inspected: the raw streams plus ~100x each compressed body, far from 3 x 32 MiB.
        self.assertLess(stats["inspection"]["bytes_inspected"], 16 * MIB)
        self.assertEqual(len(records(out)), 1)
        print(f"\ncompression bombs: peak RSS {rss / MIB:.1f} MiB, {wall:.2f} s", file=sys.stderr)
        if not SANITIZED:
            self.assertLess(rss, FIXED_OVERHEAD + 16 * MIB)

    def test_absurd_chunk_sizes_stop_the_decoder_cleanly_and_the_raw_stream_still_alerts(self):
        # Bound: chunk sizes over 2^60 (15 hex digits) and chunk-size lines over 8 KiB are
        # framing errors: the HTTP decoder stops for that direction and counts a parse error;
        # the raw stream is still matched, so the marking in the request after the bad chunk
        # alerts on every connection. A 14-digit size is valid framing (a huge chunk that
        # swallows the rest), an extension is fine and the decoder resyncs on the next request.
        pcap = self.path("chunks.pcap")
        info = hostile_cases.absurd_chunks(pcap)
        rc, out, err, rss, wall = run_measured(
            ["-r", pcap, "--rules", DEFAULT_RULES, "--stats"], 60)
        self.assertEqual(rc, 0, err)
        stats = last_json(err)
        self.assertEqual(stats["http"]["parse_errors"], info["invalid"])
        self.assertEqual(stats["http"]["chunked_bodies"], info["connections"])
        alerts = records(out)
        self.assertEqual(sorted((a["src_ip"], a["src_port"]) for a in alerts),
                         sorted(info["clients"]))
        valid = [c for c, (_, bad) in zip(info["clients"], hostile_cases.ABSURD_CHUNK_SIZES)
                 if not bad]
        layers = {(a["src_ip"], a["src_port"]): a["alert"]["context"]["dlp"]["layer"]
                  for a in alerts}
        for client in valid:
            self.assertEqual(layers[client], "http.request.body")
        for client in set(info["clients"]) - set(valid):
            self.assertEqual(layers[client], "tcp.stream")

    def test_mime_parts_that_never_end_are_flushed_at_the_end_of_the_flow(self):
        # Bound: whatever a part's length, a multipart parser holds at most one boundary line;
        # a part that never meets its closing boundary ends with its flow. Each of the four
        # connections (SMTP left open, SMTP closed mid-DATA, HTTP body ended by its length,
        # HTTP left open mid-body) carries an 8 MiB part and then a base64 part with the
        # marking: every one alerts on its decoded layer, in memory far below the parts' sum.
        pcap = self.path("mime.pcap")
        info = hostile_cases.endless_mime(pcap)
        rc, out, err, rss, wall = run_measured(
            ["-r", pcap, "--rules", DEFAULT_RULES, "--stats"], 60)
        self.assertEqual(rc, 0, err)
        stats = last_json(err)
        self.assertEqual(stats["smtp"]["parse_errors"], 0)
        self.assertEqual(stats["http"]["parse_errors"], 0)
        got = sorted((a["src_port"], a["alert"]["context"]["dlp"]["layer"],
                      a["alert"]["context"]["dlp"]["offset"]) for a in records(out))
        offset = info["content"].index(hostile_cases.MARK)
        self.assertEqual(got, sorted(
            [(c[1], "smtp.mime.base64", offset) for c in info["smtp_clients"]] +
            [(c[1], "http.request.body.multipart", offset) for c in info["http_clients"]]))
        print(f"\nendless MIME: peak RSS {rss / MIB:.1f} MiB, {wall:.2f} s", file=sys.stderr)
        if not SANITIZED:
            self.assertLess(rss, FIXED_OVERHEAD + 16 * MIB)  # 4 x 8 MiB parts never held

        # Bound: inspection-depth 4 MiB, shorter than the long part: the decoders never reach
        # the marking, each direction is cut once and counted.
        rc, out, err, _, _ = run_measured(
            ["-r", pcap, "--rules", DEFAULT_RULES, "--stats", "-c",
             self.config("inspection-depth: 4194304\n")], 60)
        self.assertEqual(rc, 0, err)
        self.assertEqual(records(out), [])
        self.assertEqual(last_json(err)["inspection"]["depth_exceeded"], 4)


    def test_decoder_bounds_are_configurable_and_counted_at_their_limit(self):
        # Bounds: http.max-part-header-bytes, http.max-trailer-bytes and smtp.max-header-bytes
        # 1024, smtp.max-line-bytes 512, smtp.max-mime-depth 1, http.max-pending-requests 2.
        # Each flow goes just past one of them (~2000-byte sections, a 600-byte command line,
        # two nested multiparts, three pipelined requests) and stays within the defaults: at
        # the defaults nothing is counted; configured, each bound is hit once, in --stats and
        # under its own key. The marking is in plain text, so every flow alerts either way.
        pcap = self.path("decoder_bounds.pcap")
        info = hostile_cases.decoder_bounds(pcap)
        rc, out, err, _, _ = run_measured(["-r", pcap, "--rules", DEFAULT_RULES, "--stats"], 60)
        self.assertEqual(rc, 0, err)
        stats = last_json(err)
        counted = ("part_header_too_large", "trailer_too_large", "pending_requests_exceeded")
        self.assertEqual([stats["http"][k] for k in counted], [0, 0, 0])
        self.assertEqual([stats["smtp"][k] for k in
                          ("line_too_long", "header_too_large", "mime_too_deep")], [0, 0, 0])
        clients = sorted(info["clients"])
        self.assertEqual(sorted((a["src_ip"], a["src_port"]) for a in records(out)), clients)

        cfg = self.config("http:\n  max-part-header-bytes: 1024\n  max-trailer-bytes: 1024\n"
                          "  max-pending-requests: 2\nsmtp:\n  max-line-bytes: 512\n"
                          "  max-header-bytes: 1024\n  max-mime-depth: 1\n")
        stats, hits, out = with_metrics(self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c", cfg],
                                        60)
        self.assertEqual([stats["http"][k] for k in counted], [1, 1, 1])
        self.assertEqual([stats["smtp"][k] for k in
                          ("line_too_long", "header_too_large", "mime_too_deep")], [1, 1, 1])
        self.assertEqual(stats["http"]["parse_errors"], 0)  # bounds, not errors
        for key in ("http.max-part-header-bytes", "http.max-trailer-bytes",
                    "http.max-pending-requests", "smtp.max-line-bytes", "smtp.max-header-bytes",
                    "smtp.max-mime-depth"):
            self.assertEqual(hits[key], 1, key)
        self.assertEqual(sorted((a["src_ip"], a["src_port"]) for a in records(out)), clients)

    def test_resync_after_a_hole_is_bounded_and_counted(self):
        # Bounds: http.max-resync-bytes and smtp.max-resync-bytes 1024. Each flow loses a
        # segment (acknowledged), then carries 2,000 bytes of lines that start nothing before
        # a message whose marking only decoding reveals. At the defaults (1 MiB) both decoders
        # resynchronise and alert in the decoded layer; at 1024 both give up, counted in
        # --stats and under their keys, and nothing alerts (the raw bytes hold no marking).
        pcap = self.path("resync.pcap")
        info = hostile_cases.resync_bounds(pcap)
        rc, out, err, _, _ = run_measured(["-r", pcap, "--rules", DEFAULT_RULES, "--stats"], 60)
        self.assertEqual(rc, 0, err)
        stats = last_json(err)
        self.assertEqual(sorted((a["src_port"], a["alert"]["context"]["dlp"]["layer"])
                                for a in records(out)),
                         [(info["http_client"][1], "http.request.body.gzip"),
                          (info["smtp_client"][1], "smtp.mime.base64")])
        for decoder in ("http", "smtp"):
            self.assertEqual([stats[decoder][k] for k in ("gaps", "resyncs", "resync_failures")],
                             [1, 1, 0], decoder)

        cfg = self.config("http:\n  max-resync-bytes: 1024\nsmtp:\n  max-resync-bytes: 1024\n")
        stats, hits, out = with_metrics(self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c", cfg],
                                        60)
        self.assertEqual(records(out), [])
        for decoder in ("http", "smtp"):
            self.assertEqual([stats[decoder][k] for k in ("gaps", "resyncs", "resync_failures")],
                             [1, 0, 1], decoder)
            self.assertEqual(hits[f"{decoder}.max-resync-bytes"], 1, decoder)

    def test_archive_bounds_are_configurable_and_counted_at_their_limit(self):
        # Bound: extraction.max-archive-entries. The PUT's ZIP has two entries, the marking in
        # the second (q3/plan.txt). At the bound (2) it alerts and nothing is counted; at 1 the
        # walk stops before the second entry, counted in --stats and under its own key, and
        # nothing alerts. (The per-entry byte and ratio bounds are pinned at their limits by
        # the ZipWalker unit tests.)
        pcap = self.path("zip.pcap")
        dlp_cases.case_http_zip_upload_raw_put().save(pcap)
        for entries, alerts, hits_expected in ((2, 1, 0), (1, 0, 1)):
            with self.subTest(entries=entries):
                stats, hits, out = with_metrics(
                    self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c",
                           self.config(f"extraction:\n  max-archive-entries: {entries}\n")], 60)
                self.assertEqual(len(records(out)), alerts)
                self.assertEqual(stats["zip"]["entries_exceeded"], hits_expected)
                self.assertEqual(hits.get("extraction.max-archive-entries", 0), hits_expected)

    def test_files_nested_past_the_depth_bound_are_not_opened_and_counted(self):
        # Bound: extraction.max-depth. The attachment outer.zip holds inner.zip holding
        # plan.txt, the marked file: three files deep. At 3 it alerts, naming all three; at 2
        # plan.txt is not opened, counted, and inner.zip (and outer.zip around it) become
        # uninspectable ("max-depth"), which an uninspectable-file rule reports.
        pcap = self.path("nested.pcap")
        dlp_cases.case_smtp_nested_zip_attachment().save(pcap)
        rules = self.path("uninspectable.yaml")
        with open(rules, "w") as f:
            f.write("rules:\n  - id: 9\n    name: uninspectable file\n"
                    "    file: {uninspectable: true, types: [zip]}\n")
        for depth, alerts, hits_expected in ((3, [1000], 0), (2, [9], 1)):
            with self.subTest(depth=depth):
                stats, hits, out = with_metrics(
                    self, ["-r", pcap, "--rules", DEFAULT_RULES, "--rules", rules, "-c",
                           self.config(f"extraction:\n  max-depth: {depth}\n")], 60)
                got = records(out)
                self.assertEqual([a["alert"]["signature_id"] for a in got], alerts)
                self.assertEqual(stats["inspection"]["file_depth_exceeded"], hits_expected)
                self.assertEqual(hits.get("extraction.max-depth", 0), hits_expected)
                file = got[0]["alert"]["context"]["dlp"]["file"]
                if depth == 3:
                    self.assertEqual(file["path"], ["outer.zip", "inner.zip", "plan.txt"])
                else:
                    self.assertEqual(file["path"], ["outer.zip", "inner.zip"])
                    self.assertEqual(file["uninspectable"], "max-depth")

    def test_decoded_layers_past_the_bound_are_refused_and_counted(self):
        # Bound: inspection-max-layers 1. A multipart upload opens the body's layer and, inside
        # it, the base64 part's: at the default (16) the part is decoded and alerts there; at 1
        # the part's layer is refused, counted with the decoded bytes it would have carried,
        # and the marking, visible only decoded, raises nothing.
        pcap = self.path("multipart.pcap")
        dlp_cases.case_http_multipart_base64_part().save(pcap)
        rc, out, err, _, _ = run_measured(["-r", pcap, "--rules", DEFAULT_RULES, "--stats"], 60)
        self.assertEqual(rc, 0, err)
        self.assertEqual([a["alert"]["context"]["dlp"]["layer"] for a in records(out)],
                         ["http.request.body.multipart"])
        self.assertEqual(last_json(err)["inspection"]["layers_refused"], 0)

        stats, hits, out = with_metrics(
            self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c",
                   self.config("inspection-max-layers: 1\n")], 60)
        self.assertEqual(records(out), [])
        self.assertEqual(stats["inspection"]["layers_refused"], 1)
        self.assertEqual(stats["inspection"]["layer_bytes_refused"],
                         len(b"attachment text: TOP SECRET inside"))
        self.assertEqual(hits["inspection-max-layers"], 1)

    def test_segments_past_the_look_ahead_window_are_dropped_and_counted(self):
        # Bound: reassembly.max-ahead-bytes 65536. 70 segments of 1000 bytes arrive in reverse
        # order, so each is k * 1000 bytes ahead of the delivered point: the four starting past
        # 65,536 bytes (66,000 .. 69,000) are dropped and counted under their own key (not the
        # buffer bound), the first 66,000 bytes are delivered and the marking in segment 10
        # still alerts. At the default (64 MiB) nothing is dropped.
        pcap = self.path("ahead.pcap")
        info = hostile_cases.out_of_order_stream(pcap, segments=70, segment_bytes=1000,
                                                 mark_segment=10)
        rc, out, err, _, _ = run_measured(["-r", pcap, "--rules", DEFAULT_RULES, "--stats"], 60)
        self.assertEqual(rc, 0, err)
        ra = last_json(err)["reassembly"]
        self.assertEqual((ra["ahead_exceeded"], ra["gaps"]), (0, 0))
        self.assertEqual(len(records(out)), 1)
        stats, hits, out = with_metrics(
            self, ["-r", pcap, "--rules", DEFAULT_RULES, "-c",
                   self.config("reassembly:\n  max-ahead-bytes: 65536\n")], 60)
        ra = stats["reassembly"]
        self.assertEqual((ra["ahead_exceeded"], ra["depth_exceeded"]), (4, 0))
        # The dropped tail is not announced as a gap (a dropped segment moves no stream end);
        # the counter is what says it was lost.
        self.assertEqual(ra["delivered_bytes"], 66 * info["segment_bytes"])
        self.assertEqual(hits["reassembly.max-ahead-bytes"], 4)
        self.assertEqual(hits["reassembly.max-buffered-bytes"], 0)
        (alert,) = records(out)
        self.assertEqual(alert["alert"]["context"]["dlp"]["offset"], info["mark_offset"])


class bad_input(unittest.TestCase):
    """Part 6: bad input at the edges. INTERFACE.md: exit 2 with one line naming the file for
    an unreadable or invalid capture, config or rule file; a damaged packet (or the damaged
    tail of a readable capture) is counted, never fatal; exit 1 when records were lost."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.cap = hostile_cases.small_capture()
        self.data, self.offsets = hostile_cases.pcap_bytes(self.cap)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data, mode=0o644):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def run_egressmon(self, *args, timeout=60):
        return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)

    def alerted_ports(self, stdout):
        return sorted(r["src_port"] for r in records(stdout) if r["event_type"] == "alert")

    def expected_ports_before(self, record_index):
        """Ports of the flows whose data record comes before `record_index` (each flow is 8
        records: handshake 3, data 1, ACK 1, teardown 3)."""
        return [45000 + i for i in range(5) if 8 * i + 3 < record_index]

    def assertDamagedTail(self, data, good_records, needle):
        """A capture readable up to `good_records` records: exit 0, one warning naming the
        file and the reason, read_errors 1, those records handled and their alerts kept."""
        path = self.write("damaged.pcap", data)
        proc = self.run_egressmon("-r", path, "--rules", DEFAULT_RULES, "--stats")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        warnings = [l for l in proc.stderr.splitlines() if "warning" in l]
        self.assertEqual(len(warnings), 1, proc.stderr)
        self.assertIn(path, warnings[0])
        self.assertIn(needle, warnings[0])
        stats = last_json(proc.stderr)
        self.assertEqual(stats["capture"]["read_errors"], 1)
        self.assertEqual(stats["packets"], good_records)
        self.assertEqual(self.alerted_ports(proc.stdout),
                         self.expected_ports_before(good_records))

    def test_truncated_mid_record_header(self):
        self.assertDamagedTail(self.data[:self.offsets[21] + 7], 21, "header bytes")

    def test_truncated_mid_packet(self):
        self.assertDamagedTail(self.data[:self.offsets[19] + 16 + 10], 19, "captured bytes")

    def test_garbage_after_a_valid_file_header(self):
        import random
        garbage = random.Random(7).randbytes(4096)
        self.assertDamagedTail(self.data[:24] + garbage, 0, "capture length")

    def test_garbage_and_empty_files_are_refused(self):
        for name, data in [("empty.pcap", b""), ("short.pcap", self.data[:10]),
                           ("text.pcap", b"GET / HTTP/1.1\r\n" * 100)]:
            path = self.write(name, data)
            assert_usage_error(self, self.run_egressmon("-r", path), path)

    def test_record_lengths_that_lie(self):
        h = hostile_cases
        self.assertDamagedTail(h.lying_record(self.data, self.offsets, 20, caplen=300_000), 20,
                               "bigger than snaplen")
        self.assertDamagedTail(h.lying_record(self.data, self.offsets, 20, caplen=0xFFFFFFF0),
                               20, "bigger than snaplen")
        last = len(self.offsets) - 1
        self.assertDamagedTail(h.lying_record(self.data, self.offsets, last, caplen=5000), last,
                               "captured bytes")
        # caplen 0: the record's bytes are then read as the next header.
        self.assertDamagedTail(h.lying_record(self.data, self.offsets, 20, caplen=0), 21,
                               "capture length")

    def test_captured_length_larger_than_the_wire_length_is_not_fatal(self):
        data = hostile_cases.lying_record(self.data, self.offsets, 11, origlen=10)
        path = self.write("orig.pcap", data)
        proc = self.run_egressmon("-r", path, "--rules", DEFAULT_RULES, "--stats")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stats = last_json(proc.stderr)
        self.assertEqual(stats["packets"], len(self.offsets))
        self.assertEqual(self.alerted_ports(proc.stdout), [45000 + i for i in range(5)])
        # Not fatal, not a drop, but counted (and shown in the metrics).
        self.assertEqual(stats["capture"]["length_anomalies"], 1)
        self.assertEqual(stats["drops"], 0)

    def test_pcapng_blocks_whose_lengths_lie(self):
        for kind, needle in [("huge", "block size"), ("past_end", "truncated"),
                             ("unaligned", "multiple of 4"), ("trailer", "don't match"),
                             ("tiny", "< 12")]:
            with self.subTest(kind=kind):
                self.assertDamagedTail(hostile_cases.pcapng_bytes(self.cap, bad_block=(20, kind)),
                                       20, needle)
        whole = hostile_cases.pcapng_bytes(self.cap)
        bad_shb = whole[:4] + struct.pack("<I", 0xFFFFFFF0) + whole[8:]
        path = self.write("shb.pcapng", bad_shb)
        assert_usage_error(self, self.run_egressmon("-r", path), path)

    def test_unreadable_rule_and_config_files(self):
        adir = os.path.join(self.tmp.name, "adir")
        os.mkdir(adir)
        plain = self.write("plain", "x\n")
        for flag in ("--rules", "-c"):
            for path in (adir, os.path.join(plain, "under-a-file.yaml")):
                with self.subTest(flag=flag, path=path):
                    assert_usage_error(self, self.run_egressmon("-r", SAMPLE, flag, path), path)

    def test_files_the_user_may_not_read(self):
        # Root reads anything, so drop to nobody for this one (the capture is world-readable).
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root and setpriv to run as another user")
        os.chmod(self.tmp.name, 0o755)
        rules = self.write("r.yaml", "rules:\n  - id: 1\n    name: a\n    keywords: [x]\n", 0o600)
        cfg = self.write("c.yaml", "workers: 1\n", 0o600)
        sample = self.write("s.pcap", self.data, 0o644)
        secret_pcap = self.write("secret.pcap", self.data, 0o600)
        drop = ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", BINARY]
        for args, path in [(["-r", sample, "--rules", rules], rules),
                           (["-r", sample, "-c", cfg], cfg),
                           (["-r", secret_pcap], secret_pcap)]:
            with self.subTest(path=path):
                proc = subprocess.run(drop + args, capture_output=True, text=True, timeout=60)
                assert_usage_error(self, proc, path)
                self.assertIn("ermission denied", proc.stderr)

    def test_config_values_of_the_wrong_type_or_out_of_range(self):
        cases = [
            ("workers: [1, 2]\n", 1), ("workers: {n: 1}\n", 1), ("workers: 0\n", 1),
            ("workers: many\n", 1), ("max-flows: -5\n", 1),
            ("max-flows: 99999999999999999999\n", 1), ("defrag: 5\n", 1),
            ("defrag:\n  max-bytes: 1\n", 2), ("http:\n  max-header-bytes: big\n", 2),
            ("reassembly:\n  memcap: 1.5\n", 2), ("kafka:\n  spool-max-bytes: -1\n", 2),
            ("inspection-depth: 0x10\n", 1), ("flow-timeouts:\n  tcp-new: [1]\n", 2),
            ("stats: maybe\n", 1), ("read: {a: b}\n", 1), ("home-net: [10.0.0.0/8]\n", 1),
            ("\nworkers: 1\nworkers: 2\n", 3), ("[a, b]: 1\n", 1),
            ("smtp: 5\n", 1), ("smtp:\n  max-line-bytes: 511\n", 2),
            ("smtp:\n  max-header-bytes: 1023\n", 2), ("smtp:\n  max-mime-depth: 0\n", 2),
            ("smtp:\n  max-mime-depth: 65\n", 2), ("smtp:\n  max-lines: 1\n", 2),
            ("http:\n  max-part-header-bytes: 1023\n", 2),
            ("http:\n  max-multipart-depth: 0\n", 2), ("http:\n  max-multipart-depth: 65\n", 2),
            ("extraction:\n  max-archive-entries: 0\n", 2),
            ("extraction:\n  max-flow-decoded-bytes: 1023\n", 2),
            ("extraction:\n  max-rtf-depth: 0\n", 2),
            ("extraction:\n  max-rtf-depth: 65537\n", 2),
            ("extraction:\n  max-pdf-stream-bytes: 1023\n", 2),
            ("extraction:\n  max-pdf-buffered-bytes: -1\n", 2),
            ("extraction:\n  max-pdf-objects: 0\n", 2),
            ("extraction:\n  max-file-time-ms: 0\n", 2),
            ("extraction:\n  max-file-time-ms: 3600001\n", 2),
            ("extraction:\n  max-worker-memory: 1048575\n", 2),
            ("extraction:\n  enabled: maybe\n", 2),
            ("extraction:\n  max-depth: 0\n", 2), ("extraction:\n  max-depth: 65\n", 2),
            ("extraction:\n  max-entry-bytes: 1023\n", 2), ("extraction: 5\n", 1),
            ("extraction:\n  max-xml-depth: 0\n", 2),
            ("extraction:\n  max-xml-depth: 65537\n", 2),
            ("extraction:\n  max-xml-amplification: 0\n", 2),
            ("extraction:\n  max-xml-amplification: 1048577\n", 2),
            ("http:\n  max-trailer-bytes: 16777217\n", 2),
            ("http:\n  max-pending-requests: 0\n", 2),
            ("http:\n  max-pending-requests: 1025\n", 2),
            ("reassembly:\n  max-ahead-bytes: 65535\n", 2),
            ("inspection-max-layers: 0\n", 1), ("inspection-max-layers: 65\n", 1),
            ("inspection-tls-application-data: sometimes\n", 1),
            ("reassembly:\n  max-ahead-bytes: 1073741825\n", 2),
        ]
        for text, line in cases:
            with self.subTest(config=text):
                cfg = self.write("c.yaml", text)
                assert_usage_error(self, self.run_egressmon("-r", SAMPLE, "-c", cfg),
                                   f"{cfg}:{line}")
        for text in ["- a\n- b\n", "just a string\n"]:
            with self.subTest(config=text):
                cfg = self.write("c.yaml", text)
                assert_usage_error(self, self.run_egressmon("-r", SAMPLE, "-c", cfg), cfg)

    def test_rule_values_of_the_wrong_type_or_out_of_range(self):
        head = "rules:\n  - id: 1\n    name: a\n"
        cases = [
            ("rules: 5\n", 1), ("rules:\n  - 5\n", 2), ("[1, 2]\n", 1),
            ("rules:\n  - id: abc\n    name: a\n    keywords: [x]\n", 2),
            ("rules:\n  - id: [1]\n    name: a\n    keywords: [x]\n", 2),
            ("rules:\n  - id: -3\n    name: a\n    keywords: [x]\n", 2),
            ("rules:\n  - id: 99999999999999999999\n    name: a\n    keywords: [x]\n", 2),
            ("rules:\n  - id: 1\n    name: {a: 1}\n    keywords: [x]\n", 3),
            (head + "    keywords: x\n", 4), (head + "    keywords: [[x]]\n", 4),
            (head + "    keywords: ['']\n", 4), (head + "    keywords: [x]\n    severity: 9\n", 5),
            (head + "    keywords: [x]\n    severity: -1\n", 5),
            (head + "    keywords: [x]\n    nocase: maybe\n", 5),
            (head + "    keywords: [x]\n    direction: [egress]\n", 5),
            (head + "    keywords: [x]\n    validate: [luhn]\n", 5),
            (head + "    risks: TLS_MISSING_SNI\n", 4), (head + "    risks: [[TOR]]\n", 4),
            (head + "    categories: [[Web]]\n", 4), (head + "    categories: Web\n", 4),
        ]
        for text, line in cases:
            with self.subTest(rules=text):
                path = self.write("r.yaml", text)
                assert_usage_error(self, self.run_egressmon("-r", SAMPLE, "--rules", path),
                                   f"{path}:{line}")

    def many_alerts_capture(self, n):
        cap = hostile_cases.Capture(1, hostile_cases.START)
        for i in range(n):
            tcp = hostile_cases.TcpSession(cap, hostile_cases.framing(),
                                           (f"10.1.{i // 250}.{i % 250 + 1}", 30000 + i),
                                           (hostile_cases.OUTSIDE, hostile_cases.PORT))
            tcp.open()
            tcp.send(b"TOP SECRET %d" % i)
            tcp.close()
        path = os.path.join(self.tmp.name, f"alerts{n}.pcap")
        cap.save(path)
        return path

    def kafka_config(self, spool, extra=""):
        return self.write("k.yaml", f"""kafka:
  spool-dir: {spool}
  shutdown-grace: 1
  spool-fsync: always
  properties:
    message.timeout.ms: 1000
{extra}""")

    def spool_records(self, spool):
        """(key, payload) of every intact record in the spool's segments (format: disk_spool.h)."""
        out = []
        for seg in sorted(glob.glob(os.path.join(spool, "*.seg"))):
            with open(seg, "rb") as f:
                data = f.read()
            at = 0
            while at + 24 <= len(data):
                magic, crc, klen, plen, _ = struct.unpack_from("<4sIIIq", data, at)
                end = at + 24 + klen + plen
                self.assertEqual(magic, b"\xffES1")
                self.assertLessEqual(end, len(data), "a torn record in the spool")
                self.assertEqual(zlib.crc32(data[at + 8:end]) & 0xFFFFFFFF, crc)
                out.append((data[at + 24:at + 24 + klen], data[at + 24 + klen:end]))
                at = end
            self.assertEqual(at, len(data))
        return out

    def test_unreachable_broker_at_start_spools_every_alert(self):
        # No broker listens: egressmon starts anyway, every alert goes to the spool, none is
        # lost (the spool holds exactly the alerts the JSON sink gives), exit 0 (README: spooled
        # alerts are kept, not lost), and the outage is said on stderr.
        pcap = self.many_alerts_capture(60)
        json_run = self.run_egressmon("-r", pcap, "--rules", DEFAULT_RULES)
        self.assertEqual(json_run.returncode, 0, json_run.stderr)
        expected = {r["alert"]["context"]["alert_id"]: r for r in records(json_run.stdout)}
        self.assertEqual(len(expected), 60)

        spool = os.path.join(self.tmp.name, "spool")
        proc = self.run_egressmon("-r", pcap, "--rules", DEFAULT_RULES, "--stats",
                                  "-c", self.kafka_config(spool),
                                  "--alerts", f"kafka://127.0.0.1:{free_port()}/alerts",
                                  timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("kafka", proc.stderr.lower())
        stats = last_json(proc.stderr)["alert_records"]
        self.assertEqual((stats["written"], stats["spooled"], stats["spool_pending"]),
                         (0, 60, 60))
        self.assertEqual((stats["write_failed"], stats["spool_full"]), (0, 0))
        spooled = {json.loads(p)["alert"]["context"]["alert_id"]: json.loads(p)
                   for _, p in self.spool_records(spool)}
        self.assertEqual(set(spooled), set(expected))
        for alert_id, rec in expected.items():
            self.assertEqual(rec["flow_id"], spooled[alert_id]["flow_id"])

    def test_full_disk_under_the_spool(self):
        # A 64 KiB tmpfs as the spool's file system, no broker, 400 alerts of ~1 KB: the disk
        # fills long before the spool's own bound (default 1 GiB). Alerts that no longer fit
        # are counted as write failures (with the spool's I/O errors), said on stderr, the run
        # exits 1 (records lost); every record accepted before the disk filled is intact.
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        spool_fs = os.path.join(self.tmp.name, "fs")
        os.mkdir(spool_fs)
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", spool_fs],
                               capture_output=True, text=True)
        if mount.returncode != 0:
            self.skipTest(f"cannot mount a tmpfs here: {mount.stderr.strip()}")
        try:
            pcap = self.many_alerts_capture(400)
            spool = os.path.join(spool_fs, "spool")
            proc = self.run_egressmon("-r", pcap, "--rules", DEFAULT_RULES, "--stats",
                                      "-c", self.kafka_config(spool),
                                      "--alerts", f"kafka://127.0.0.1:{free_port()}/alerts",
                                      timeout=120)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn(f"kafka spool {spool}", proc.stderr)
            stats = last_json(proc.stderr)["alert_records"]
            self.assertGreater(stats["spooled"], 0)
            self.assertGreater(stats["write_failed"], 0)
            self.assertGreater(stats["spool_io_errors"], 0)
            self.assertEqual(stats["spool_full"], 0)  # the bound was not what stopped it
            self.assertEqual(stats["spooled"] + stats["write_failed"], 400)
            kept = self.spool_records(spool)
            self.assertEqual(len(kept), stats["spooled"])
            for _, payload in kept:
                self.assertEqual(json.loads(payload)["event_type"], "alert")
        finally:
            subprocess.run(["umount", spool_fs], capture_output=True)


if __name__ == "__main__":
    unittest.main()
