"""Tests for the pcapgen package and the bundled sample capture.

Run from the repository root:  python3 -m unittest discover -s tests/gen -p 'test_*.py'

Builder tests need nothing but Python. The sample is checked against two independent
readers where they are installed: tshark (framing, checksums, reassembly, dissection) and
Debian's nDPI 4.2 ndpiReader (the protocol names egressmon reports); without them those
tests are skipped, not failed.
"""

import csv
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import make_sample  # noqa: E402
from pcapgen import dns, http_messages, smtp, tls  # noqa: E402
from pcapgen.checksum import internet_checksum, pseudo_header  # noqa: E402
from pcapgen.datagrams import UdpFlow, ping  # noqa: E402
from pcapgen.ip import PROTO_TCP, PROTO_UDP, fragment_ipv4, ipv4_packet  # noqa: E402
from pcapgen.link import (CiscoHdlcInPppFraming, EthernetFraming, RawIpFraming,  # noqa: E402
                          SllFraming)
from pcapgen.pcap import (LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_PPP,  # noqa: E402
                          LINKTYPE_RAW, Capture, utc_microseconds)
from pcapgen.tcp_session import TcpSession, split_points  # noqa: E402
from pcapgen.transport import ACK, FIN, PSH, SYN, tcp_segment, udp_datagram  # noqa: E402

