"""A real `xp up` for integration tests: a temporary data dir, a free port, the CLI as users run it."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from typing import List, Optional

REPO_ROOT = os.environ.get("XP_REPO_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
XP_BIN = os.path.join(REPO_ROOT, "services/cli/bin/xp.js")
KEY_LINE = re.compile(r"#key=(\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def xp(args: List[str], data_dir: str, timeout: float = 300) -> str:
    result = subprocess.run(["node", XP_BIN, *args, "--data-dir", data_dir], capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"xp {' '.join(args)} exited {result.returncode}: {result.stdout}\n{result.stderr}")
    return result.stdout


class XpServer:
    def __init__(self, data_dir: str, port: Optional[int] = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key: Optional[str] = None
        self.process: Optional[subprocess.Popen] = None
        self._log = open(os.path.join(data_dir, f"xp-up-{self.port}.log"), "ab")

    def start(self, timeout: float = 90) -> "XpServer":
        self.process = subprocess.Popen(
            ["node", XP_BIN, "up", "--port", str(self.port), "--data-dir", self.data_dir],
            stdout=subprocess.PIPE, stderr=self._log, text=True,
        )
        deadline = time.monotonic() + timeout
        for line in self.process.stdout:
            match = KEY_LINE.search(line)
            if match:
                self.key = match.group(1)
                break
            if time.monotonic() > deadline:
                break
        if self.key is None:
            self.stop()
            raise RuntimeError(f"xp up did not come up; see {self._log.name}")
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self.process = None

    def projected_counts(self, sql: str) -> List[dict]:
        """Stops the server, projects whatever the log holds, and runs a read-only query on the store."""
        self.stop()
        xp(["project"], self.data_dir)
        out = xp(["sql", sql, "--format", "JSONEachRow"], self.data_dir)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql", data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
