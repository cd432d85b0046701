"""The delivery helper process: what a trainer hands it survives the trainer, and the helper itself."""
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import xp_client
from xp_client.errors import ConfigurationError
from xp_client.helper_pipeline import HelperPipeline
from xp_client.run import Run
from xp_client.spool import list_segments

from conftest import fast_config, wait_for

CLIENT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Logs `count` samples and kills itself with SIGKILL the moment the last log call has returned.
KILLED_TRAINER = textwrap.dedent("""
    import os, signal, sys, xp_client
    url, spool, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run = xp_client.init(url=url, key="k", experiment="exp", run_id="run-killed", spool_dir=spool)
    assert type(run._pipeline).__name__ == "HelperPipeline"
    for i in range(count):
        run.log_sample("p", "x" * 4096, checkpoint="c0", iteration=1, attempt=i)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_events_logged_before_the_trainer_is_killed_are_delivered_by_the_helper(stub, spool_root):
    count = 3000
    env = {**os.environ, "PYTHONPATH": CLIENT_DIR, "XP_HELPER_LINGER": "20"}
    trainer = subprocess.run([sys.executable, "-c", KILLED_TRAINER, stub.url, spool_root, str(count)], env=env, timeout=120)
    assert trainer.returncode == -signal.SIGKILL
    assert wait_for(lambda: len({e["eventId"] for e in stub.events()}) == count + 1, timeout=60)
    samples = [e for e in stub.events() if e["type"] == "sample.generated"]
    assert sorted({e["payload"]["attempt"] for e in samples}) == list(range(count))
    # Everything was answered, so the helper leaves no spool behind when it exits.
    assert wait_for(lambda: not any(list_segments(os.path.join(spool_root, d)) for d in os.listdir(spool_root)), timeout=30)


def test_a_helper_that_dies_is_started_again_and_nothing_logged_is_lost(stub, spool_root):
    run = xp_client.init(url=stub.url, key="k", experiment="exp", run_id="run-helper-dies", spool_dir=spool_root)
    pipeline = run._pipeline
    assert isinstance(pipeline, HelperPipeline)
    logged = [run.log_sample("p", f"before {i}", checkpoint="c0", iteration=1, attempt=i) for i in range(2000)]
    first = pipeline._helper.pid
    os.kill(first, signal.SIGKILL)
    pipeline._helper.wait(10)
    logged += [run.log_sample("p", f"after {i}", checkpoint="c0", iteration=1, attempt=i) for i in range(2000)]
    assert run.flush(30)
    assert pipeline._helper.pid != first
    # Records the first helper had not spooled are read again by the second: some may arrive twice
    # (the server keeps one per event id), none is missing.
    assert set(logged) <= {e["eventId"] for e in stub.events()}
    pipeline.close(5)


def test_closing_returns_within_its_bound_when_the_server_never_answers(spool_root):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    run = xp_client.init(url=f"http://127.0.0.1:{silent.getsockname()[1]}", key="k", experiment="exp", run_id="run-silent", spool_dir=spool_root)
    for i in range(500):
        run.log_sample("p", "x", checkpoint="c0", iteration=1, attempt=i)
    spool_dir = run.spool_dir
    began = time.monotonic()
    assert run._pipeline.close(timeout=1.5) is False
    assert 1.4 <= time.monotonic() - began < 2.5
    assert list_segments(spool_dir) != []
    silent.close()


def test_events_json_refuses_are_recorded_as_rejected_when_their_frame_is_sent(stub, spool_root):
    run = xp_client.init(url=stub.url, key="k", experiment="exp", run_id="run-odd", spool_dir=spool_root)
    sid = run.log_sample("p", "x", checkpoint="c0", iteration=1, attempt=0)
    run.log_verification(sid, verdict="correct", verifier="v", version="1", details={"handle": object()})
    run.log_verification(sid, verdict="correct", verifier="v", version="1", details={"score": float("nan")})
    run.log_reward(sid, 1.0)
    assert run.flush(10)
    assert [e["type"] for e in stub.events()] == ["run.started", "sample.generated", "reward.assigned"]
    assert run._pipeline.stats.unencodable == 2
    with open(os.path.join(run.spool_dir, "rejected.ndjson")) as f:
        reasons = [json.loads(line)["reasons"][0] for line in f]
    assert len(reasons) == 2 and all(r.startswith("not encodable as JSON") for r in reasons)


def test_at_the_disk_cap_the_helper_drops_only_new_samples(stub, spool_root):
    stop_answering = threading.Event()
    stub.answer = lambda lines: (stop_answering.wait(30) and (200, {}, {"accepted": len(lines), "rejected": []}))
    pipeline = HelperPipeline(fast_config(stub.url, spool_root, disk_cap_bytes=200_000))
    run = Run(pipeline, "team-a", "exp", "run-cap")
    for i in range(300):
        run.log_sample("p", "z" * 1000, checkpoint="c0", iteration=1, attempt=i)
    assert wait_for(lambda: pipeline.stats.spooled + pipeline.stats.dropped_samples == 300)
    run.log_metrics({"kept": 1.0}, step=1)
    run.log_sample("p", "dropped", checkpoint="c0", iteration=1, attempt=300)
    assert wait_for(lambda: pipeline.stats.spooled + pipeline.stats.dropped_samples == 302)
    dropped = pipeline.stats.dropped_samples
    assert 0 < dropped < 300
    stop_answering.set()
    assert pipeline.flush(20)
    delivered = stub.events()
    assert any(e["type"] == "metrics.logged" for e in delivered)
    assert not any(e["payload"].get("output") == "dropped" for e in delivered)
    assert len(delivered) == 302 - dropped
    pipeline.close(5)


def test_the_ring_size_comes_from_xp_ring_mib_and_a_bad_value_is_named(stub, spool_root, monkeypatch):
    monkeypatch.setenv("XP_RING_MIB", "2")
    run = xp_client.init(url=stub.url, key="k", experiment="exp", run_id="run-small-ring", spool_dir=spool_root + "-small")
    assert run._pipeline.config.ring_bytes == 2 * 1024 * 1024
    for i in range(2000):  # 8 MB through a 2 MiB ring: the helper makes room as it spools
        run.log_sample("p", "y" * 4000, checkpoint="c0", iteration=1, attempt=i)
    assert run.flush(30)
    assert len({e["eventId"] for e in stub.events()}) == 2001
    run._pipeline.close(5)
    monkeypatch.setenv("XP_RING_MIB", "lots")
    with pytest.raises(ConfigurationError, match="XP_RING_MIB must be a whole number of MiB"):
        xp_client.init(url=stub.url, key="k", experiment="exp", spool_dir=spool_root + "-bad")


def test_an_event_logged_after_close_is_refused_loudly_without_waiting(stub, spool_root, caplog):
    run = xp_client.init(url=stub.url, key="k", experiment="exp", run_id="run-late", spool_dir=spool_root)
    assert run._pipeline.close(5)
    began = time.monotonic()
    for i in range(20_000):  # far more than the ring holds: nothing reads it any more
        run.log_sample("p", "x" * 4000, checkpoint="c0", iteration=1, attempt=i)
    assert time.monotonic() - began < 10
    assert len([r for r in caplog.records if "after the client closed" in r.getMessage()]) == 1
    assert run.flush(1) is True and [e["type"] for e in stub.events()] == ["run.started"]
