"""An append-only spool of encoded events on disk, one directory per process.

Segments `seg-NNNNNNNN.xps` hold frames: a little-endian u32 length, a u32 CRC-32 of the payload,
then the payload (a chunk of NDJSON: up to a few dozen encoded events, so the CRC runs over buffers
large enough for zlib to release the GIL). A write cut short by a crash leaves a frame whose length
runs past the end of the file or whose CRC does not match; opening the spool truncates the segment
there, so a torn tail costs at most the chunk being written, never the file. `acked` holds the position up
to which the server has answered every line; a segment is deleted once that position has passed it.
"""
from __future__ import annotations

import json
import os
import struct
import threading
import time
import zlib
from typing import List, NamedTuple, Optional, Tuple

MAGIC = b"XPSPOOL1"
FRAME_HEADER = struct.Struct("<II")
SEGMENT_PREFIX = "seg-"
SEGMENT_SUFFIX = ".xps"
ACKED_FILE = "acked"
META_FILE = "meta.json"
REJECTED_FILE = "rejected.ndjson"
LOCK_FILE = "lock"
DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
FSYNC_INTERVAL_S = 1.0


class SpoolCorrupted(Exception):
    """A frame inside the intact part of a segment no longer matches its CRC (the disk changed it)."""


class Position(NamedTuple):
    """A byte offset in a segment; positions order by (segment, offset)."""

    segment: int
    offset: int


def encode_frame(payload: bytes) -> bytes:
    return FRAME_HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def decode_frames(data: bytes, start: int = 0) -> Tuple[List[bytes], int]:
    """Whole, intact frames from `data[start:]` and the offset just after the last of them."""
    frames: List[bytes] = []
    at = start
    end = len(data)
    header = FRAME_HEADER.size
    while at + header <= end:
        length, crc = FRAME_HEADER.unpack_from(data, at)
        body_end = at + header + length
        if body_end > end:
            break
        payload = data[at + header : body_end]
        if zlib.crc32(payload) != crc:
            break
        frames.append(payload)
        at = body_end
    return frames, at


def segment_name(number: int) -> str:
    return f"{SEGMENT_PREFIX}{number:08d}{SEGMENT_SUFFIX}"


def list_segments(directory: str) -> List[int]:
    numbers = []
    for name in os.listdir(directory):
        if name.startswith(SEGMENT_PREFIX) and name.endswith(SEGMENT_SUFFIX):
            try:
                numbers.append(int(name[len(SEGMENT_PREFIX) : -len(SEGMENT_SUFFIX)]))
            except ValueError:
                continue
    return sorted(numbers)


