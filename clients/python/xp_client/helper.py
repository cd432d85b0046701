"""The delivery helper: a process of its own that turns a training process's ring into spooled,
sent events (`python -m xp_client.helper`, started by `helper_pipeline.HelperPipeline`).

Its main thread reads records from the ring and hands them, in chunks and still marshalled, to an
in-process `sender.Pipeline`: its spooling thread writes them to the spool as they are, and its
sending thread turns them into NDJSON when it sends them, so JSON, gzip and I/O hold this process's
GIL, not the trainer's, and JSON is made at the server's pace rather than the loop's. Requests
(flush, close, status) and producer registrations are handled here, in ring order. Ring space is
released only once the pipeline has spooled the records before it, so the ring plus the spool
always hold everything the trainer logged.

When the trainer is gone (its end of the wake pipe closes) the helper reads what is left in the
ring, keeps sending for XP_HELPER_LINGER seconds (default 60), and exits leaving the rest in the
spool for `xp-client sync`.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import logging
import os
import select
import threading
from typing import Any, Deque, Dict, List, Optional, Tuple

from .raw_chunks import RawChunk, load_producers, record_kind, save_producers
from .records import CLOSE, EVENT, EVENT_JSON, EVENT_REPR, FLUSH, SAMPLE, STATUS, Producers, decode
from .ring import Ring
from .pipeline_config import PipelineConfig
from .sender import Pipeline
from .spool_dirs import OwnedSpoolDir

log = logging.getLogger("xp_client")

DEFAULT_LINGER_S = 60.0
EVENT_KINDS = frozenset({SAMPLE, EVENT, EVENT_JSON, EVENT_REPR})
IDLE_POLL_S = 0.002


class Replies:
    """Answers to the trainer's requests, one JSON line each, written from any thread."""

    def __init__(self, fd: int, pipeline: Pipeline) -> None:
        self._fd = fd
        self._pipeline = pipeline
        self._lock = threading.Lock()

    def send(self, request: int, done: bool) -> None:
        line = json.dumps({
            "id": request, "done": done, "stats": dataclasses.asdict(self._pipeline.stats),
            "unauthorized": self._pipeline.unauthorized,
        }).encode() + b"\n"
        with self._lock:
            try:
                os.write(self._fd, line)
            except OSError:
                pass  # the trainer is gone; nobody waits for the answer


class Helper:
    def __init__(self, ring: Ring, pipeline: Pipeline, wake_fd: int, replies: Replies, spool_dir: str) -> None:
        self.ring = ring
        self.pipeline = pipeline
        self.wake_fd = wake_fd
        self.replies = replies
        self.spool_dir = spool_dir
        self.producers: Producers = load_producers(spool_dir)
        # The sending thread encodes with the same table; the file is for a helper started later, and for sync.
        pipeline.wait_ready()
        if pipeline.raw is not None:
            pipeline.raw.producers = self.producers
        self.trainer_alive = True
        self.closing: Optional[Tuple[int, float]] = None
        # (events handed to the pipeline so far, ring position after them): released once spooled.
        self._unspooled: Deque[Tuple[int, int]] = collections.deque()
        self._handed = 0

    def run(self) -> None:
        position = self.ring.released()
        while True:
            records, end = self.ring.read(position)
            batch: List[bytes] = []
            batch_bytes = 0
            for record in records:
                kind = record_kind(record)
                if kind in EVENT_KINDS:
                    batch.append(record)
                    batch_bytes += len(record)
                    if len(batch) >= self.pipeline.config.chunk_lines or batch_bytes >= self.pipeline.config.chunk_bytes:
                        self._hand_over(batch)
                        batch, batch_bytes = [], 0
                    continue
                # Requests and registrations apply to the records before them: those go first.
                self._hand_over(batch)
                batch, batch_bytes = [], 0
                self._handle(record)
            self._hand_over(batch)
            if records:
                self._unspooled.append((self._handed, end))
                position = end
            self._release_spooled()
            if self.closing is not None:
                request, timeout = self.closing
                self.replies.send(request, self.pipeline.close(timeout))
                return
            if not records:
                if not self.trainer_alive:
                    self._linger()
                    return
                self._wait_for_trainer(IDLE_POLL_S)

    def _hand_over(self, records: List[bytes]) -> None:
        """Queues records for the spool as they are: JSON is made when they are sent."""
        if records:
            self.pipeline.submit(RawChunk(records))
            self._handed += len(records)

    def _handle(self, record: bytes) -> None:
        try:
            item = decode(record, self.producers)
        except Exception as error:  # one bad record never stops the helper
            log.error("xp_client helper: skipped a record it could not read (%s)", error)
            return
        if item is None:
            save_producers(self.spool_dir, self.producers)
        elif item[0] == FLUSH:
            _, request, timeout = item
            threading.Thread(target=lambda: self.replies.send(request, self.pipeline.flush(timeout)), daemon=True).start()
        elif item[0] == STATUS:
            self.replies.send(item[1], True)
        elif item[0] == CLOSE:
            self.closing = (item[1], item[2])

    def _release_spooled(self) -> None:
        stats = self.pipeline.stats
        spooled = stats.spooled + stats.dropped_samples + stats.unencodable
        released = None
        while self._unspooled and self._unspooled[0][0] <= spooled:
            released = self._unspooled.popleft()[1]
        if released is not None:
            self.ring.release(released)

    def _wait_for_trainer(self, timeout: float) -> None:
        readable, _, _ = select.select([self.wake_fd], [], [], timeout)
        if readable and not os.read(self.wake_fd, 4096):
            self.trainer_alive = False

    def _linger(self) -> None:
        """The trainer is gone and its ring is read: deliver what is left within a bound."""
        linger = linger_seconds()
        done = self.pipeline.close(linger)
        if not done:
            log.warning("xp_client helper: the training process exited; what the server has not answered stays in %s", self.spool_dir)


def linger_seconds() -> float:
    try:
        return float(os.environ.get("XP_HELPER_LINGER", DEFAULT_LINGER_S))
    except ValueError:
        return DEFAULT_LINGER_S


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xp_client.helper", description="xp_client's delivery helper")
    parser.add_argument("--ring-fd", type=int, required=True)
    parser.add_argument("--wake-fd", type=int, required=True)
    parser.add_argument("--reply-fd", type=int, required=True)
    parser.add_argument("--lock-fd", type=int, required=True)
    parser.add_argument("--spool-dir", required=True)
    parser.add_argument("--config", required=True, help="PipelineConfig fields as JSON, without the key (XP_API_KEY)")
    args = parser.parse_args(argv)
    settings: Dict[str, Any] = json.loads(args.config)
    config = PipelineConfig(key=os.environ.get("XP_API_KEY"), **settings)
    owned = OwnedSpoolDir(args.spool_dir, None if args.lock_fd < 0 else args.lock_fd)
    pipeline = Pipeline(config, owned_dir=owned)
    pipeline.start()
    Helper(Ring(args.ring_fd), pipeline, args.wake_fd, Replies(args.reply_fd, pipeline), args.spool_dir).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
