"""The pipeline behind every log call: in-memory queue -> spool on disk -> server.

The caller appends an event dict to a deque and returns. A spooling thread encodes each event on its
own (json.dumps of one event holds the GIL for microseconds, never a whole batch), writes chunks of
them as framed records to the process's spool and hands them to a sending thread, which batches
(500 lines, 4 MiB or 1 s), gzips and POSTs them, and moves the spool's acknowledged position only
once the server has answered every line. Memory stays bounded by the queue; a server that is down
fills the disk, not memory, up to the disk cap.
"""
from __future__ import annotations

import collections
import json
import logging
import os
import threading
import time
from typing import Any, Deque, Dict, List, Optional, Sequence, Tuple

from .delivery import Delivery, Outcome, Rejection, count_lines, send_batch, split_lines
from .raw_chunks import NdjsonOfRaw, RawChunk, count_records, is_raw
from .events import PER_SAMPLE_TYPES, Stamper, envelope, sample_payload
from .pipeline_config import PipelineConfig, PipelineStats
from .spool import REJECTED_FILE, Position, Spool
from .spool_dirs import OwnedSpoolDir
from .transport import Transport
from .rate_limited_log import Warner

log = logging.getLogger("xp_client")

class FlushMarker:
    """Queued behind the events a flush waits for; the spooler notes where they end in the spool."""

    __slots__ = ("written", "position")

    def __init__(self) -> None:
        self.written = threading.Event()
        self.position: Optional[Position] = None


