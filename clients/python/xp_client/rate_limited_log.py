"""Warnings said once, then at most once a minute per kind: never one line per event."""
from __future__ import annotations

import logging
import threading
import time
from typing import Dict

DEFAULT_INTERVAL_S = 60.0


class Warner:
    def __init__(self, logger: logging.Logger, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._last: Dict[str, float] = {}
        self._suppressed: Dict[str, int] = {}
        self._lock = threading.Lock()

    def warn(self, kind: str, message: str, level: int = logging.WARNING) -> bool:
        """Logs `message` unless this kind was logged within the interval; True when it logged."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self._interval_s:
                self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
                return False
            self._last[kind] = now
            suppressed = self._suppressed.pop(kind, 0)
        suffix = f" ({suppressed} more like this since the last report)" if suppressed else ""
        self._logger.log(level, "xp_client: %s%s", message, suffix)
        return True
