"""The default pipeline: log calls copy a record into shared memory; a helper process does the rest.

A training step that logs hundreds of 4 KB samples cannot afford JSON, gzip or spool writes in its
own process: they would hold its GIL (wandb moved its work into a separate process for the same
reason). Here a `log_*` call stamps the event (id, seq, time), marshals its fields and copies them
into a ring in shared memory (`ring.py`), and returns. The helper process (`helper.py`, started on
the first event with this interpreter) reads the ring and runs the in-process pipeline of
`sender.py` in its own interpreter: it spools the records as they are, and turns them into JSON,
batches, gzips, POSTs and retries when it sends (`raw_chunks.py`).

Guarantee: once a `log_*` call has returned, its event is in memory the helper maps. If the training
process is then killed (SIGKILL included), the helper still reads it, spools it and sends it; it
keeps sending for XP_HELPER_LINGER seconds (default 60) and leaves the rest in the spool for
`xp-client sync`. The helper releases ring space only after the event is in the spool, so a helper
that dies is started again and resumes from the first record not yet spooled.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from typing import Any, Dict, Optional, Sequence

from .errors import InvalidEventError
from .events import Stamper
from .rate_limited_log import Warner
from .records import CLOSE, FLUSH, STATUS, control_record, event_record, producer_record, sample_record
from .ring import Ring, RingFull, create_ring_fd
from .pipeline_config import PipelineConfig, PipelineStats
from .spool_dirs import OwnedSpoolDir

log = logging.getLogger("xp_client")

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A helper that keeps dying is not started forever: after this many starts, log calls raise.
MAX_HELPER_STARTS = 5


class HelperUnavailable(RuntimeError):
    """The delivery helper cannot be started; the message says why."""


class HelperPipeline:
    """One per process and server, like `sender.Pipeline`, with the same caller-facing methods."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self._reset()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self._start_lock = threading.Lock()
        self._respawn_lock = threading.Lock()
        self._indices: Dict[Stamper, int] = {}
        self._ring: Optional[Ring] = None
        self._helper: Optional[subprocess.Popen] = None
        self._helper_starts = 0
        self._wake_fd: Optional[int] = None
        self._replies_fd: Optional[int] = None
        self._replies: Dict[int, Dict[str, Any]] = {}
        self._reply_buffer = b""
        self._reply_lock = threading.Lock()
        self._requests = itertools.count(1)
        self._closed = False
        self._closed_done = True
        self._last_stats = PipelineStats()
        # Log calls that found the ring full, and the seconds they waited for room: the helper's throughput
        # showing through to the caller (zero while the helper keeps up).
        self.room_waits = 0
        self.room_wait_seconds = 0.0
        self.unauthorized: Optional[str] = None
        self.spool_dir: Optional[OwnedSpoolDir] = None
        self._warner = Warner(log)

    def after_fork_in_child(self) -> None:
        """The ring and the helper are the parent's: drop this process's copies of their descriptors
        (the parent's stay open) and start afresh, with a spool and helper of its own, on first use."""
        for fd in (self._wake_fd, self._replies_fd, self._ring.fd if self._ring else None):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.spool_dir is not None:
            self.spool_dir.abandon_in_child()
        self._reset()

    # -- the caller's side ------------------------------------------------------------------------

    def emit(self, stamper: Stamper, type_: str, payload: Dict[str, Any], parents: Sequence[str] = (), event_id: Optional[str] = None) -> str:
        """Stamps an event and hands it over; `event_id` replaces the stamped id (a fact's id derived from the fact)."""
        index = self._indices.get(stamper)
        if index is None:
            index = self._register(stamper)
        stamped_id, seq, now_ms = stamper.stamp()
        event_id = event_id or stamped_id
        self._write(event_record(index, event_id, seq, now_ms, type_, payload, parents))
        return event_id

    def emit_sample(
        self, stamper: Stamper, problem_id: str, output: str, checkpoint: str, iteration: int, attempt: int,
        tokens: Optional[int], logprob: Optional[float], seed: Optional[int], temperature: Optional[float],
    ) -> str:
        index = self._indices.get(stamper)
        if index is None:
            index = self._register(stamper)
        event_id, seq, now_ms = stamper.stamp()
        self._write(sample_record(index, event_id, seq, now_ms, problem_id, output, checkpoint, iteration, attempt, tokens, logprob, seed, temperature))
        return event_id

    def _register(self, stamper: Stamper) -> int:
        self.start()
        with self._start_lock:
            index = self._indices.get(stamper)
            if index is None:
                index = len(self._indices)
                self._write(producer_record(index, stamper.team, stamper.experiment_id, stamper.run_id, stamper.producer))
                self._indices[stamper] = index
        return index

    def _write(self, record: bytes) -> None:
        if self._closed:
            # The helper has exited (close() ran, at exit or by hand): nothing would read the record.
            self._warner.warn("closed", "an event was logged after the client closed (at exit or by close()); it is not sent",
                              level=logging.ERROR)
            return
        try:
            self._ring.write(record)  # type: ignore[union-attr]
        except RingFull:
            self._write_when_room(record)

    def _write_when_room(self, record: bytes, deadline: Optional[float] = None) -> bool:
        ring = self._ring
        assert ring is not None
        if len(record) + 4 > ring.capacity:
            raise InvalidEventError(f"an event of {len(record)} bytes does not fit the {ring.capacity}-byte ring (raise XP_RING_MIB)")
        self._warner.warn(
            "ring-full",
            "the delivery helper is behind the logging rate (its %d-byte ring is full): log calls wait for room" % ring.capacity,
        )
        pause = 0.0005
        began = time.monotonic()
        self.room_waits += 1
        try:
            while True:
                self._ensure_helper()
                try:
                    ring.write(record)
                    return True
                except RingFull:
                    if deadline is not None and time.monotonic() >= deadline:
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, 0.01)
        finally:
            self.room_wait_seconds += time.monotonic() - began

    # -- the helper process -----------------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self._ring is not None:
                return
            self.spool_dir = OwnedSpoolDir.create(self.config.spool_root, self.config.url)
            self._ring = Ring(create_ring_fd(self.config.ring_bytes))
            self._spawn()

    def _spawn(self) -> None:
        """Starts a helper on this process's ring and spool directory, handing it the directory's lock."""
        assert self._ring is not None and self.spool_dir is not None
        self._helper_starts += 1
        if self._helper_starts > MAX_HELPER_STARTS:
            raise HelperUnavailable(
                f"the delivery helper exited {MAX_HELPER_STARTS} times; events logged so far are in {self.spool_dir.path} "
                "(send them with `xp-client sync`); set XP_CLIENT_MODE=thread to log without a helper"
            )
        if self.spool_dir.lock_fd is None:
            self.spool_dir = OwnedSpoolDir.adopt(self.spool_dir.path)
        wake_r, wake_w = os.pipe()
        replies_r, replies_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = PACKAGE_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.pop("XP_API_KEY", None)
        if self.config.key:
            env["XP_API_KEY"] = self.config.key
        settings = {f.name: getattr(self.config, f.name) for f in dataclasses.fields(self.config) if f.name != "key"}
        lock_fd = self.spool_dir.lock_fd
        fds = [self._ring.fd, wake_r, replies_w] + ([lock_fd] if lock_fd is not None else [])
        try:
            self._helper = subprocess.Popen(
                [sys.executable, "-m", "xp_client.helper", "--ring-fd", str(self._ring.fd), "--wake-fd", str(wake_r),
                 "--reply-fd", str(replies_w), "--lock-fd", str(-1 if lock_fd is None else lock_fd),
                 "--spool-dir", self.spool_dir.path, "--config", json.dumps(settings)],
                # Its warnings go to the trainer's stderr; stdout stays the trainer's own.
                pass_fds=fds, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, close_fds=True,
                # Its own session: a Ctrl-C meant for the trainer does not stop the helper mid-delivery.
                start_new_session=True,
            )
        finally:
            os.close(wake_r)
            os.close(replies_w)
        # The helper holds the lock now; this process's copy would keep it after the helper died.
        self.spool_dir.release(remove=False)
        for fd in (self._wake_fd, self._replies_fd):
            if fd is not None:
                os.close(fd)
        self._wake_fd, self._replies_fd = wake_w, replies_r
        self._reply_buffer = b""
        os.set_blocking(wake_w, False)

    def _ensure_helper(self) -> None:
        if self._helper is None or self._helper.poll() is None or self._closed:
            return
        with self._respawn_lock:  # several waiting threads notice the same exit: one starts the next helper
            if self._helper.poll() is not None:
                log.warning("xp_client: the delivery helper exited (%s); starting it again on %s", self._helper.returncode, self.spool_dir.path)
                self._spawn()

    def _wake(self) -> None:
        try:
            os.write(self._wake_fd, b"!")  # type: ignore[arg-type]
        except (BlockingIOError, OSError):
            pass  # a full pipe already wakes it

    # -- requests to the helper ---------------------------------------------------------------------

    def _request(self, kind: int, timeout: float, wait: float) -> Optional[Dict[str, Any]]:
        """Queues a request behind every record written before it and waits up to `wait` s for the answer."""
        deadline = time.monotonic() + wait
        request = next(self._requests)
        if not self._write_when_room_or_now(control_record(kind, request, timeout), deadline):
            return None
        self._wake()
        return self._await_reply(request, deadline)

    def _write_when_room_or_now(self, record: bytes, deadline: float) -> bool:
        try:
            self._ring.write(record)  # type: ignore[union-attr]
            return True
        except RingFull:
            return self._write_when_room(record, deadline)

    def _await_reply(self, request: int, deadline: float) -> Optional[Dict[str, Any]]:
        while True:
            with self._reply_lock:
                if request in self._replies:
                    return self._replies.pop(request)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._replies_fd is None:
                    return None
                readable, _, _ = select.select([self._replies_fd], [], [], min(remaining, 0.1))
                if readable and not self._read_replies():
                    return None  # the helper is gone; the next write starts another

    def _read_replies(self) -> bool:
        data = os.read(self._replies_fd, 65536)  # type: ignore[arg-type]
        if not data:
            return False
        self._reply_buffer += data
        *lines, self._reply_buffer = self._reply_buffer.split(b"\n")
        for line in lines:
            reply = json.loads(line)
            self._last_stats = PipelineStats(**reply["stats"])
            self.unauthorized = reply.get("unauthorized")
            self._replies[reply["id"]] = reply
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits, at most `timeout` seconds (and half a second for the answer), until the server
        answered every event logged before."""
        if self._ring is None or self.pid != os.getpid():
            return True
        if self._closed:
            return self._closed_done
        self._ensure_helper()
        reply = self._request(FLUSH, timeout, timeout + 0.5)
        return bool(reply and reply["done"])

    @property
    def stats(self) -> PipelineStats:
        """The helper's counters (spooled, answered, rejected, dropped...), asked for now."""
        if self._ring is not None and self.pid == os.getpid() and not self._closed:
            self._request(STATUS, 0.0, 2.0)
        return self._last_stats

    def close(self, timeout: float = 10.0) -> bool:
        """Flushes within `timeout` and lets the helper exit; what is unanswered stays in the spool.
        Returns within `timeout` + 0.5 s whatever the server does."""
        if self._closed or self.pid != os.getpid():
            return True
        self._closed = True
        if self._ring is None:
            return True
        reply = self._request(CLOSE, timeout, timeout + 0.5)
        done = self._closed_done = bool(reply and reply["done"])
        # Closing the wake pipe tells the helper this process is gone, should it still be waiting.
        for fd in (self._wake_fd, self._replies_fd):
            if fd is not None:
                os.close(fd)
        self._wake_fd = self._replies_fd = None
        if not done and self.spool_dir is not None:
            log.warning(
                "xp_client: events not yet answered by %s stay in %s; `xp-client sync %s` sends them",
                self.config.url, self.spool_dir.path, self.spool_dir.path,
            )
        return done