class Spool:
    """Appends come from one thread, reads and acks from another; a lock guards what they share."""

    def __init__(self, directory: str, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.torn_bytes = 0
        os.makedirs(directory, exist_ok=True)
        self._lock = threading.Lock()
        self._acked = self._read_acked()
        segments = [n for n in list_segments(directory) if n >= self._acked.segment]
        self._sizes = {n: self._recover(n) for n in segments}
        self._current = segments[-1] if segments else max(self._acked.segment, 1)
        if not segments:
            self._create_segment(self._current)
        self._file = open(self._path(self._current), "ab", buffering=0)
        self._last_fsync = time.monotonic()
        self._unsynced = False
        self._readers: dict = {}

    # -- writing (the spooling thread) ------------------------------------------------------------

    def append(self, payloads: List[bytes]) -> None:
        """Writes one frame per payload and hands them to the OS, so a reader sees them at once."""
        if not payloads:
            return
        chunk = b"".join([encode_frame(p) for p in payloads])
        if self._sizes[self._current] + len(chunk) > self.segment_bytes and self._sizes[self._current] > len(MAGIC):
            self._roll()
        view = memoryview(chunk)
        while view:
            view = view[self._file.write(view) :]
        with self._lock:
            self._sizes[self._current] += len(chunk)
        self._unsynced = True

    def sync_if_due(self, force: bool = False) -> None:
        """fsync about once a second: a power cut loses at most the last second, at a bounded cost."""
        if not self._unsynced:
            return
        now = time.monotonic()
        if force or now - self._last_fsync >= FSYNC_INTERVAL_S:
            os.fsync(self._file.fileno())
            self._last_fsync = now
            self._unsynced = False

    def _roll(self) -> None:
        os.fsync(self._file.fileno())
        self._file.close()
        with self._lock:
            self._current += 1
            self._create_segment(self._current)
        self._file = open(self._path(self._current), "ab", buffering=0)

    def _create_segment(self, number: int) -> None:
        with open(self._path(number), "wb") as f:
            f.write(MAGIC)
        self._sizes[number] = len(MAGIC)

    # -- reading and acknowledging (the sending thread) -------------------------------------------

    def end(self) -> Position:
        with self._lock:
            return Position(self._current, self._sizes[self._current])

    def acked(self) -> Position:
        with self._lock:
            return self._acked

    def read(self, start: Position, max_frames: int, max_bytes: int) -> List[Tuple[bytes, Position]]:
        """Up to `max_frames` frames (and about `max_bytes`) from `start`, each with the position after it."""
        frames: List[Tuple[bytes, Position]] = []
        size = 0
        at = start
        while len(frames) < max_frames and size < max_bytes:
            with self._lock:
                if at.segment not in self._sizes:
                    later = [n for n in self._sizes if n > at.segment]
                    if not later:
                        return frames
                    at = Position(min(later), len(MAGIC))
                written = self._sizes[at.segment]
                current = self._current
            offset = max(at.offset, len(MAGIC))
            if offset >= written:
                if at.segment >= current:
                    return frames
                at = Position(at.segment + 1, len(MAGIC))
                continue
            data = self._read_range(at.segment, offset, min(written - offset, max_bytes - size + FRAME_HEADER.size))
            payloads, _ = decode_frames(data)
            if not payloads:
                if frames:
                    return frames
                # One frame larger than the byte budget: take it alone.
                length = FRAME_HEADER.unpack_from(self._read_range(at.segment, offset, FRAME_HEADER.size))[0]
                payloads, _ = decode_frames(self._read_range(at.segment, offset, FRAME_HEADER.size + length))
                if not payloads:
                    raise SpoolCorrupted(f"{self._path(at.segment)}: frame at byte {offset} fails its CRC")
            for payload in payloads[: max_frames - len(frames)]:
                offset += FRAME_HEADER.size + len(payload)
                size += len(payload)
                frames.append((payload, Position(at.segment, offset)))
            at = Position(at.segment, offset)
        return frames

    def ack(self, upto: Position) -> None:
        """Everything before `upto` was answered: remember it and delete the segments it passed."""
        with self._lock:
            if upto <= self._acked:
                return
            self._acked = upto
            done = [n for n in self._sizes if n < upto.segment]
            for n in done:
                del self._sizes[n]
        tmp = os.path.join(self.directory, ACKED_FILE + ".tmp")
        with open(tmp, "w") as f:
            f.write(f"{upto.segment} {upto.offset}\n")
        os.replace(tmp, os.path.join(self.directory, ACKED_FILE))
        for n in done:
            reader = self._readers.pop(n, None)
            if reader is not None:
                reader.close()
            try:
                os.remove(self._path(n))
            except FileNotFoundError:
                pass

    def pending_bytes(self) -> int:
        """Bytes on disk not yet answered (the disk cap is checked against this)."""
        with self._lock:
            total = sum(self._sizes.values())
            return max(0, total - self._acked.offset if self._acked.segment in self._sizes else total)

    def all_answered(self) -> bool:
        return self.acked() >= self.end()

    def close(self, remove_if_answered: bool = True) -> bool:
        """Closes the files; when every line was answered, deletes the segments. True if it did."""
        self.sync_if_due(force=True)
        self._file.close()
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
        if not (remove_if_answered and self.all_answered()):
            return False
        for n in list_segments(self.directory):
            os.remove(self._path(n))
        for name in (ACKED_FILE,):
            try:
                os.remove(os.path.join(self.directory, name))
            except FileNotFoundError:
                pass
        return True

    # -- helpers ----------------------------------------------------------------------------------

    def _path(self, number: int) -> str:
        return os.path.join(self.directory, segment_name(number))

    def _read_range(self, segment: int, offset: int, length: int) -> bytes:
        reader = self._readers.get(segment)
        if reader is None:
            reader = self._readers[segment] = open(self._path(segment), "rb")
        reader.seek(offset)
        return reader.read(length)

    def _read_acked(self) -> Position:
        try:
            with open(os.path.join(self.directory, ACKED_FILE)) as f:
                segment, offset = f.read().split()
                return Position(int(segment), int(offset))
        except (FileNotFoundError, ValueError):
            return Position(0, 0)

    def _recover(self, number: int) -> int:
        """Size of the segment's intact prefix; a torn tail is cut off."""
        path = self._path(number)
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(MAGIC):
            with open(path, "wb") as f:
                f.write(MAGIC)
            self.torn_bytes += len(data)
            return len(MAGIC)
        _, good = decode_frames(data, len(MAGIC))
        if good < len(data):
            self.torn_bytes += len(data) - good
            with open(path, "r+b") as f:
                f.truncate(good)
        return good


def write_meta(directory: str, meta: dict) -> None:
    with open(os.path.join(directory, META_FILE), "w") as f:
        json.dump(meta, f)


def read_meta(directory: str) -> Optional[dict]:
    try:
        with open(os.path.join(directory, META_FILE)) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return None
