"""Spool frames of records as the caller handed them, turned into NDJSON only when they are sent.

The delivery helper receives events faster than a server takes them (a training step can log
hundreds of 4 KB samples in milliseconds; the server answers a few thousand a second). Encoding
JSON at the logging rate would cost the helper a core; copying the records into the spool costs
almost nothing. So the helper spools raw chunks and the sending thread encodes each chunk when it
sends it, at the server's pace.

A raw chunk (one spool frame) is a zero byte, then records, each a little-endian u32 length and a
marshal record (see records.py). NDJSON frames never start with a zero byte. Turning a chunk into
NDJSON needs the producers the records name: the helper keeps them in `producers.json` in the same
spool directory, written before any record naming them is spooled.
"""
from __future__ import annotations

import json
import marshal
import os
import struct
from typing import Any, Dict, List, Optional, Tuple

from .records import PRODUCER, Producers, decode

RAW_MARK = b"\x00"
LENGTH = struct.Struct("<I")
PRODUCERS_FILE = "producers.json"
_TYPE_INT = 0x69  # marshal's TYPE_INT ('i'), with or without its FLAG_REF bit (0x80)


def record_kind(record: bytes) -> int:
    """A record's kind without unmarshalling it: a record is a tuple whose first item is a small
    int, so marshal writes it at byte 2 ('i', 4 bytes little-endian) right after the tuple header."""
    if len(record) > 6 and record[2] & 0x7F == _TYPE_INT:
        return record[3]
    return int(marshal.loads(record)[0])


class RawChunk:
    """Records queued for the spool as one frame; `count` of them are events."""

    __slots__ = ("payload", "count")

    def __init__(self, records: List[bytes]) -> None:
        parts = [RAW_MARK]
        for record in records:
            parts.append(LENGTH.pack(len(record)))
            parts.append(record)
        self.payload = b"".join(parts)
        self.count = len(records)


def is_raw(frame: bytes) -> bool:
    return frame[:1] == RAW_MARK


def count_records(frame: bytes) -> int:
    count = 0
    at = 1
    end = len(frame)
    while at < end:
        at += 4 + LENGTH.unpack_from(frame, at)[0]
        count += 1
    return count


def raw_records(frame: bytes) -> List[bytes]:
    records = []
    at = 1
    end = len(frame)
    while at < end:
        (length,) = LENGTH.unpack_from(frame, at)
        records.append(frame[at + 4 : at + 4 + length])
        at += 4 + length
    return records


def load_producers(spool_dir: str) -> Producers:
    try:
        with open(os.path.join(spool_dir, PRODUCERS_FILE)) as f:
            return {int(k): tuple(v) for k, v in json.load(f).items()}  # type: ignore[misc]
    except FileNotFoundError:
        return {}


def save_producers(spool_dir: str, producers: Producers) -> None:
    path = os.path.join(spool_dir, PRODUCERS_FILE)
    with open(path + ".tmp", "w") as f:
        json.dump({str(k): list(v) for k, v in producers.items()}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)


class NdjsonOfRaw:
    """Encodes raw frames as NDJSON chunks for one spool directory."""

    def __init__(self, spool_dir: str, producers: Optional[Producers] = None) -> None:
        self.spool_dir = spool_dir
        self.producers: Producers = producers if producers is not None else load_producers(spool_dir)
        self._encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
        # Frames already encoded, by the spool position after them: a batch waiting to fill up reads
        # the same frames again, and must not pay for their JSON twice.
        self._encoded: Dict[Any, Tuple[bytes, List[Tuple[Dict[str, Any], Exception]]]] = {}

    def ndjson_at(self, frame: bytes, after: Any) -> Tuple[bytes, List[Tuple[Dict[str, Any], Exception]]]:
        encoded = self._encoded.get(after)
        if encoded is None:
            encoded = self._encoded[after] = self.ndjson(frame)
        return encoded

    def forget_through(self, position: Any) -> None:
        """The frames up to `position` are answered: their encodings are not needed again."""
        for key in [k for k in self._encoded if k <= position]:
            del self._encoded[key]

    def events(self, frame: bytes) -> List[Dict[str, Any]]:
        events = []
        for record in raw_records(frame):
            if record_kind(record) == PRODUCER:
                continue
            try:
                event = decode(record, self.producers)
            except KeyError:
                self.producers.update(load_producers(self.spool_dir))
                event = decode(record, self.producers)
            events.append(event)
        return events

    def ndjson(self, frame: bytes) -> Tuple[bytes, List[Tuple[Dict[str, Any], Exception]]]:
        """The frame's events as NDJSON, and those JSON refuses (left out) with the reason."""
        lines = []
        refused = []
        for event in self.events(frame):
            try:
                lines.append(self._encoder.encode(event).encode("ascii"))
            except (TypeError, ValueError) as error:
                refused.append((event, error))
        return b"\n".join(lines), refused