class Pipeline:
    """One per process and server. Threads start on the first event, in the process that logs it."""

    def __init__(self, config: PipelineConfig, adopt_dir: Optional[str] = None, owned_dir: Optional[OwnedSpoolDir] = None) -> None:
        self.config = config
        self.stats = PipelineStats()
        self._adopt_dir = adopt_dir
        # A directory already created and locked (by the training process, for its delivery helper).
        self._owned_dir = owned_dir
        self._reset()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self._queue: Deque[Any] = collections.deque()
        self._room = threading.Condition()
        self._progress = threading.Condition()
        self._wake = threading.Event()
        # Set when an item lands on an empty queue: the spooling thread sleeps on it, not on a clock.
        self._queued = threading.Event()
        self._stop = threading.Event()
        self._spooler_done = threading.Event()
        self._ready = threading.Event()
        self._started = False
        self._closed = False
        self._start_lock = threading.Lock()
        self._flushes = 0
        self.spool: Optional[Spool] = None
        self.spool_dir: Optional[OwnedSpoolDir] = None
        # Encodes raw frames (spooled by a delivery helper) when they are sent; made with the spool.
        self.raw: Optional[NdjsonOfRaw] = None
        self.unauthorized: Optional[str] = None
        self.open_error: Optional[Exception] = None
        self._sender_done = threading.Event()
        self._warner = Warner(log)

    def after_fork_in_child(self) -> None:
        """The parent's threads did not survive the fork and its spool is the parent's to send:
        forget both (without closing what the parent still writes) and start afresh on first use."""
        if self.spool_dir is not None:
            self.spool_dir.abandon_in_child()
        self.stats = PipelineStats()
        self._reset()

    # -- the caller's side ------------------------------------------------------------------------

    def emit(self, stamper: Stamper, type_: str, payload: Dict[str, Any], parents: Sequence[str] = (), event_id: Optional[str] = None) -> str:
        """Stamps and queues an event; `event_id` replaces the stamped id (a fact's id derived from the fact)."""
        event = stamper.event(type_, payload, parents)
        if event_id is not None:
            event["eventId"] = event_id
        self.submit(event)
        return event["eventId"]

    def emit_sample(
        self, stamper: Stamper, problem_id: str, output: str, checkpoint: str, iteration: int, attempt: int,
        tokens: Optional[int], logprob: Optional[float], seed: Optional[int], temperature: Optional[float],
    ) -> str:
        event_id, seq, now_ms = stamper.stamp()
        payload = sample_payload(event_id, problem_id, output, checkpoint, iteration, attempt, tokens, logprob, seed, temperature)
        self.submit(envelope(stamper, event_id, seq, now_ms, "sample.generated", payload))
        return event_id

    def submit(self, event: Dict[str, Any]) -> None:
        if not self._started:
            self.start()
        queue = self._queue
        if len(queue) >= self.config.queue_events:
            self._wait_for_room()
        queue.append(event)
        if len(queue) == 1:
            self._queued.set()

    def _wait_for_room(self) -> None:
        self._warner.warn(
            "queue-full",
            "the in-memory queue is full (%d events): the spool writer is behind the logging rate, log calls wait for room"
            % self.config.queue_events,
        )
        with self._room:
            while len(self._queue) >= self.config.queue_events and not self._spooler_done.is_set():
                self._room.wait(0.05)

    def start(self) -> None:
        with self._start_lock:
            if self._started:
                return
            self._started = True
            for target, name in ((self._spool_loop, "xp-client-spooler"), (self._send_loop, "xp-client-sender")):
                threading.Thread(target=target, name=name, daemon=True).start()

    def wait_ready(self, timeout: Optional[float] = None) -> bool:
        """True once the spooling thread opened the spool (or failed to: see open_error)."""
        return self._ready.wait(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits, at most `timeout` seconds, until the server answered every event logged before."""
        if not self._started:
            return True
        if self._sender_done.is_set():
            return self._all_answered()
        deadline = time.monotonic() + timeout
        marker = FlushMarker()
        self._queue.append(marker)
        self._queued.set()
        if not marker.written.wait(max(0.0, deadline - time.monotonic())) or marker.position is None:
            return False
        with self._progress:
            self._flushes += 1
        self._wake.set()
        try:
            with self._progress:
                while self.spool.acked() < marker.position:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self.unauthorized or self._sender_done.is_set():
                        return self.spool.acked() >= marker.position
                    self._progress.wait(min(remaining, 0.1))
            return True
        finally:
            with self._progress:
                self._flushes -= 1

    def close(self, timeout: float = 10.0) -> bool:
        """Flushes with a bound, stops the threads and keeps whatever is unanswered in the spool.
        Returns within `timeout` + 0.4 s whatever the server does."""
        if self._closed or self.pid != os.getpid():
            return True
        self._closed = True
        if not self._started:
            return True
        done = self.flush(timeout)
        self._stop.set()
        self._queued.set()
        self._wake.set()
        # Both threads return promptly once stopped, unless a request is in flight: it is not waited for.
        self._spooler_done.wait(0.2)
        self._sender_done.wait(0.2)
        if self.spool is not None and self._sender_done.is_set() and self._spooler_done.is_set():
            removed = self.spool.close(remove_if_answered=True)
            if self.spool_dir is not None:
                self.spool_dir.release(remove=removed and not self._has_rejections())
        if not done and self.spool_dir is not None:
            log.warning(
                "xp_client: events not yet answered by %s stay in %s; `xp-client sync %s` sends them",
                self.config.url, self.spool_dir.path, self.spool_dir.path,
            )
        return done

    def _all_answered(self) -> bool:
        return self.spool is not None and self.spool.all_answered()

    def _has_rejections(self) -> bool:
        return self.spool_dir is not None and os.path.exists(os.path.join(self.spool_dir.path, REJECTED_FILE))

    # -- the spooling thread ----------------------------------------------------------------------

    def _spool_loop(self) -> None:
        try:
            if self._owned_dir is not None:
                self.spool_dir = self._owned_dir
            elif self._adopt_dir:
                self.spool_dir = OwnedSpoolDir.adopt(self._adopt_dir)
            else:
                self.spool_dir = OwnedSpoolDir.create(self.config.spool_root, self.config.url)
            self.spool = Spool(self.spool_dir.path)
            self.raw = NdjsonOfRaw(self.spool_dir.path)
            if self.spool.torn_bytes:
                log.warning("xp_client: cut %d bytes of a torn write off the spool in %s", self.spool.torn_bytes, self.spool_dir.path)
        except Exception as error:
            self.open_error = error
            if not self._adopt_dir:
                log.exception("xp_client: cannot open a spool under %s; events are not sent", self.config.spool_root)
            self._spooler_done.set()
            return
        finally:
            self._ready.set()
        encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
        try:
            while True:
                # Cleared before the queue is looked at, so an item that arrives meanwhile wakes the wait below.
                self._queued.clear()
                if not self._spool_pending(encoder):
                    if self._stop.is_set():
                        break
                    self._queued.wait(self.config.poll_s)
        except Exception:
            log.exception("xp_client: the spooling thread failed; later events are not sent")
        finally:
            self._spooler_done.set()
            with self._room:
                self._room.notify_all()

    def _spool_pending(self, encoder: json.JSONEncoder) -> bool:
        """Encodes and spools what is queued; True when there was anything."""
        queue = self._queue
        if not queue:
            return False
        spool = self.spool
        cfg = self.config
        over_cap = spool.pending_bytes() >= cfg.disk_cap_bytes
        lines: List[bytes] = []
        size = 0
        chunks: List[bytes] = []
        for _ in range(len(queue)):
            item = queue.popleft()
            if type(item) is FlushMarker:
                if lines:
                    chunks.append(b"\n".join(lines))
                    lines, size = [], 0
                self._write(chunks)
                chunks = []
                item.position = spool.end()
                item.written.set()
                continue
            if type(item) is RawChunk:
                if lines:
                    chunks.append(b"\n".join(lines))
                    lines, size = [], 0
                if over_cap:
                    lines.extend(self._encode_kept(self.raw.events(item.payload), encoder))
                else:
                    chunks.append(item.payload)
                continue
            if over_cap and item.get("type") in PER_SAMPLE_TYPES:
                self._drop(item)
                continue
            try:
                line = encoder.encode(item).encode("ascii")
            except (TypeError, ValueError) as error:
                self._reject_locally(item, error)
                continue
            lines.append(line)
            size += len(line)
            if len(lines) >= cfg.chunk_lines or size >= cfg.chunk_bytes:
                chunks.append(b"\n".join(lines))
                lines, size = [], 0
                if len(chunks) >= 8:
                    self._write(chunks)
                    chunks = []
                    over_cap = spool.pending_bytes() >= cfg.disk_cap_bytes
        if lines:
            chunks.append(b"\n".join(lines))
        self._write(chunks)
        spool.sync_if_due()
        with self._room:
            self._room.notify_all()
        return True

    def _encode_kept(self, events: List[Dict[str, Any]], encoder: json.JSONEncoder) -> List[bytes]:
        """At the disk cap: the lines of what is kept (all but per-sample events) of a raw chunk."""
        kept = []
        for event in events:
            if event["type"] in PER_SAMPLE_TYPES:
                self._drop(event)
                continue
            try:
                kept.append(encoder.encode(event).encode("ascii"))
            except (TypeError, ValueError) as error:
                self._reject_locally(event, error)
        return kept

    def _write(self, chunks: List[bytes]) -> None:
        if not chunks:
            return
        self.spool.append(chunks)
        self.stats.spooled += sum(count_records(c) if is_raw(c) else count_lines(c) for c in chunks)
        self._wake.set()

    def _drop(self, event: Dict[str, Any]) -> None:
        self.stats.dropped_samples += 1
        self._warner.warn(
            "disk-cap",
            "THE SPOOL IS AT ITS DISK CAP (%d bytes unanswered in %s): new per-sample events are dropped "
            "(%d so far); runs, problems, models, evaluations and metrics are still kept"
            % (self.config.disk_cap_bytes, self.spool_dir.path, self.stats.dropped_samples),
            level=logging.ERROR,
        )

    def _reject_locally(self, event: Dict[str, Any], error: Exception) -> None:
        self.stats.unencodable += 1
        reason = f"not encodable as JSON: {error}"
        record = {"reasons": [reason], "eventRepr": repr(event)[:10_000]}
        self._append_rejected([json.dumps(record).encode()])
        self._warner.warn("unencodable", "an event could not be encoded (%s); see %s" % (reason, self._rejected_path()))

    # -- the sending thread -----------------------------------------------------------------------

    def _send_loop(self) -> None:
        self._ready.wait()
        try:
            if self.spool is not None:
                self._send_until_stopped(Transport(self.config.url, self.config.key, self.config.request_timeout_s))
        except Exception:
            log.exception("xp_client: the sending thread failed; what it had not sent stays in the spool")
        finally:
            self._sender_done.set()
            with self._progress:
                self._progress.notify_all()

    def _send_until_stopped(self, transport: Transport) -> None:
        cfg = self.config
        spool = self.spool
        cursor = spool.acked()
        waiting_since: Optional[float] = None
        while not self._stop.is_set():
            frames = spool.read(cursor, cfg.batch_lines, cfg.batch_bytes)
            batch: List[bytes] = []
            lines = size = 0
            end = cursor
            # Events of raw frames JSON refuses: recorded as rejected once their frame is acknowledged.
            refused: List[Tuple[Dict[str, Any], Exception]] = []
            for chunk, after in frames:
                failed: List[Tuple[Dict[str, Any], Exception]] = []
                if is_raw(chunk):
                    chunk, failed = self.raw.ndjson_at(chunk, after)
                n = count_lines(chunk) if chunk else 0
                if batch and n and (lines + n > cfg.batch_lines or size + len(chunk) > cfg.batch_bytes):
                    break
                if chunk:
                    batch.append(chunk)
                    lines += n
                    size += len(chunk)
                end = after
                refused.extend(failed)
            if not batch and end > cursor:  # frames with nothing encodable in them
                self._acknowledge(end, refused)
                cursor = end
                continue
            if not batch:
                waiting_since = None
                self._wake.wait(cfg.poll_s * 5)
                self._wake.clear()
                continue
            full = lines >= cfg.batch_lines or size >= cfg.batch_bytes or end < spool.end()
            if not full and not self._flushes:
                now = time.monotonic()
                waiting_since = waiting_since or now
                if now - waiting_since < cfg.batch_age_s:
                    self._wake.wait(min(cfg.poll_s * 5, cfg.batch_age_s - (now - waiting_since)))
                    self._wake.clear()
                    continue
            waiting_since = None
            if not self._deliver(transport, batch):
                return
            self._acknowledge(end, refused)
            cursor = end

    def _acknowledge(self, end: Position, refused: List[Tuple[Dict[str, Any], Exception]]) -> None:
        for event, error in refused:
            self._reject_locally(event, error)
        self.spool.ack(end)
        self.raw.forget_through(end)
        with self._progress:
            self._progress.notify_all()

    def _deliver(self, transport: Transport, chunks: List[bytes]) -> bool:
        """Sends until every line is answered (splitting on 413); False when sending must stop."""
        began = time.monotonic()
        delivery: Delivery = send_batch(transport, chunks, self._stop, on_retry=self._on_retry)
        self.stats.send_seconds += time.monotonic() - began
        self.stats.batches += 1
        if delivery.outcome == Outcome.STOPPED:
            return False
        if delivery.outcome == Outcome.UNAUTHORIZED:
            self.unauthorized = delivery.detail
            log.error(
                "xp_client: %s refused the API key (%s); sending stopped, events stay in %s for `xp-client sync` with a valid XP_API_KEY",
                self.config.url, delivery.detail, self.spool_dir.path,
            )
            return False
        if delivery.outcome == Outcome.TOO_LARGE:
            lines = split_lines(chunks)
            if len(lines) == 1:
                self._record_rejections([Rejection(lines[0], [f"HTTP 413: {delivery.detail}"])], 1)
                return True
            half = len(lines) // 2
            return self._deliver(transport, lines[:half]) and self._deliver(transport, lines[half:])
        self._record_rejections(delivery.rejected, sum(count_lines(c) for c in chunks))
        return True

    def _record_rejections(self, rejected: List[Rejection], answered: int) -> None:
        self.stats.answered_lines += answered
        if not rejected:
            return
        self.stats.rejected_lines += len(rejected)
        self._append_rejected(
            [b'{"reasons":' + json.dumps(r.reasons).encode() + b',"event":' + r.line + b"}" for r in rejected]
        )
        self._warner.warn(
            "rejected",
            "the server rejected %d events so far; each is in %s with its reasons"
            % (self.stats.rejected_lines, self._rejected_path()),
        )

    def _on_retry(self, reason: str, delay: float) -> None:
        self._warner.warn(
            "retrying",
            "cannot deliver to %s (%s); retrying with backoff, events are kept in %s"
            % (self.config.url, reason, self.spool_dir.path),
        )

    def _rejected_path(self) -> str:
        return os.path.join(self.spool_dir.path, REJECTED_FILE)

    def _append_rejected(self, records: List[bytes]) -> None:
        with open(self._rejected_path(), "ab") as f:
            f.write(b"\n".join(records) + b"\n")
