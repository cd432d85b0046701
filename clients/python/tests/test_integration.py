"""The client against a real `xp up`: volume from several processes, a server killed mid-stream,
invalid events among good ones, and no server at all until `xp-client sync`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from xp_server import XpServer, free_port

pytestmark = pytest.mark.integration

CLIENT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESTART_PAUSE_S = float(os.environ.get("XP_TEST_RESTART_PAUSE", "20"))

# A producer process: attaches to the run and logs `count` samples, each with its verification.
PRODUCER = textwrap.dedent("""
    import sys, xp_client
    run_id, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    run = xp_client.attach(run_id, experiment="client-it")
    for i in range(count):
        sid = run.log_sample(f"p-{i % 100}", f"w{worker} attempt {i}", checkpoint="c0", iteration=1, attempt=i,
                             tokens=4, logprob=-1.5, seed=i)
        run.log_verification(sid, verdict="correct" if i % 3 else "incorrect", verifier="unit", version="1")
    ok = xp_client.flush(float(sys.argv[4]))
    print("flushed" if ok else "not flushed")
""")


def producer(server_url: str, key: str, spool: str, run_id: str, worker: int, count: int, flush_timeout: float = 300) -> subprocess.Popen:
    env = {**os.environ, "XP_URL": server_url, "XP_API_KEY": key, "XP_SPOOL_DIR": spool, "RANK": str(worker), "PYTHONPATH": CLIENT_DIR,
           "XP_EXIT_TIMEOUT": "1"}
    return subprocess.Popen([sys.executable, "-c", PRODUCER, run_id, str(worker), str(count), str(flush_timeout)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen, timeout: float = 600) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out.strip()


def sample_counts(server: XpServer, run_id: str) -> dict:
    """Rows and distinct event ids of the run's samples and verifications: equal when nothing doubled."""
    [row] = server.projected_counts(
        f"SELECT (SELECT (count(), uniqExact(event_id)) FROM samples WHERE run_id = '{run_id}') AS samples, "
        f"(SELECT (count(), uniqExact(event_id)) FROM verifications WHERE run_id = '{run_id}') AS verifications"
    )
    return {table: {"rows": int(row[table][0]), "events": int(row[table][1])} for table in ("samples", "verifications")}


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "xp-data"
    path.mkdir()
    return str(path)


def test_100000_samples_from_4_processes_are_projected_exactly_once(data_dir, tmp_path):
    server = XpServer(data_dir).start()
    try:
        workers = [producer(server.url, server.key, str(tmp_path / "spool"), "run-volume", w, 25_000) for w in range(4)]
        assert [finished(w) for w in workers] == ["flushed"] * 4
    finally:
        counts = sample_counts(server, "run-volume")
    assert counts == {"samples": {"rows": 100_000, "events": 100_000}, "verifications": {"rows": 100_000, "events": 100_000}}
    # Every process sent all it logged: no spool is left behind.
    assert os.listdir(tmp_path / "spool") == []


def test_a_server_killed_mid_stream_and_restarted_loses_and_doubles_nothing(data_dir, tmp_path):
    server = XpServer(data_dir).start()
    spool = str(tmp_path / "spool")
    worker = producer(server.url, server.key, spool, "run-kill", 0, 20_000)
    try:
        # Kill once the server has taken part of the stream, well before the end.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "xp_events_ingested_total" not in ingested(server):
            time.sleep(0.05)
        time.sleep(0.5)
        server.kill()
        assert worker.poll() is None, "the producer finished before the kill; make the stream longer"
        time.sleep(RESTART_PAUSE_S)
        server = XpServer(data_dir, server.port).start()
        assert finished(worker) == "flushed"
    finally:
        counts = sample_counts(server, "run-kill")
    assert counts == {"samples": {"rows": 20_000, "events": 20_000}, "verifications": {"rows": 20_000, "events": 20_000}}


def ingested(server: XpServer) -> str:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:
            return "\n".join(line for line in response.read().decode().splitlines() if line.startswith("xp_events_ingested_total"))
    except OSError:
        return ""


def test_invalid_events_are_rejected_with_reasons_and_the_rest_projected(data_dir, tmp_path):
    server = XpServer(data_dir).start()
    spool = tmp_path / "spool"
    script = textwrap.dedent("""
        import xp_client
        run = xp_client.init(experiment="client-it", run_id="run-mixed", config={"k": 1}, seed=3)
        for i in range(1000):
            # Every 10th sample claims a positive log-probability, which the schema refuses.
            run.log_sample("p-1", "out", checkpoint="c0", iteration=1, attempt=i, tokens=1, logprob=0.5 if i % 10 == 0 else -0.5, seed=i)
        print(run.finish(timeout=60), run.spool_dir)
    """)
    env = {**os.environ, "XP_URL": server.url, "XP_API_KEY": server.key, "XP_SPOOL_DIR": str(spool), "PYTHONPATH": CLIENT_DIR}
    try:
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        done, spool_dir = result.stdout.split()
        assert done == "True"
        # One warning for all 100 rejections, naming where they are.
        warnings = [line for line in result.stderr.splitlines() if "rejected" in line]
        assert len(warnings) == 1 and "rejected.ndjson" in warnings[0], result.stderr
    finally:
        [row] = server.projected_counts("SELECT count() AS rows FROM samples WHERE run_id = 'run-mixed'")
    assert row["rows"] == 900
    with open(os.path.join(spool_dir, "rejected.ndjson")) as f:
        rejected = [json.loads(line) for line in f]
    assert sorted(r["event"]["payload"]["attempt"] for r in rejected) == list(range(0, 1000, 10))
    assert all(r["reasons"] == ["/payload/logprob must be <= 0"] for r in rejected), rejected[0]


def test_logging_with_no_server_then_xp_client_sync_delivers_everything(data_dir, tmp_path):
    port = free_port()
    spool = str(tmp_path / "spool")
    worker = producer(f"http://127.0.0.1:{port}", "xp_unknown-yet", spool, "run-offline", 0, 5_000, flush_timeout=1)
    assert finished(worker) == "not flushed"
    [left] = os.listdir(spool)
    assert os.path.exists(os.path.join(spool, left, "seg-00000001.xps"))

    server = XpServer(data_dir, port).start()
    try:
        env = {**os.environ, "XP_API_KEY": server.key}
        sync = subprocess.run([os.path.join(os.path.dirname(sys.executable), "xp-client"), "sync", spool], env=env,
                              capture_output=True, text=True, timeout=300)
        assert sync.returncode == 0, sync.stdout + sync.stderr
        assert "10000 events answered" in sync.stdout
        assert os.listdir(spool) == []
    finally:
        counts = sample_counts(server, "run-offline")
    assert counts == {"samples": {"rows": 5_000, "events": 5_000}, "verifications": {"rows": 5_000, "events": 5_000}}
