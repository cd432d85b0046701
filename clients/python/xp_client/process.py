"""Per-process state: the pipelines of this process, what a fork does to them, and exit.

A forked child gets fresh queues and threads (started lazily on its first event) and a spool
directory of its own, so the parent's backlog is never sent twice. At exit, each process flushes
only the pipelines it owns, within a bound (XP_EXIT_TIMEOUT, default 10 s); what is left stays in
the spool for `xp-client sync`.
"""
from __future__ import annotations

import atexit
import multiprocessing.util
import os
import threading
import time
import weakref
from typing import Dict, Optional, Tuple, Union

from .errors import ConfigurationError
from .events import reseed_ids
from .helper_pipeline import HelperPipeline
from .ring import supported as ring_supported
from .pipeline_config import PipelineConfig
from .sender import Pipeline

DEFAULT_EXIT_TIMEOUT_S = 10.0

AnyPipeline = Union[Pipeline, HelperPipeline]
_pipelines: Dict[Tuple[str, Optional[str], str], AnyPipeline] = {}
_pipelines_lock = threading.Lock()
# Objects with an after_fork_in_child() method (runs renew their producer and seq).
_fork_aware: "weakref.WeakSet" = weakref.WeakSet()


def client_mode() -> str:
    """XP_CLIENT_MODE: `helper` (the default where the shared-memory ring works: x86-64 Linux) hands
    events to a delivery process; `thread` spools and sends from threads of this process."""
    mode = os.environ.get("XP_CLIENT_MODE") or ("helper" if ring_supported() else "thread")
    if mode not in ("helper", "thread"):
        raise ConfigurationError(f"XP_CLIENT_MODE must be 'helper' or 'thread', not {mode!r}")
    if mode == "helper" and not ring_supported():
        raise ConfigurationError("XP_CLIENT_MODE=helper needs x86-64 (the ring relies on its store order); use 'thread'")
    return mode


def pipeline_for(config: PipelineConfig) -> AnyPipeline:
    key = (config.url, config.key, config.spool_root)
    with _pipelines_lock:
        pipeline = _pipelines.get(key)
        if pipeline is None:
            pipeline = _pipelines[key] = HelperPipeline(config) if client_mode() == "helper" else Pipeline(config)
        return pipeline


def track_fork(obj: object) -> None:
    _fork_aware.add(obj)


def flush_all(timeout: float) -> bool:
    """Flushes every pipeline of this process within one shared bound."""
    deadline = time.monotonic() + timeout
    done = True
    for pipeline in list(_pipelines.values()):
        done = pipeline.flush(max(0.0, deadline - time.monotonic())) and done
    return done


def close_all(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    done = True
    for pipeline in list(_pipelines.values()):
        if pipeline.pid == os.getpid():
            done = pipeline.close(max(0.0, deadline - time.monotonic())) and done
    return done


def exit_timeout() -> float:
    try:
        return float(os.environ.get("XP_EXIT_TIMEOUT", DEFAULT_EXIT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_EXIT_TIMEOUT_S


def _at_exit() -> None:
    close_all(exit_timeout())


def _after_fork_in_child() -> None:
    global _pipelines_lock
    # The lock may have been held by another thread of the parent at the instant of the fork.
    _pipelines_lock = threading.Lock()
    reseed_ids()
    for pipeline in list(_pipelines.values()):
        pipeline.after_fork_in_child()
    for obj in list(_fork_aware):
        obj.after_fork_in_child()  # type: ignore[attr-defined]


class _MultiprocessingExit:
    """multiprocessing's forked workers leave through os._exit, which skips atexit; they run their
    finalizers first. A worker clears the finalizers it inherited, then runs its after-fork hooks:
    this one registers the exit flush there."""

    def register(self) -> None:
        multiprocessing.util.Finalize(None, _at_exit, exitpriority=100)


_multiprocessing_exit = _MultiprocessingExit()
multiprocessing.util.register_after_fork(_multiprocessing_exit, _MultiprocessingExit.register)
atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
