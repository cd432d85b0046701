import gc
import re
import time

import pytest

from xp_client.errors import InvalidEventError
from xp_client.events import Stamper, iso_ms, uuid7
from xp_client.run import Run
from xp_client.sender import Pipeline

from conftest import fast_config

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_uuid7_has_the_version_variant_and_the_millisecond_in_front():
    ms = 1_764_979_200_123
    ids = {uuid7(ms) for _ in range(10_000)}
    assert len(ids) == 10_000
    for i in ids:
        assert UUID7.match(i), i
        assert int(i.replace("-", "")[:12], 16) == ms


def test_occurred_at_is_rfc3339_utc_with_milliseconds():
    assert iso_ms(1_764_979_200_007) == "2025-12-06T00:00:00.007Z"


def test_seq_counts_per_producer_from_zero():
    a = Stamper("t", "e", "r", "p-a")
    b = Stamper("t", "e", "r", "p-b")
    assert [a.event("x", {})["seq"] for _ in range(3)] == [0, 1, 2]
    assert b.event("x", {})["seq"] == 0
    event = a.event("sample.generated", {"k": 1}, parents=["s1"])
    assert set(event) == {"eventId", "type", "schemaVersion", "team", "experimentId", "runId", "seq", "producer", "occurredAt", "parents", "payload"}
    assert abs(int(event["eventId"].replace("-", "")[:12], 16) - time.time() * 1000) < 5000


def unstarted_run(spool_root):
    """A run whose pipeline never starts: events stay in its queue for inspection."""
    pipeline = Pipeline(fast_config("http://127.0.0.1:9", spool_root))
    pipeline._started = True
    return Run(pipeline, "team-a", "exp", "run-1"), pipeline


def test_log_calls_build_events_the_schemas_accept(spool_root):
    run, pipeline = unstarted_run(spool_root)
    sid = run.log_sample("p1", "out", checkpoint="c0", iteration=2, attempt=0, tokens=3, logprob=-0.5, seed=7, temperature=0.8)
    run.log_verification(sid, verdict="correct", verifier="lean4", version="4.9", answer="42")
    run.log_reward(sid, 1.0, components={"correct": 1.0})
    run.log_metrics({"loss": 0.4, "kl": float("nan")}, step=3)
    sample, verdict, reward, metrics = list(pipeline._queue)
    assert sample["payload"] == {
        "sampleId": sid, "problemId": "p1", "checkpointId": "c0", "iteration": 2, "attempt": 0, "output": "out",
        "tokens": 3, "logprob": -0.5, "seed": 7, "temperature": 0.8,
    }
    assert sid == sample["eventId"] and sid.problem_id == "p1"
    # A queued sample's payload holds only plain values: the cyclic GC does not track it (nor the
    # output it holds), so waiting samples cost each collection one dict, not three.
    assert not gc.is_tracked(sample["payload"])
    assert verdict["payload"] == {
        "sampleId": sid, "problemId": "p1", "verifierId": "lean4", "verifierVersion": "4.9", "verdict": "correct",
        "details": {"answer": "42"},
    }
    assert reward["payload"]["problemId"] == "p1" and reward["payload"]["components"] == {"correct": 1.0}
    assert metrics["payload"] == {"step": 3, "metrics": {"loss": 0.4, "kl": None}}
    assert [e["seq"] for e in (sample, verdict, reward, metrics)] == [0, 1, 2, 3]


def test_a_missing_required_field_fails_at_the_call_naming_it(spool_root):
    run, pipeline = unstarted_run(spool_root)
    with pytest.raises(InvalidEventError, match="sample.generated needs iteration, attempt"):
        run.log_sample("p1", "out", checkpoint="c0")
    with pytest.raises(InvalidEventError, match="sample.verified needs problem_id"):
        run.log_verification("plain-id", verdict="correct", verifier="v", version="1")
    with pytest.raises(InvalidEventError, match="model.updated needs step"):
        run.log_model_update("c1")
    assert len(pipeline._queue) == 0


def test_facts_not_given_are_left_out_rather_than_sent_as_null_or_zero(spool_root):
    run, pipeline = unstarted_run(spool_root)
    sid = run.log_sample("p1", "out", checkpoint="c0", iteration=0, attempt=1)
    run.log_model_update("c1", parent="c0", batch_ids=["b0"], step=4)
    run.log_model_update("c2", parent="c1", step=5, loss=0.0, artifact_uri="s3://b/c2.pt", sha256="ab" * 32)
    sample, unreported, reported = list(pipeline._queue)
    assert sample["payload"] == {"sampleId": sid, "problemId": "p1", "checkpointId": "c0", "iteration": 0, "attempt": 1, "output": "out"}
    assert unreported["payload"] == {"checkpointId": "c1", "parentCheckpointId": "c0", "batchIds": ["b0"], "step": 4}
    assert reported["payload"] == {
        "checkpointId": "c2", "parentCheckpointId": "c1", "batchIds": [], "step": 5, "loss": 0.0, "artifactUri": "s3://b/c2.pt", "sha256": "ab" * 32,
    }
