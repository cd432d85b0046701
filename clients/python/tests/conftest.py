"""Shared fixtures: a scriptable HTTP server for the client's own logic (unit tests), and, for the
integration tests, a real `xp up` on a temporary data dir and a free port."""
from __future__ import annotations

import gzip
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, List, Tuple

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Recorded:
    def __init__(self, headers: dict, lines: List[dict], raw_size: int) -> None:
        self.at = time.monotonic()
        self.headers = headers
        self.lines = lines
        self.raw_size = raw_size


# An answer: (status, headers, body dict) from the request's parsed lines.
Answer = Callable[[List[dict]], Tuple[int, dict, dict]]


def accept_all(lines: List[dict]) -> Tuple[int, dict, dict]:
    return 200, {}, {"accepted": len(lines), "rejected": []}


class StubServer:
    """Records every POST /v1/events (gunzipped, parsed) and answers with `answer`."""

    def __init__(self) -> None:
        self.requests: List[Recorded] = []
        self.answer: Answer = accept_all
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                raw = gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
                lines = [json.loads(line) for line in raw.split(b"\n") if line.strip()]
                with stub.lock:
                    stub.requests.append(Recorded(dict(self.headers), lines, len(raw)))
                    status, headers, answer = stub.answer(lines)
                data = json.dumps(answer).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def events(self) -> List[dict]:
        with self.lock:
            return [e for r in self.requests for e in r.lines]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def stub() -> StubServer:
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def spool_root(tmp_path) -> str:
    return str(tmp_path / "spool")


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def fast_config(url: str, spool_root: str, **overrides):
    """A pipeline config with the production limits unless a test overrides them."""
    from xp_client.pipeline_config import PipelineConfig

    return PipelineConfig(url=url, key="xp_test", spool_root=spool_root, **overrides)


