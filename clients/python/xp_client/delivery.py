"""One batch to `POST /v1/events` and what the server's answer means for each of its lines.

The server answers per line: 200 `{"accepted": N, "rejected": []}`, or 400 with the same body
listing every rejected line (1-based) with its reasons, the other lines having been appended. A 400
without that list, and any other 4xx but 401/403/413, rejects the whole batch. 401/403 mean the key
is wrong: nothing is rejected, the lines stay in the spool for a later `xp-client sync`.
"""
from __future__ import annotations

import json
import threading
import zlib
from typing import Callable, Dict, List, NamedTuple, Optional

from .transport import Backoff, Response, Transport

EVENTS_PATH = "/v1/events"
# Lines are gzipped in groups of about this many bytes: each compress call releases the GIL, and the
# join before it is a short memcpy.
COMPRESS_GROUP_BYTES = 256 * 1024


class Rejection(NamedTuple):
    line: bytes
    reasons: List[str]


class Outcome:
    ANSWERED = "answered"  # every line accepted or rejected with reasons
    STOPPED = "stopped"  # the stop event was set while retrying
    UNAUTHORIZED = "unauthorized"  # 401/403: keep the lines, stop sending
    TOO_LARGE = "too_large"  # 413: send the lines in smaller batches


class Delivery(NamedTuple):
    outcome: str
    rejected: List[Rejection]
    detail: str = ""


def gzip_lines(chunks: List[bytes]) -> bytes:
    """gzip of the chunks joined by newlines (each chunk already NDJSON without a trailing newline)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    parts: List[bytes] = []
    group: List[bytes] = []
    group_bytes = 0
    for chunk in chunks:
        group.append(chunk)
        group_bytes += len(chunk)
        if group_bytes >= COMPRESS_GROUP_BYTES:
            parts.append(compressor.compress(b"\n".join(group) + b"\n"))
            group, group_bytes = [], 0
    if group:
        parts.append(compressor.compress(b"\n".join(group) + b"\n"))
    parts.append(compressor.flush())
    return b"".join(parts)


def send_batch(
    transport: Transport,
    chunks: List[bytes],
    stop: threading.Event,
    backoff: Optional[Backoff] = None,
    on_retry: Optional[Callable[[str, float], None]] = None,
) -> Delivery:
    body = gzip_lines(chunks)
    headers = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}
    response = transport.call("POST", EVENTS_PATH, body, headers, stop=stop, backoff=backoff, on_retry=on_retry)
    if response is None:
        return Delivery(Outcome.STOPPED, [])
    return interpret(response, chunks)


def interpret(response: Response, chunks: List[bytes]) -> Delivery:
    """What the answer says about each line of the batch."""
    status = response.status
    if status in (401, 403):
        return Delivery(Outcome.UNAUTHORIZED, [], f"HTTP {status}: {error_text(response)}")
    if status == 413:
        return Delivery(Outcome.TOO_LARGE, [], error_text(response))
    answer = parse_json(response.body)
    per_line = answer.get("rejected") if isinstance(answer, dict) else None
    if 200 <= status < 300:
        return Delivery(Outcome.ANSWERED, rejected_lines(chunks, per_line or []))
    if status == 400 and isinstance(per_line, list) and per_line:
        return Delivery(Outcome.ANSWERED, rejected_lines(chunks, per_line))
    reason = f"HTTP {status}: {error_text(response)}"
    return Delivery(Outcome.ANSWERED, [Rejection(line, [reason]) for line in split_lines(chunks)], reason)


def rejected_lines(chunks: List[bytes], per_line: List[Dict]) -> List[Rejection]:
    if not per_line:
        return []
    lines = split_lines(chunks)
    rejections = []
    for entry in per_line:
        number = entry.get("line") if isinstance(entry, dict) else None
        if isinstance(number, int) and 1 <= number <= len(lines):
            reasons = entry.get("reasons") or []
            rejections.append(Rejection(lines[number - 1], [str(r) for r in reasons]))
    return rejections


def split_lines(chunks: List[bytes]) -> List[bytes]:
    return [line for chunk in chunks for line in chunk.split(b"\n")]


def count_lines(chunk: bytes) -> int:
    return chunk.count(b"\n") + 1


def parse_json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def error_text(response: Response) -> str:
    answer = parse_json(response.body)
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        return answer["error"]
    if isinstance(answer, dict) and isinstance(answer.get("message"), str):
        return answer["message"]
    return response.body[:500].decode("utf-8", "replace")
