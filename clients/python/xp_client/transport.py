"""Authenticated HTTP to the xp server, with the retry policy every caller shares.

`Transport.request` is one attempt on a kept-alive connection; `Transport.call` retries network
errors, 408, 429 and 5xx with full-jitter exponential backoff (0.5 s doubling to 30 s, or what the
server's Retry-After asks), until it gets another answer or its `stop` event is set. Other 4xx are
answers, never retried: the caller decides what they mean.
"""
from __future__ import annotations

import email.utils
import http.client
import random
import socket
import threading
import time
import urllib.parse
from typing import Callable, Dict, NamedTuple, Optional, Tuple

from .errors import ConfigurationError

STALE_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)
RETRIABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
# A Retry-After longer than this is treated as this: the server cannot park a trainer's data for hours.
RETRY_AFTER_CAP_S = 300.0


class Response(NamedTuple):
    status: int
    headers: Dict[str, str]
    body: bytes


def is_retriable(status: int) -> bool:
    return status in RETRIABLE_STATUSES or status >= 500


class Backoff:
    """Full jitter (AWS architecture blog): sleep uniform(0, min(cap, base * 2**attempt))."""

    def __init__(self, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S, rng: Optional[random.Random] = None) -> None:
        self.base = base
        self.cap = cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        return min(self.cap, self.base * (2 ** self.attempt))

    def next_delay(self, retry_after: Optional[float] = None) -> float:
        """The wait before the next attempt; Retry-After, when given, is a floor on it."""
        delay = self._rng.uniform(0, self.ceiling())
        self.attempt = min(self.attempt + 1, 32)
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP_S))
        return delay

    def reset(self) -> None:
        self.attempt = 0


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Transport:
    """One kept-alive connection to the server; not shared between threads."""

    def __init__(self, url: str, key: Optional[str], timeout: float = 60.0) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigurationError(f"server url {url!r} is not an http(s) URL; set url= or XP_URL, e.g. http://127.0.0.1:4000")
        self.url = url.rstrip("/")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port
        self._base_path = parsed.path.rstrip("/")
        self._key = key
        self.timeout = timeout
        self._conn: Optional[http.client.HTTPConnection] = None

    def request(self, method: str, path: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None) -> Response:
        """One attempt. Raises OSError / http.client.HTTPException on network failure."""
        all_headers = {"User-Agent": "xp-client"}
        if self._key:
            all_headers["Authorization"] = f"Bearer {self._key}"
        if headers:
            all_headers.update(headers)
        reused = self._conn is not None
        try:
            answer, data = self._exchange(method, path, body, all_headers)
        except STALE_CONNECTION_ERRORS:
            # The server closed a kept-alive connection while it sat idle (Node closes them after 5 s):
            # that is no failure of the server, so try once more at once on a fresh connection.
            if not reused:
                raise
            answer, data = self._exchange(method, path, body, all_headers)
        if answer.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)

    def call(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        headers: Optional[Dict[str, str]] = None,
        stop: Optional[threading.Event] = None,
        backoff: Optional[Backoff] = None,
        on_retry: Optional[Callable[[str, float], None]] = None,
    ) -> Optional[Response]:
        """Retries until an answer that is not retriable; None when `stop` was set first."""
        backoff = backoff or Backoff()
        stop = stop or threading.Event()
        while not stop.is_set():
            retry_after: Optional[float] = None
            try:
                response = self.request(method, path, body, headers)
                if not is_retriable(response.status):
                    backoff.reset()
                    return response
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                reason = f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as error:
                reason = f"{type(error).__name__}: {error}"
            delay = backoff.next_delay(retry_after)
            if on_retry is not None:
                on_retry(reason, delay)
            stop.wait(delay)
        return None

    def _exchange(self, method: str, path: str, body: Optional[bytes], headers: Dict[str, str]) -> Tuple[http.client.HTTPResponse, bytes]:
        conn = self._connection()
        try:
            conn.request(method, self._base_path + path, body=body, headers=headers)
            answer = conn.getresponse()
            return answer, answer.read()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self.timeout)
            self._conn.connect()
            if not self._https:
                self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._conn
