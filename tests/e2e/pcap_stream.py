"""Builds one capture out of several (the golden DLP cases) and feeds captures to egressmon
through a FIFO at the test's pace, so a test can stop a broker between two phases of one run.

Cases reuse addresses and ports, so each case is moved `CASE_SPACING_US` later than the one
before: egressmon's idle timeouts (600 s at most by default) end every flow of a case before the
next case starts, and each case's alerts are the same as when it runs alone. The spacing stays
under the capture clock's one-hour jump limit, beyond which a timestamp counts as corrupt.
"""

import errno
import os
import struct
import time

CASE_SPACING_US = 1800 * 1_000_000
_HEADER = struct.Struct("<IHHiIII")
_RECORD = struct.Struct("<IIII")


def read_pcap(path):
    """(global header bytes, [(timestamp_us, orig_len, frame)]) of a classic µs pcap."""
    with open(path, "rb") as f:
        data = f.read()
    header = data[:_HEADER.size]
    if _HEADER.unpack(header)[0] != 0xA1B2C3D4:
        raise ValueError(f"{path}: not a little-endian microsecond pcap")
    records, pos = [], _HEADER.size
    while pos + _RECORD.size <= len(data):
        sec, usec, caplen, orig = _RECORD.unpack_from(data, pos)
        pos += _RECORD.size
        records.append((sec * 1_000_000 + usec, orig, data[pos:pos + caplen]))
        pos += caplen
    return header, records


def record_bytes(timestamp_us, orig_len, frame):
    sec, usec = divmod(timestamp_us, 1_000_000)
    return _RECORD.pack(sec, usec, len(frame), orig_len) + frame


def link_type(header):
    """The link type of a classic pcap file header (little-endian, as pcapgen writes it)."""
    return struct.unpack("<I", header[20:24])[0]


def spaced_cases(paths):
    """(header, [phase records per path]) with every case moved after the previous one; a
    final case-less frame far in the future is appended to the last phase's list by callers
    that need every flow ended by timeout (see `closing_frame`)."""
    header, phases = None, []
    for i, path in enumerate(paths):
        h, recs = read_pcap(path)
        header = header or h
        if link_type(h) != link_type(header):  # one file has one link type for every record
            raise ValueError(f"{path}: link type {link_type(h)}, not the stream's "
                             f"{link_type(header)}")
        phases.append([(ts + i * CASE_SPACING_US, orig, frame) for ts, orig, frame in recs])
    return header, phases


def non_ip_frame(timestamp_us):
    """One ARP-like non-IP frame at `timestamp_us`: counted as not_ip, never a flow or record."""
    frame = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x06" + b"\x00" * 28
    return (timestamp_us, len(frame), frame)


def closing_frame(after_phases):
    """A non-IP frame late enough that every flow before it has timed out, so their alerts are
    raised before the input ends."""
    last_ts = max(ts for phase in after_phases for ts, _, _ in phase)
    return non_ip_frame(last_ts + CASE_SPACING_US)


def write_pcap(path, header, records):
    with open(path, "wb") as f:
        f.write(header)
        for rec in records:
            f.write(record_bytes(*rec))


class FifoFeeder:
    """Writes a pcap to a FIFO in steps. Opening blocks until egressmon opens the other end,
    so start egressmon first."""

    def __init__(self, path, header, process=None):
        """`process`: the egressmon that should open the FIFO; if it exits first (a bad
        configuration), this raises RuntimeError instead of waiting for a reader forever."""
        self.path = path
        if process is None:
            self._f = open(path, "wb", buffering=0)
        else:
            self._f = self._open_while(process)
        self._f.write(header)

    def _open_while(self, process):
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
                if process.poll() is not None:
                    raise RuntimeError(f"egressmon exited ({process.returncode}) before "
                                       f"opening {self.path}")
                time.sleep(0.05)
                continue
            os.set_blocking(fd, True)
            return os.fdopen(fd, "wb", buffering=0)

    def feed(self, records):
        self._f.write(b"".join(record_bytes(*r) for r in records))

    def close(self):
        if self._f:
            self._f.close()
            self._f = None


def make_fifo(directory, name="capture.pcap"):
    path = os.path.join(directory, name)
    os.mkfifo(path)
    return path
