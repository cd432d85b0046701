"""The pipeline's settings and counters, shared by the in-process pipeline and the delivery helper."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

GiB = 1024 ** 3


@dataclass
class PipelineConfig:
    """Limits and places; the defaults are what the README documents."""

    url: str
    key: Optional[str]
    spool_root: str
    queue_events: int = 100_000
    disk_cap_bytes: int = 5 * GiB
    batch_lines: int = 500
    batch_bytes: int = 4 * 1024 * 1024
    batch_age_s: float = 1.0
    # Events per spool frame: enough bytes for zlib.crc32 to release the GIL, few enough to batch finely.
    chunk_lines: int = 50
    chunk_bytes: int = 256 * 1024
    poll_s: float = 0.02
    request_timeout_s: float = 60.0
    # Shared memory between a training process and its delivery helper (helper mode only).
    ring_bytes: int = 64 * 1024 * 1024


@dataclass
class PipelineStats:
    spooled: int = 0
    answered_lines: int = 0
    rejected_lines: int = 0
    dropped_samples: int = 0
    unencodable: int = 0
    batches: int = 0
    # Seconds the sending thread spent in requests, answers included: beside the wall time, how
    # much of the delivery rate the server sets.
    send_seconds: float = 0.0
