import json
import os

import xp_client
from xp_client.raw_chunks import NdjsonOfRaw, is_raw
from xp_client.spool import Spool, list_segments

from conftest import wait_for

def spooled_events(directory):
    spool = Spool(directory)
    raw = NdjsonOfRaw(directory)
    events = []
    for chunk, _ in spool.read(spool.acked(), 1 << 20, 1 << 40):
        events.extend(raw.events(chunk) if is_raw(chunk) else [json.loads(line) for line in chunk.split(b"\n")])
    spool.close(remove_if_answered=False)
    return events


def test_a_forked_child_sends_its_own_events_and_never_the_parents_backlog(stub, spool_root, tmp_path):
    # The parent logs with no server: its events wait in its spool.
    parent = xp_client.init(url="http://127.0.0.1:9", key="k", experiment="exp", spool_dir=spool_root, run_id="run-fork")
    for n in range(300):
        parent.log_metrics({"n": n}, step=n)
    assert wait_for(lambda: parent.spool_dir is not None and parent._pipeline.stats.spooled == 301)
    parent_dir = parent.spool_dir
    parent_producer = parent._stamper.producer

    result = tmp_path / "child.json"
    pid = os.fork()
    if pid == 0:  # the child: point the inherited run at the stub server and log 50 events
        code = 1
        try:
            child = parent
            child._pipeline.config.url = stub.url
            for n in range(50):
                child.log_metrics({"child": n}, step=n)
            done = xp_client.flush(10)
            result.write_text(json.dumps({"done": done, "dir": child.spool_dir, "producer": child._stamper.producer}))
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    child = json.loads(result.read_text())
    assert child["done"] is True
    sent = stub.events()
    # Only the child's 50 events reached the server, under a producer of its own with seq from 0.
    assert [e["payload"]["metrics"] for e in sent] == [{"child": n} for n in range(50)]
    assert {e["producer"] for e in sent} == {child["producer"]} != {parent_producer}
    assert [e["seq"] for e in sent] == list(range(50))
    assert child["dir"] != parent_dir
    # The parent's backlog is still whole in the parent's own spool, and its threads still run.
    assert len(spooled_events(parent_dir)) == 301
    parent.log_metrics({"after": 1}, step=1)
    assert wait_for(lambda: parent._pipeline.stats.spooled == 302)
    assert parent._pipeline.close(0.2) is False
    assert list_segments(parent_dir) != []


def log_in_worker(run, count):
    for n in range(count):
        run.log_metrics({"worker": n}, step=n)
    # No flush: multiprocessing's worker leaves through os._exit, and the client flushes on that path.


def test_a_multiprocessing_worker_flushes_on_its_way_out(stub, spool_root):
    import multiprocessing

    run = xp_client.init(url=stub.url, key="k", experiment="exp", spool_dir=spool_root, run_id="run-mp")
    assert run.flush(10)
    stub.requests.clear()
    worker = multiprocessing.get_context("fork").Process(target=log_in_worker, args=(run, 40))
    worker.start()
    worker.join(30)
    assert worker.exitcode == 0
    assert [e["payload"]["metrics"]["worker"] for e in stub.events()] == list(range(40))
    run._pipeline.close(5)
