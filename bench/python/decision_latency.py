#!/usr/bin/env python3
"""Drives an external run with xp_client and times each decision from the report that completes its inputs.

    python bench/python/decision_latency.py URL KEY RUN_ID ITERATIONS

Prints one JSON line per decision: {"kind": "curriculum" | "replay", "iteration": i, "ms": ..., "startedAt": ...,
"arrivedAt": ...}, where ms runs from just before the completing report (the last attempt's reward; the
model update) to the decision's arrival in this process (the iterator's next iteration;
it.replay_batches() returning); startedAt and arrivedAt are the same two moments in wall-clock
milliseconds, so the benchmark can split the time at the log's appends.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))

import xp_client  # noqa: E402


def moment():
    return time.perf_counter(), time.time()


def since(start):
    """The time from `start` to now, and both moments in wall-clock milliseconds."""
    now = moment()
    return {"ms": (now[0] - start[0]) * 1000, "startedAt": start[1] * 1000, "arrivedAt": now[1] * 1000}


def main() -> int:
    url, key, run_id, iterations = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    run = xp_client.init(url=url, key=key, experiment="decision-latency", run_id=run_id, seed=1, config={
        "stages": {"sampler": "external", "verifier": "external", "trainer": "external", "evaluator": "external"},
        "iterations": iterations, "attemptsPerProblem": 2,
        "curriculum": {"strategy": "uniform", "problemsPerIteration": 4},
        "replay": {"strategy": "prioritized", "batchSize": 4, "batchesPerIteration": 2},
        "triggers": {"curriculum": "model.updated"},
    })
    run.register_problems({"id": f"p{i}", "benchmark": "bench", "split": "train", "statement": f"problem {i}"} for i in range(16))
    pending = None
    for it in run.iterations():
        if pending is not None:
            print(json.dumps({"kind": "curriculum", "iteration": it.number, **since(pending)}), flush=True)
        attempts = [(p, a) for p in it.problems() for a in p.attempts]
        for n, (p, a) in enumerate(attempts):
            if n == len(attempts) - 1:
                started = moment()
            it.report(a.sample_id, p.id, "answer", checkpoint=f"ckpt-{it.number}", attempt=a.attempt, seed=a.seed,
                      verdict="correct", reward=1.0, verifier="bench")
        batches = it.replay_batches()
        if attempts:
            print(json.dumps({"kind": "replay", "iteration": it.number, **since(started)}), flush=True)
        pending = moment()
        it.log_model_update(f"ckpt-{it.number + 1}", parent=None if it.number == 0 else f"ckpt-{it.number}", batch_ids=[b.id for b in batches],
                            step=it.number, loss=0.0, artifact_uri="file:///dev/null", sha256="0" * 64)
    return 0


if __name__ == "__main__":
    sys.exit(main())
