import json
import os
import socket
import threading
import time

from xp_client.sender import Pipeline
from xp_client.spool import REJECTED_FILE, list_segments

from conftest import fast_config, wait_for


def sample(n, output="x"):
    return {"type": "sample.generated", "n": n, "payload": {"output": output}}


def test_batches_close_at_500_lines_and_the_rest_after_one_second(stub, spool_root):
    pipeline = Pipeline(fast_config(stub.url, spool_root))
    began = time.monotonic()
    for n in range(1200):
        pipeline.submit(sample(n))
    assert wait_for(lambda: len(stub.events()) == 1200, timeout=10)
    sizes = [len(r.lines) for r in stub.requests]
    assert sizes == [500, 500, 200]
    # The full batches go at once; the last waits for its oldest line to be a second old.
    assert stub.requests[1].at - began < 0.8
    assert stub.requests[2].at - began >= 0.95
    assert [e["n"] for e in stub.events()] == list(range(1200))
    assert pipeline.close(5)


def test_batches_close_at_4_mib(stub, spool_root):
    pipeline = Pipeline(fast_config(stub.url, spool_root))
    for n in range(100):
        pipeline.submit(sample(n, "y" * 100_000))
    assert pipeline.flush(20)
    assert len(stub.events()) == 100
    sizes = [r.raw_size for r in stub.requests]
    assert max(sizes) <= 4 * 1024 * 1024 + 100
    assert len(sizes) >= 3 and sizes[0] > 3 * 1024 * 1024
    assert all(len(r.lines) < 500 for r in stub.requests)
    pipeline.close(5)


def test_rejected_lines_land_in_rejected_ndjson_with_reasons_and_warn_once(stub, spool_root, caplog):
    def answer(lines):
        bad = [{"line": i + 1, "reasons": [f"/payload/n {line['n']} is odd"]} for i, line in enumerate(lines) if line["n"] % 2]
        return (400 if bad else 200), {}, {"accepted": len(lines) - len(bad), "rejected": bad}

    stub.answer = answer
    pipeline = Pipeline(fast_config(stub.url, spool_root))
    for n in range(1000):
        pipeline.submit(sample(n))
    assert pipeline.flush(10)
    spool_dir = pipeline.spool_dir.path
    with open(os.path.join(spool_dir, REJECTED_FILE)) as f:
        rejected = [json.loads(line) for line in f]
    assert [r["event"]["n"] for r in rejected] == list(range(1, 1000, 2))
    assert rejected[0]["reasons"] == ["/payload/n 1 is odd"]
    assert pipeline.stats.answered_lines == 1000 and pipeline.stats.rejected_lines == 500
    # Sent once: a rejected line is an answer, never a reason to resend.
    assert len(stub.events()) == 1000
    warnings = [r for r in caplog.records if "rejected" in r.getMessage()]
    assert len(warnings) == 1
    pipeline.close(5)
    assert os.path.exists(os.path.join(spool_dir, REJECTED_FILE))
    assert list_segments(spool_dir) == []


def test_a_413_splits_the_batch_until_each_line_is_answered(stub, spool_root):
    stub.answer = lambda lines: (413, {}, {"error": "too big"}) if len(lines) > 100 else (200, {}, {"accepted": len(lines), "rejected": []})
    pipeline = Pipeline(fast_config(stub.url, spool_root))
    for n in range(450):
        pipeline.submit(sample(n))
    assert pipeline.flush(10)
    accepted = [e["n"] for r in stub.requests if len(r.lines) <= 100 for e in r.lines]
    assert accepted == list(range(450))
    pipeline.close(5)


def test_a_refused_key_stops_sending_and_keeps_the_spool(stub, spool_root):
    stub.answer = lambda lines: (401, {}, {"error": "missing or unknown API key"})
    pipeline = Pipeline(fast_config(stub.url, spool_root))
    for n in range(10):
        pipeline.submit(sample(n))
    began = time.monotonic()
    assert pipeline.flush(5) is False
    assert time.monotonic() - began < 3
    assert len(stub.requests) == 1
    assert "missing or unknown API key" in pipeline.unauthorized
    spool_dir = pipeline.spool_dir.path
    pipeline.close(1)
    assert list_segments(spool_dir) != []


def test_shutdown_is_bounded_when_the_server_never_answers(spool_root):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections (the backlog), reads nothing, answers nothing
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    pipeline = Pipeline(fast_config(url, spool_root))
    for n in range(2000):
        pipeline.submit(sample(n))
    began = time.monotonic()
    assert pipeline.close(timeout=1.5) is False
    elapsed = time.monotonic() - began
    assert 1.4 <= elapsed < 3.0
    # Nothing was answered, so everything is still on disk for a later sync.
    assert list_segments(pipeline.spool_dir.path) != []
    silent.close()


def test_at_the_disk_cap_only_new_samples_are_dropped_and_counted(stub, spool_root, caplog):
    stop_answering = threading.Event()
    stub.answer = lambda lines: (stop_answering.wait(30) and (200, {}, {"accepted": len(lines), "rejected": []}))
    pipeline = Pipeline(fast_config(stub.url, spool_root, disk_cap_bytes=200_000))
    for n in range(300):
        pipeline.submit(sample(n, "z" * 1000))
    assert wait_for(lambda: pipeline.stats.spooled + pipeline.stats.dropped_samples == 300)
    pipeline.submit({"type": "run.finished", "n": "kept"})
    pipeline.submit({"type": "metrics.logged", "n": "kept too"})
    pipeline.submit(sample("dropped"))
    assert wait_for(lambda: pipeline.stats.spooled + pipeline.stats.dropped_samples == 303)
    assert 0 < pipeline.stats.dropped_samples < 300
    stop_answering.set()
    assert pipeline.flush(20)
    delivered = [e["n"] for e in stub.events()]
    assert "kept" in delivered and "kept too" in delivered and "dropped" not in delivered
    assert len(delivered) == 303 - pipeline.stats.dropped_samples
    assert any("DISK CAP" in r.getMessage() for r in caplog.records)
    pipeline.close(5)
