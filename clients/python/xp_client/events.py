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
    """Stamps envelopes for one run and one producer; seq counts up from 0.

    Ids are UUIDv7 with the random bits drawn once per millisecond and a counter added within it
    (RFC 9562, section 6.2, method 3): formatting one 48-bit number per event instead of drawing and
    formatting 74 random bits keeps the caller's cost to a fraction of a microsecond.
    """

    __slots__ = ("team", "experiment_id", "run_id", "producer", "_seq", "_ms", "_id_prefix", "_id_base", "_in_ms")

    def __init__(self, team: str, experiment_id: str, run_id: str, producer: str) -> None:
        self.team = team
        self.experiment_id = experiment_id
        self.run_id = run_id
        self.producer = producer
        self._seq = itertools.count()
        self._ms = -1
        self._id_prefix = ""
        self._id_base = 0
        self._in_ms = itertools.count()

    def stamp(self) -> Tuple[str, int, int]:
        """(eventId, seq, unix ms) of the next event."""
        now_ms = time.time_ns() // 1_000_000
        if now_ms != self._ms:
            self._new_millisecond(now_ms)
        # next() on itertools.count is atomic under the GIL: threads of one producer never share a seq
        # or an id; a thread that read a stale millisecond still gets a distinct counter value.
        tail = (self._id_base + next(self._in_ms)) & 0xFFFFFFFFFFFF
        return self._id_prefix + "%012x" % tail, next(self._seq), now_ms

    def _new_millisecond(self, now_ms: int) -> None:
        rand = _ids.getrandbits(74)
        # Prefix and base are replaced before the millisecond that selects them, so a racing thread
        # pairs an old prefix with a fresh counter value at worst: still unique within the producer.
        self._id_prefix = "%08x-%04x-%04x-%04x-" % (
            now_ms >> 16, now_ms & 0xFFFF, 0x7000 | (rand >> 62), 0x8000 | ((rand >> 48) & 0x3FFF),
        )
        self._id_base = rand & 0xFFFFFFFFFFFF
        self._in_ms = itertools.count()
        self._ms = now_ms

    def event(self, type_: str, payload: Dict[str, Any], parents: Sequence[str] = ()) -> Dict[str, Any]:
        event_id, seq, now_ms = self.stamp()
        return envelope(self, event_id, seq, now_ms, type_, payload, parents)


def sample_payload(
    sample_id: str, problem_id: str, output: str, checkpoint: str, iteration: int, attempt: int,
    tokens: Optional[int], logprob: Optional[float], seed: Optional[int], temperature: Optional[float],
) -> Dict[str, Any]:
    """sample.generated's payload; facts not given are left out ("not reported"), never sent as null."""
    payload: Dict[str, Any] = {
        "sampleId": sample_id, "problemId": problem_id, "checkpointId": checkpoint, "iteration": iteration,
        "attempt": attempt, "output": output,
    }
    if tokens is not None:
        payload["tokens"] = tokens
    if logprob is not None:
        payload["logprob"] = logprob
    if seed is not None:
        payload["seed"] = seed
    if temperature is not None:
        payload["temperature"] = temperature
    return payload


def envelope(
    stamper: "Stamper", event_id: str, seq: int, now_ms: int, type_: str, payload: Dict[str, Any], parents: Sequence[str] = (),
) -> Dict[str, Any]:
    """The event as the server validates it."""
    return envelope_dict(stamper.team, stamper.experiment_id, stamper.run_id, stamper.producer, event_id, seq, now_ms, type_, payload, parents)


def envelope_dict(
    team: str, experiment_id: str, run_id: str, producer: str, event_id: str, seq: int, now_ms: int, type_: str,
    payload: Any, parents: Sequence[str] = (),
) -> Dict[str, Any]:
    return {
        "eventId": event_id,
        "type": type_,
        "schemaVersion": SCHEMA_VERSION,
        "team": team,
        "experimentId": experiment_id,
        "runId": run_id,
        "seq": seq,
        "producer": producer,
        "occurredAt": iso_ms(now_ms),
        # A tuple rather than a list: one object fewer for the cyclic GC to walk per queued event.
        "parents": tuple(parents),
        "payload": payload,
    }
