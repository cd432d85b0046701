"""Spool directories: one per process, named by time, host, pid and rank, and locked while in use.

The lock (flock on `lock`) tells `xp-client sync` which directories a live process still sends; it is
released when the process exits, however it exits. A forked child inherits the descriptor but not
the ownership: it drops its copy and makes a directory of its own on its first event.
"""
from __future__ import annotations

import os
import shutil
import socket
import time
from typing import Iterator, Optional

from .spool import LOCK_FILE, META_FILE, list_segments, write_meta

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; sync then trusts the caller not to sync a live spool
    fcntl = None  # type: ignore[assignment]


def default_spool_root() -> str:
    return os.environ.get("XP_SPOOL_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "xp-client", "spool")


def process_rank() -> Optional[str]:
    """The data-parallel rank torchrun and friends set, when set."""
    return os.environ.get("RANK") or os.environ.get("LOCAL_RANK")


class SpoolLocked(Exception):
    """Another live process owns this spool directory."""


class OwnedSpoolDir:
    def __init__(self, path: str, lock_fd: Optional[int]) -> None:
        self.path = path
        self._lock_fd = lock_fd

    @property
    def lock_fd(self) -> Optional[int]:
        """The descriptor holding the lock (handed to the delivery helper, which then owns the directory)."""
        return self._lock_fd

    @classmethod
    def create(cls, root: str, url: str) -> "OwnedSpoolDir":
        rank = process_rank()
        host = socket.gethostname().split(".")[0][:40] or "host"
        name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{host}-p{os.getpid()}" + (f"-r{rank}" if rank else "")
        path = os.path.join(root, name)
        suffix = 0
        while os.path.exists(path):
            suffix += 1
            path = os.path.join(root, f"{name}.{suffix}")
        os.makedirs(path)
        owned = cls(path, lock(path))
        write_meta(path, {"url": url, "pid": os.getpid(), "rank": rank, "host": host, "createdAt": time.time()})
        return owned

    @classmethod
    def adopt(cls, path: str) -> "OwnedSpoolDir":
        """Takes over a directory its process left behind; SpoolLocked while that process lives."""
        return cls(path, lock(path))

    def release(self, remove: bool) -> None:
        if remove:
            shutil.rmtree(self.path, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def abandon_in_child(self) -> None:
        """Closing a forked child's copy of the descriptor leaves the parent's lock in place."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def lock(path: str) -> Optional[int]:
    if fcntl is None:
        return None
    fd = os.open(os.path.join(path, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise SpoolLocked(f"{path} is in use by a live process (it sends its own events)")
    return fd


def spool_dirs_under(path: str) -> Iterator[str]:
    """`path` itself when it is a spool directory, else the spool directories below it."""
    if is_spool_dir(path):
        yield path
        return
    if not os.path.isdir(path):
        return
    for name in sorted(os.listdir(path)):
        child = os.path.join(path, name)
        if os.path.isdir(child):
            yield from spool_dirs_under(child)


def is_spool_dir(path: str) -> bool:
    return os.path.isdir(path) and (os.path.exists(os.path.join(path, META_FILE)) or bool(list_segments(path)))