SAMPLE = os.path.normpath(make_sample.DEFAULT_OUTPUT)
HAVE_TSHARK = shutil.which("tshark") is not None
HAVE_NDPI = shutil.which("ndpiReader") is not None
CHECK_CHECKSUMS = ["-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                   "-o", "ip.check_checksum:TRUE"]
PROBLEMS = "_ws.malformed || _ws.expert.severity >= warning"
CLIENT, SERVER = ("10.1.0.10", 40000), ("203.0.113.5", 80)

# (client, client port, server, server port) -> (ndpiReader protocol, hostname/SNI)
EXPECTED_NDPI = {
    ("10.1.0.10", "53001", "198.51.100.53", "53"): ("DNS", "www.example.com"),
    ("10.1.0.10", "51000", "203.0.113.10", "80"): ("HTTP", "www.example.com"),
    ("10.1.0.11", "51001", "203.0.113.20", "80"): ("HTTP", "upload.example.net"),
    ("10.1.0.12", "51002", "203.0.113.30", "443"): ("TLS", "files.example.com"),
    ("10.1.0.13", "51003", "198.51.100.25", "25"): ("SMTP", "mail.example.org"),
    ("fd00:10:1::14", "53004", "2001:db8::53", "53"): ("DNS", "v6.example.com"),
    ("fd00:10:1::14", "51004", "2001:db8::80", "80"): ("HTTP", "v6.example.com"),
    ("10.1.20.5", "51005", "198.51.100.80", "80"): ("HTTP", "updates.example.org"),
    ("10.1.0.10", "53002", "198.51.100.53", "53"): ("DNS", "keys.example.net"),
    ("10.1.0.10", "0", "203.0.113.1", "0"): ("ICMP", ""),
}


def tshark(path, *fields, display_filter="", options=()):
    """Rows of ``tshark -T fields``, one list per frame; no ``fields`` means frame numbers."""
    command = ["tshark", "-r", path, *options, "-T", "fields", "-E", "occurrence=a"]
    for field in fields or ("frame.number",):
        command += ["-e", field]
    if display_filter:
        command += ["-Y", display_filter]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return [line.split("\t") for line in result.stdout.splitlines()]


def tcp_view(frame):
    """(seq, ack, flags, payload) of an option-less IPv4 packet captured as raw IP."""
    tcp = frame[20:]
    seq, ack, offset, flags = struct.unpack("!IIBB", tcp[4:14])
    return seq, ack, flags, tcp[(offset >> 4) * 4:]


def raw_session(**kwargs):
    """A capture and a raw-IP TCP session on it, for inspecting segments byte by byte."""
    capture = Capture(LINKTYPE_RAW, 0)
    return capture, TcpSession(capture, RawIpFraming(), CLIENT, SERVER, **kwargs)


class ChecksumTest(unittest.TestCase):
    def test_rfc1071_example(self):
        self.assertEqual(internet_checksum(bytes.fromhex("0001f203f4f5f6f7")), 0x220D)

    def test_ipv4_header_sums_to_zero(self):
        packet = ipv4_packet("10.1.0.1", "203.0.113.1", PROTO_UDP, b"x" * 11, ident=7, df=True)
        self.assertEqual(internet_checksum(packet[:20]), 0)

    def test_transport_checksums_cover_pseudo_header(self):
        for src, dst in (("10.1.0.1", "203.0.113.1"), ("fd00::1", "2001:db8::1")):
            segment = tcp_segment(src, dst, 1, 2, 3, 4, ACK, b"odd")
            datagram = udp_datagram(src, dst, 1, 2, b"odd")
            with self.subTest(src=src):
                self.assertEqual(internet_checksum(
                    pseudo_header(src, dst, PROTO_TCP, len(segment)) + segment), 0)
                self.assertEqual(internet_checksum(
                    pseudo_header(src, dst, PROTO_UDP, len(datagram)) + datagram), 0)


class FragmentTest(unittest.TestCase):
    def setUp(self):
        self.payload = bytes(range(256)) * 14
        self.packet = ipv4_packet("10.1.0.1", "10.1.0.2", PROTO_UDP, self.payload, ident=99)

    def test_fragments_reassemble_to_the_payload(self):
        fragments = fragment_ipv4(self.packet, 1500)
        self.assertEqual(len(fragments), 3)
        data = b""
        for index, fragment in enumerate(fragments):
            ident, flags = struct.unpack("!HH", fragment[4:8])
            self.assertEqual(ident, 99)
            self.assertEqual(flags & 0x1FFF, len(data) // 8)
            self.assertEqual(bool(flags & 0x2000), index < 2)
            self.assertLessEqual(len(fragment), 1500)
            self.assertEqual(internet_checksum(fragment[:20]), 0)
            data += fragment[20:]
        self.assertEqual(data, self.payload)

    def test_small_packet_is_untouched(self):
        self.assertEqual(fragment_ipv4(self.packet, 9000), [self.packet])

    def test_dont_fragment_is_respected(self):
        packet = ipv4_packet("10.1.0.1", "10.1.0.2", PROTO_UDP, self.payload, df=True)
        with self.assertRaises(ValueError):
            fragment_ipv4(packet, 1500)


class TcpSessionTest(unittest.TestCase):
    def test_split_points(self):
        self.assertEqual(split_points(10, 4, None), [(0, 4), (4, 8), (8, 10)])
        self.assertEqual(split_points(10, 4, [1, 9]), [(0, 1), (1, 9), (9, 10)])
        with self.assertRaises(ValueError):
            split_points(10, 4, [5, 5])

    def test_handshake_data_and_teardown_numbering(self):
        capture, tcp = raw_session(mss=4, client_isn=1000, server_isn=5000)
        tcp.open()
        tcp.send(b"0123456789")
        tcp.send(b"ok", from_client=False)
        tcp.close()
        views = [tcp_view(frame) for _, frame in capture.records]
        self.assertEqual([(seq, ack, flags) for seq, ack, flags, _ in views], [
            (1000, 0, SYN), (5000, 1001, SYN | ACK), (1001, 5001, ACK),
            (1001, 5001, ACK), (1005, 5001, ACK), (1009, 5001, PSH | ACK), (5001, 1011, ACK),
            (5001, 1011, PSH | ACK), (1011, 5003, ACK),
            (1011, 5003, FIN | ACK), (5003, 1012, FIN | ACK), (1012, 5004, ACK)])
        self.assertEqual(b"".join(view[3] for view in views[3:6]), b"0123456789")

    def test_order_permutes_and_repeats_segments(self):
        capture, tcp = raw_session(mss=2, client_isn=0)
        tcp.send(b"aabbcc", order=[0, 2, 1, 1], ack=False)
        self.assertEqual([tcp_view(frame)[3] for _, frame in capture.records],
                         [b"aa", b"cc", b"bb", b"bb"])
        with self.assertRaises(ValueError):
            tcp.send(b"aabbcc", order=[0, 1])

    def test_clock_is_monotonic_and_models_the_round_trip(self):
        capture, tcp = raw_session(rtt_us=10_000, gap_us=5)
        tcp.open()
        times = [timestamp for timestamp, _ in capture.records]
        self.assertEqual(times, [0, 10_000, 10_005])

    def test_link_type_mismatch_is_refused(self):
        with self.assertRaises(ValueError):
            TcpSession(Capture(LINKTYPE_ETHERNET, 0), RawIpFraming(), CLIENT, SERVER)


class PayloadTest(unittest.TestCase):
    def test_dns_name_and_answer_layout(self):
        self.assertEqual(dns.encode_name("www.example.com"), b"\x03www\x07example\x03com\x00")
        response = dns.dns_response(1, "a.example", dns.TYPE_A, [dns.a_rdata("192.0.2.1")])
        self.assertEqual(struct.unpack("!HHHHHH", response[:12]), (1, 0x8180, 1, 1, 0, 0))
        self.assertTrue(response.endswith(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04"
                                          b"\xc0\x00\x02\x01"))

    def test_dot_stuffing(self):
        self.assertEqual(smtp.dot_stuff(b"a\r\n.b\r\n"), b"a\r\n..b\r\n.\r\n")

    def test_http_post_length(self):
        request = http_messages.http_post("h.example", "/", b"12345")
        self.assertIn(b"\r\nContent-Length: 5\r\n\r\n12345", request)

    def test_tls_record_and_handshake_lengths_agree(self):
        for version in (tls.TLS12, tls.TLS13):
            hello = tls.client_hello("files.example.com", version=version, seed="s")
            with self.subTest(version=version):
                self.assertEqual(struct.unpack("!H", hello[3:5])[0], len(hello) - 5)
                self.assertEqual(int.from_bytes(hello[6:9], "big"), len(hello) - 9)
                self.assertIn(b"files.example.com", hello)


class SampleTest(unittest.TestCase):
    def test_regenerated_sample_is_byte_identical(self):
        with open(SAMPLE, "rb") as committed:
            expected = committed.read()
        self.assertLess(len(expected), 50_000)
        with tempfile.TemporaryDirectory() as tmp:
            for hash_seed, zone in (("1", "UTC"), ("2", "America/New_York")):
                output = os.path.join(tmp, f"sample-{hash_seed}.pcap")
                env = dict(os.environ, PYTHONHASHSEED=hash_seed, TZ=zone)
                subprocess.run([sys.executable, make_sample.__file__, output], env=env,
                               check=True)
                with open(output, "rb") as regenerated:
                    self.assertEqual(regenerated.read(), expected, f"differs from {SAMPLE}")

    def test_timestamps_start_at_the_documented_time_and_never_go_back(self):
        times = [timestamp for timestamp, _ in make_sample.build_sample().records]
        self.assertEqual(times[0], utc_microseconds("2026-11-24T10:00:00Z"))
        self.assertEqual(times, sorted(times))


@unittest.skipUnless(HAVE_TSHARK, "tshark is not installed")
class SampleTsharkTest(unittest.TestCase):
    def test_every_frame_parses_cleanly_with_checksums_verified(self):
        self.assertEqual(len(tshark(SAMPLE)), len(make_sample.build_sample().records))
        self.assertEqual(tshark(SAMPLE, "frame.number", "_ws.expert.message",
                                display_filter=PROBLEMS, options=CHECK_CHECKSUMS), [])

    def test_every_checksum_is_good(self):
        """Status 1 is "Good"; 2 would mean unverified, so this also proves they were checked."""
        layers = ("ip", "tcp", "udp", "icmp", "icmpv6")
        rows = tshark(SAMPLE, "frame.protocols", *(f"{p}.checksum.status" for p in layers),
                      options=CHECK_CHECKSUMS)
        for row in rows:
            present = row[0].split(":")
            for layer, status in zip(layers, row[1:]):
                if layer in present:
                    self.assertEqual(set(status.split(",")), {"1"}, f"{layer} in {row}")

    def test_fragmented_dns_answer_is_reassembled(self):
        rows = tshark(SAMPLE, "ip.fragment.count", "dns.qry.name", "udp.length",
                      display_filter="dns.txt")
        self.assertEqual(len(rows), 1)
        count, name, udp_length = rows[0]
        self.assertEqual((count, name), ("3", "keys.example.net"))
        self.assertGreater(int(udp_length), 2 * 1480)

    def test_http_post_body_is_visible(self):
        rows = tshark(SAMPLE, "http.host", "http.file_data",
                      display_filter='http.request.method == "POST"')
        self.assertEqual(rows, [["upload.example.net", make_sample.SECRET_BODY.decode()]])

    def test_tls_sni(self):
        rows = tshark(SAMPLE, "tls.handshake.extensions_server_name",
                      display_filter="tls.handshake.type == 1")
        self.assertEqual(rows, [["files.example.com"]])

    def test_dns_names(self):
        names = {row[0] for row in tshark(SAMPLE, "dns.qry.name", display_filter="dns")}
        self.assertEqual(names, {"www.example.com", "v6.example.com", "keys.example.net"})

    def test_smtp_mail_transaction(self):
        commands = [row[0] for row in tshark(SAMPLE, "smtp.req.command",
                                             display_filter="smtp.req")]
        self.assertEqual(commands, ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"])
        self.assertEqual(tshark(SAMPLE, "imf.subject", display_filter="imf"),
                         [["Quarterly figures"]])

    def test_vlan_and_ipv6_flows(self):
        self.assertEqual({row[0] for row in tshark(SAMPLE, "vlan.id", display_filter="vlan")},
                         {"20"})
        self.assertTrue(tshark(SAMPLE, display_filter="ipv6 && tcp.flags.syn == 1"))


@unittest.skipUnless(HAVE_TSHARK, "tshark is not installed")
class BuilderTsharkTest(unittest.TestCase):
    """Link types, versions and anomalies the sample does not contain, read back by tshark."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def save(self, capture):
        path = os.path.join(self.tmp.name, "test.pcap")
        capture.save(path)
        return path

    def test_sll_capture_with_tls12_and_icmpv6(self):
        capture = Capture(LINKTYPE_LINUX_SLL, 0)
        framing = SllFraming("02:00:00:00:00:0a", "02:00:00:00:00:01")
        tcp = TcpSession(capture, framing, ("10.1.0.10", 40000), ("203.0.113.5", 443))
        tcp.open()
        tcp.exchange(tls.handshake_turns("old.example.com", version=tls.TLS12, seed="t"))
        tcp.close()
        ping(capture, framing, "fd00::1", "2001:db8::1", ident=7)
        path = self.save(capture)
        self.assertEqual(tshark(path, display_filter=PROBLEMS, options=CHECK_CHECKSUMS), [])
        self.assertEqual(tshark(path, "tls.handshake.extensions_server_name",
                                display_filter="tls.handshake.type == 1"), [["old.example.com"]])
        self.assertEqual(tshark(path, "tls.handshake.type", "tls.handshake.version",
                                display_filter="tls.handshake.type == 2"), [["2,14", "0x0303"]])
        self.assertEqual(len(tshark(path, display_filter='sll && icmpv6.checksum.status == 1')),
                         2)

    def test_mid_stream_ipv6_over_qinq(self):
        capture = Capture(LINKTYPE_ETHERNET, 0)
        framing = EthernetFraming("02:00:00:00:00:0a", "02:00:00:00:00:01", vlan_ids=(100, 20))
        tcp = TcpSession(capture, framing, ("fd00::1", 40000), ("2001:db8::1", 80))
        tcp.send(http_messages.http_get("v6.example.com"))
        UdpFlow(capture, framing, ("fd00::1", 5353), ("2001:db8::1", 53)).send(b"\x00" * 12)
        path = self.save(capture)
        self.assertEqual(tshark(path, display_filter=PROBLEMS, options=CHECK_CHECKSUMS), [])
        self.assertEqual(tshark(path, "vlan.id", "http.host", display_filter="http"),
                         [["100,20", "v6.example.com"]])

    def test_cisco_hdlc_frames_in_a_ppp_link_capture(self):
        capture = Capture(LINKTYPE_PPP, 0)
        tcp = TcpSession(capture, CiscoHdlcInPppFraming(), ("10.1.0.10", 40000),
                         ("203.0.113.5", 7000))
        tcp.open()
        tcp.send(b"payload")
        path = self.save(capture)
        self.assertEqual(tshark(path, display_filter=PROBLEMS, options=CHECK_CHECKSUMS), [])
        self.assertEqual(tshark(path, "frame.protocols", display_filter="tcp.len > 0"),
                         [["ppp:chdlc:ip:tcp"]])

    def test_deliberate_anomalies_are_reported(self):
        """Proves the PROBLEMS filter the clean-sample test relies on can fire at all."""
        capture = Capture(LINKTYPE_RAW, 0)
        tcp = TcpSession(capture, RawIpFraming(), CLIENT, SERVER, mss=100)
        tcp.open()
        tcp.send(b"y" * 300, order=[0, 2, 1])
        tcp.send(b"z" * 300, order=[0, 1, 1, 2])
        path = self.save(capture)
        self.assertTrue(tshark(path, display_filter=PROBLEMS))
        self.assertTrue(tshark(path, display_filter="tcp.analysis.out_of_order"))
        self.assertTrue(tshark(path, display_filter="tcp.analysis.retransmission"))


@unittest.skipUnless(HAVE_NDPI, "ndpiReader is not installed")
class SampleNdpiTest(unittest.TestCase):
    def test_each_flow_is_classified_as_documented(self):
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "flows.csv")
            subprocess.run(["ndpiReader", "-i", SAMPLE, "-q", "-C", report],
                           capture_output=True, check=True)
            with open(report, newline="") as stream:
                flows = {(row["src_ip"], row["src_port"], row["dst_ip"], row["dst_port"]):
                         (row["ndpi_proto"], row["server_name_sni"])
                         for row in csv.DictReader(stream)}
        self.assertEqual(flows, EXPECTED_NDPI)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(HAVE_TSHARK, "tshark is not installed")
class DlpCasesTsharkTest(unittest.TestCase):
    """The golden DLP captures (dlp_cases.py) must read cleanly in tshark too. Anomalies the
    cases create on purpose (reordering, duplicates, a lost segment) are TCP analysis notes,
    not malformed packets; checksums must still be good."""

    def test_every_case_parses_without_malformed_frames_or_bad_checksums(self):
        import dlp_cases
        with tempfile.TemporaryDirectory() as tmp:
            dlp_cases.write_cases(tmp)
            for name in dlp_cases.CASES:
                path = os.path.join(tmp, name + ".pcap")
                bad = tshark(path, "frame.number", "_ws.expert.message",
                             display_filter="_ws.malformed || ip.checksum.status == 2 || "
                                            "tcp.checksum.status == 2 || udp.checksum.status == 2",
                             options=CHECK_CHECKSUMS)
                self.assertEqual(bad, [], name)

    def test_fragmented_case_reassembles_to_the_marking(self):
        import dlp_cases
        with tempfile.TemporaryDirectory() as tmp:
            dlp_cases.write_cases(tmp)
            rows = tshark(os.path.join(tmp, "udp_fragments.pcap"), "udp.length",
                          display_filter="udp")
        self.assertEqual(rows, [["3008"]])
