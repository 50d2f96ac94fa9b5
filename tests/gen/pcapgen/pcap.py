"""Classic pcap files (microsecond timestamps) and the clock that stamps their records.

The classic format rather than pcapng because every reader under test (libpcap, tshark,
ndpiReader) takes it and its bytes are trivially reproducible.
"""

import calendar
import struct
import time
from typing import BinaryIO, List, Tuple

LINKTYPE_ETHERNET = 1
LINKTYPE_PPP = 9
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113

_MAGIC_MICROSECONDS = 0xA1B2C3D4
_SNAPLEN = 262144


def utc_microseconds(iso: str) -> int:
    """Microseconds since the epoch for ``YYYY-MM-DDTHH:MM:SSZ``, independent of the local zone."""
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) * 1_000_000


class PcapWriter:
    """Writes one pcap stream; the caller owns ``stream`` and closes it."""

    def __init__(self, stream: BinaryIO, linktype: int):
        self._stream = stream
        stream.write(struct.pack("<IHHiIII", _MAGIC_MICROSECONDS, 2, 4, 0, 0, _SNAPLEN, linktype))

    def write(self, timestamp_us: int, frame: bytes) -> None:
        """Append one record, never truncated (the snap length is larger than any frame here)."""
        seconds, micros = divmod(timestamp_us, 1_000_000)
        self._stream.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
        self._stream.write(frame)


class Capture:
    """Frames in capture order with a clock that only moves forward.

    Flow builders append to it; nothing is written until ``save`` so a script can build the
    whole capture first and write it in one go.
    """

    def __init__(self, linktype: int, start_us: int):
        self.linktype = linktype
        self.now_us = start_us
        self.records: List[Tuple[int, bytes]] = []

    def advance(self, delta_us: int) -> None:
        """Move the clock, e.g. to leave idle time between flows."""
        if delta_us < 0:
            raise ValueError("the capture clock cannot go backwards")
        self.now_us += delta_us

    def add(self, frame: bytes, after_us: int = 0) -> None:
        """Record ``frame`` ``after_us`` microseconds after the previous one."""
        self.advance(after_us)
        self.records.append((self.now_us, frame))

    def save(self, path: str) -> None:
        """Write every record to ``path`` as a classic pcap file."""
        with open(path, "wb") as stream:
            writer = PcapWriter(stream, self.linktype)
            for timestamp_us, frame in self.records:
                writer.write(timestamp_us, frame)
