"""What a training process hands its delivery helper through the ring: marshal-encoded tuples.

The caller's thread does the cheapest encoding there is: `marshal.dumps` of a tuple of the fields as
they were given (str, int, float, None, and plain dicts and lists for other events' payloads): a
copy, no JSON. The helper runs the same interpreter (it is started with `sys.executable`), so
marshal's format is the same on both sides (and marshal reads these types across Python 3
versions, so `xp-client sync` may run under another one). The helper spools records as they are;
its sending thread turns each back into the event dict and JSON when it sends, under its own GIL.
"""
from __future__ import annotations

import json
import marshal
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from .events import envelope_dict, sample_payload

# Record kinds (the tuple's first field).
PRODUCER = 0  # (PRODUCER, index, team, experiment, run, producer)
SAMPLE = 1  # (SAMPLE, producer, eventId, seq, ms, problem, output, checkpoint, iteration, attempt, tokens, logprob, seed, temperature)
EVENT = 2  # (EVENT, producer, eventId, seq, ms, type, payload, parents)
EVENT_JSON = 3  # (EVENT_JSON, producer, eventId, seq, ms, type, payload as JSON text, parents): payloads marshal cannot copy
EVENT_REPR = 7  # (EVENT_REPR, producer, eventId, seq, ms, type, why and repr of the payload, parents): not encodable at all
FLUSH = 4  # (FLUSH, request id, timeout s)
CLOSE = 5  # (CLOSE, request id, timeout s)
STATUS = 6  # (STATUS, request id)

CONTROL_KINDS = frozenset({FLUSH, CLOSE, STATUS})

_dumps = marshal.dumps


def sample_record(
    producer: int, event_id: str, seq: int, ms: int, problem_id: str, output: str, checkpoint: str, iteration: int,
    attempt: int, tokens: Optional[int], logprob: Optional[float], seed: Optional[int], temperature: Optional[float],
) -> bytes:
    return _dumps((SAMPLE, producer, event_id, seq, ms, problem_id, output, checkpoint, iteration, attempt, tokens, logprob, seed, temperature))


def event_record(producer: int, event_id: str, seq: int, ms: int, type_: str, payload: Dict[str, Any], parents: Sequence[str]) -> bytes:
    """marshal copies exact builtin types only; a payload holding others (a numpy float, a str
    subclass) is JSON-encoded here instead, which is slower but rare outside samples."""
    try:
        return _dumps((EVENT, producer, event_id, seq, ms, type_, payload, tuple(parents)))
    except ValueError:
        pass
    try:
        text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
        return _dumps((EVENT_JSON, producer, event_id, seq, ms, type_, text, tuple(parents)))
    except (TypeError, ValueError) as error:
        # The helper records it in rejected.ndjson, as the in-process sender does: never raised at the call.
        return _dumps((EVENT_REPR, producer, event_id, seq, ms, type_, f"{error}: {repr(payload)[:10_000]}", tuple(parents)))


def producer_record(index: int, team: str, experiment: str, run: str, producer: str) -> bytes:
    return _dumps((PRODUCER, index, team, experiment, run, producer))


def control_record(kind: int, request: int, timeout: float = 0.0) -> bytes:
    return _dumps((kind, request, timeout))


Producers = Dict[int, Tuple[str, str, str, str]]


class Unencodable:
    """Stands for a payload the caller could not encode; JSON refuses it, so it lands in rejected.ndjson."""

    def __init__(self, description: str) -> None:
        self.description = description

    def __repr__(self) -> str:
        return self.description


def decode(record: bytes, producers: Producers) -> Union[Dict[str, Any], Tuple[Any, ...], None]:
    """An event dict; a control tuple (FLUSH / CLOSE / STATUS); None for a producer's registration."""
    fields = marshal.loads(record)
    kind = fields[0]
    if kind == PRODUCER:
        producers[fields[1]] = fields[2:6]
        return None
    if kind in CONTROL_KINDS:
        return fields
    team, experiment, run, producer = producers[fields[1]]
    if kind == SAMPLE:
        (_, _, event_id, seq, ms, problem_id, output, checkpoint, iteration, attempt, tokens, logprob, seed, temperature) = fields
        payload = sample_payload(event_id, problem_id, output, checkpoint, iteration, attempt, tokens, logprob, seed, temperature)
        type_, parents = "sample.generated", ()
    elif kind == EVENT:
        _, _, event_id, seq, ms, type_, payload, parents = fields
    elif kind == EVENT_JSON:
        _, _, event_id, seq, ms, type_, text, parents = fields
        payload = json.loads(text)
    elif kind == EVENT_REPR:
        _, _, event_id, seq, ms, type_, text, parents = fields
        payload = Unencodable(text)
    else:
        raise ValueError(f"unknown record kind {kind!r}")
    return envelope_dict(team, experiment, run, producer, event_id, seq, ms, type_, payload, parents)
