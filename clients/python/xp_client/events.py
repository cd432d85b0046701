"""Event envelopes as the server validates them: UUIDv7 ids, per-producer seq, occurredAt.

Everything here runs on the caller's thread, so it does no I/O and builds one dict per event.
"""
from __future__ import annotations

import itertools
import os
import random
import socket
import time
from typing import Any, Dict, Optional, Sequence, Tuple

SCHEMA_VERSION = 1

# Event types that carry one sample's facts: the only ones dropped when the spool is at its disk cap.
PER_SAMPLE_TYPES = frozenset({"sample.generated", "sample.verified", "reward.assigned"})

_ids = random.Random()


def reseed_ids() -> None:
    """A forked child must not draw the same id bits as its parent."""
    _ids.seed(os.urandom(16))


reseed_ids()


def uuid7(now_ms: Optional[int] = None) -> str:
    """A UUIDv7 (RFC 9562): 48 bits of unix ms, version 7, 12 + 62 random bits, lower-case hex."""
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    rand = _ids.getrandbits(74)
    return "%08x-%04x-%04x-%04x-%012x" % (
        ms >> 16, ms & 0xFFFF, 0x7000 | (rand >> 62), 0x8000 | ((rand >> 48) & 0x3FFF), rand & 0xFFFFFFFFFFFF,
    )


# (unix second, its RFC 3339 text), replaced whole so threads never pair one second with another's text.
_second_text: Tuple[int, str] = (-1, "")


def iso_ms(now_ms: int) -> str:
    """RFC 3339 UTC with milliseconds, as the other producers write occurredAt."""
    global _second_text
    seconds, ms = divmod(now_ms, 1000)
    cached = _second_text
    if cached[0] != seconds:
        # Formatting the date costs more than the rest of an event: once per second is enough.
        cached = _second_text = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return "%s.%03dZ" % (cached[1], ms)


def producer_name(rank: Optional[str]) -> str:
    """Unique per process: seq is counted per producer, and a forked child is a producer of its own."""
    host = socket.gethostname().split(".")[0][:40] or "host"
    rank_part = f"-r{rank}" if rank is not None else ""
    return f"xp-client/{host}/{os.getpid()}{rank_part}/{_ids.getrandbits(32):08x}"


class Stamper:
    """Stamps envelopes for one run and one producer; seq counts up from 0."""

    __slots__ = ("team", "experiment_id", "run_id", "producer", "_seq")

    def __init__(self, team: str, experiment_id: str, run_id: str, producer: str) -> None:
        self.team = team
        self.experiment_id = experiment_id
        self.run_id = run_id
        self.producer = producer
        self._seq = itertools.count()

    def event(self, type_: str, payload: Dict[str, Any], parents: Sequence[str] = ()) -> Dict[str, Any]:
        now_ms = time.time_ns() // 1_000_000
        return {
            "eventId": uuid7(now_ms),
            "type": type_,
            "schemaVersion": SCHEMA_VERSION,
            "team": self.team,
            "experimentId": self.experiment_id,
            "runId": self.run_id,
            # next() on itertools.count is atomic under the GIL: threads of one producer never share a seq.
            "seq": next(self._seq),
            "producer": self.producer,
            "occurredAt": iso_ms(now_ms),
            # A tuple rather than a list: one object fewer for the cyclic GC to walk per queued event.
            "parents": tuple(parents),
            "payload": payload,
        }

