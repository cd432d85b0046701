"""A single-producer, single-consumer ring of records in shared memory, between a training process
and its delivery helper.

The memory is an unlinked file (memfd where Linux has it) mapped by both processes, so a record the
producer has published stays readable by the helper when the producer is killed: the kernel keeps
the pages while either process maps them.

Layout: a 4 KiB header (the producer's write position at byte 64, the consumer's read position at
byte 128, each a little-endian u64 counting bytes since the start; separate cache lines), then the
data area. A record is a u32 length and its bytes, split across the end of the area when it wraps.
The producer copies the record in and then stores the new write position; the consumer reads
positions, then bytes. Plain stores and loads are enough because x86-64 keeps stores in program
order (TSO); the client only uses the ring on that architecture (see `supported`).
"""
from __future__ import annotations

import mmap
import os
import platform
import struct
import tempfile
import threading
from typing import List, Tuple

HEADER_BYTES = 4096
WRITE_AT = 64
READ_AT = 128
POSITION = struct.Struct("<Q")
LENGTH = struct.Struct("<I")


def supported() -> bool:
    """Where stores become visible to another process in the order they were made."""
    return platform.machine().lower() in ("x86_64", "amd64") and hasattr(os, "fork")


def create_ring_fd(data_bytes: int) -> int:
    """An anonymous file of header + data bytes; nothing on disk or in /dev/shm is left behind."""
    size = HEADER_BYTES + data_bytes
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("xp-client-ring", os.MFD_CLOEXEC)
    else:
        handle = tempfile.TemporaryFile()
        fd = os.dup(handle.fileno())
        handle.close()
    os.ftruncate(fd, size)
    return fd


class RingFull(Exception):
    """The consumer has not made room for a record yet."""


class Ring:
    """One side's view of a ring; the producer writes, the consumer reads and releases."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        size = os.fstat(fd).st_size
        self.capacity = size - HEADER_BYTES
        # Populated up front: a first write to each page would otherwise fault on the caller's thread.
        self._map = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0))
        self._view = memoryview(self._map)
        self._data = self._view[HEADER_BYTES:]
        self.lock = threading.Lock()
        # The producer's view: it alone moves the write position; the read position it last saw.
        self._written = self.written()
        self._released = self.released()

    # -- positions ----------------------------------------------------------------------------------

    def written(self) -> int:
        return POSITION.unpack_from(self._map, WRITE_AT)[0]

    def released(self) -> int:
        return POSITION.unpack_from(self._map, READ_AT)[0]

    def release(self, position: int) -> None:
        """The consumer is done with everything before `position`: the producer may overwrite it."""
        POSITION.pack_into(self._map, READ_AT, position)

    # -- producer -----------------------------------------------------------------------------------

    def write(self, record: bytes) -> None:
        """Copies one record in and publishes it; RingFull when the consumer has not made room."""
        length = len(record)
        size = LENGTH.size + length
        with self.lock:
            at = self._written
            if at + size - self._released > self.capacity:
                # Only the consumer moves the read position: read it again only when the ring looks full.
                self._released = POSITION.unpack_from(self._map, READ_AT)[0]
                if at + size - self._released > self.capacity:
                    raise RingFull(size)
            offset = at % self.capacity
            if offset + size <= self.capacity:
                start = HEADER_BYTES + offset
                LENGTH.pack_into(self._map, start, length)
                self._map[start + LENGTH.size : start + size] = record
            else:
                self._copy_in(offset, LENGTH.pack(length) + record)
            self._written = at + size
            POSITION.pack_into(self._map, WRITE_AT, at + size)

    def _copy_in(self, offset: int, data: bytes) -> None:
        first = self.capacity - offset
        self._data[offset:] = data[:first]
        self._data[: len(data) - first] = data[first:]

    # -- consumer -----------------------------------------------------------------------------------

    def read(self, start: int, max_bytes: int = 4 * 1024 * 1024) -> Tuple[List[bytes], int]:
        """Records published after `start` (up to about max_bytes) and the position after them."""
        end = self.written()
        records: List[bytes] = []
        at = start
        while at < end and at - start < max_bytes:
            length = LENGTH.unpack(self._copy_out(at, LENGTH.size))[0]
            records.append(self._copy_out(at + LENGTH.size, length))
            at += LENGTH.size + length
        return records, at

    def _copy_out(self, position: int, length: int) -> bytes:
        offset = position % self.capacity
        if offset + length <= self.capacity:
            return bytes(self._data[offset : offset + length])
        first = self.capacity - offset
        return bytes(self._data[offset:]) + bytes(self._data[: length - first])

    def close(self) -> None:
        """Unmaps this side's view (the other side's stays); the descriptor is the caller's."""
        self._data.release()
        self._view.release()
        self._map.close()
