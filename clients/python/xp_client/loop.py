"""External loops: xp's curriculum and replay services decide, this process samples, verifies and trains.

    run = xp_client.init(experiment="star", config={"stages": {...}, "iterations": 10, ...}, seed=1)
    run.register_problems(problems)
    for it in run.iterations():
        for problem in it.problems(shard=rank, of=world):
            for attempt in problem.attempts:
                if not attempt.reported:
                    output = sample(problem.statement, seed=attempt.seed)
                    it.report(attempt, problem, output, verdict=..., reward=..., checkpoint=ckpt, ...)
        batches = it.replay_batches()
        if batches:
            ckpt = train(batches)                  # each sample: output, reward, probability
            it.log_model_update(ckpt, parent=..., batch_ids=[b.id for b in batches], ...)
            it.log_evaluation(ckpt, "bench", ...)

Iteration 0 comes first: no problems, no batches; the body reports the first checkpoint and its
evaluation (a fork made with `xp fork` skips it: it inherits its parent's checkpoint and iterations). Decisions are read with an HTTP long poll (`GET /v1/runs/{id}/decisions`). The cursor (last
finished iteration, next offset, worker id) lives in `<spool root>/cursors/<run id>.json`, so a
restarted process resumes at the first iteration it did not finish. Reports made through an
Iteration carry event ids derived from the run, the iteration and the sample id: reporting the same
fact again after a restart adds nothing.
"""
from __future__ import annotations

import calendar
import hashlib
import json
import os
import threading
import time
import urllib.parse
from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence

from .errors import XpClientError
from .events import sample_payload
from .sync import sync_dirs
from .transport import Response, Transport

MAX_WAIT_S = 30
DEFAULT_TIMEOUT_S = 600.0


class DecisionTimeout(XpClientError):
    """No decision came within the timeout; the message says what the run waits for."""


class ShardTaken(XpClientError):
    """Another worker already took this shard of the iteration."""


class Attempt(NamedTuple):
    sample_id: str
    attempt: int
    seed: int
    #: The sample, its verdict and its reward are already in the log (a restarted sampler skips it).
    reported: bool


class Problem(NamedTuple):
    index: int
    id: str
    benchmark: str
    difficulty: float
    statement: str
    attempts: List[Attempt]


class ReplaySample(NamedTuple):
    sample_id: str
    problem_id: str
    output: str
    reward: float
    #: Prioritized replay: the probability one draw picks this sample (an importance weight); else None.
    probability: Optional[float]


class ReplayBatch(NamedTuple):
    id: str
    samples: List[ReplaySample]


def stable_uuid7(key: str, ms: int) -> str:
    """A UUIDv7 whose random bits are a hash of `key`: the same fact always gets the same event id."""
    rand = int.from_bytes(hashlib.sha256(key.encode()).digest()[:10], "big") >> 6
    hi = (ms << 16) | 0x7000 | (rand >> 62)
    lo = 0x8000000000000000 | (rand & 0x3FFFFFFFFFFFFFFF)
    h = "%016x%016x" % (hi, lo)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ms(occurred_at: str) -> int:
    """Milliseconds of an RFC 3339 UTC time as the server writes it (2026-12-06T00:31:54.123Z)."""
    seconds = calendar.timegm(time.strptime(occurred_at[:19], "%Y-%m-%dT%H:%M:%S"))
    fraction = occurred_at[20:23] if len(occurred_at) > 20 and occurred_at[19] == "." else "0"
    return seconds * 1000 + int(fraction)


class DecisionClient:
    """The decisions long poll of one run, on a connection of its own."""

    def __init__(self, url: str, key: Optional[str], run_id: str) -> None:
        self._transport = Transport(url, key, timeout=MAX_WAIT_S + 30)
        self._path = f"/v1/runs/{urllib.parse.quote(run_id, safe='')}/decisions"
        #: What the run waited for when the last poll came back empty (the server's x-xp-waiting).
        self.waiting = ""

    def latest(self) -> Optional[Dict[str, Any]]:
        """Where the run stands; None when the server does not know the run (yet)."""
        response = self._call(f"{self._path}/latest")
        if response.status == 404:
            return None
        return json.loads(self._ok(response))

    def poll(self, after: int, wait_s: float, shard: Optional[Mapping[str, Any]] = None) -> List[Dict[str, Any]]:
        """The decisions at offsets >= after, waiting up to wait_s (at most 30) for the first; [] when none came."""
        query = {"after": after, "wait": max(0, min(MAX_WAIT_S, int(wait_s)))}
        query.update(shard or {})
        response = self._call(f"{self._path}?{urllib.parse.urlencode(query)}")
        if response.status == 204:
            self.waiting = response.headers.get("x-xp-waiting", "")
            return []
        body = self._ok(response)
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def _call(self, path: str) -> Response:
        response = self._transport.call("GET", path)
        assert response is not None  # no stop event: call returns only with an answer
        return response

    @staticmethod
    def _ok(response: Response) -> bytes:
        if response.status == 409:
            raise ShardTaken(json.loads(response.body).get("error", "shard taken"))
        if response.status != 200:
            raise XpClientError(f"decisions: HTTP {response.status}: {response.body[:500].decode(errors='replace')}")
        return response.body


class Cursor:
    """The last finished iteration, the offset to poll from and this worker's id, in the spool root."""

    def __init__(self, spool_root: str, run_id: str) -> None:
        directory = os.path.join(spool_root, "cursors")
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, hashlib.sha256(run_id.encode()).hexdigest()[:16] + ".json")
        state = {}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf8") as f:
                state = json.load(f)
        self.finished: int = state.get("finished", -1)
        self.after: int = state.get("after", 0)
        self.worker: str = state.get("worker") or f"{os.uname().nodename}-{os.getpid()}-{os.urandom(4).hex()}"
        self.known = bool(state)

    def save(self) -> None:
        temp = self.path + ".tmp"
        with open(temp, "w", encoding="utf8") as f:
            json.dump({"finished": self.finished, "after": self.after, "worker": self.worker}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, self.path)


class Iteration:
    """One iteration of an external run: its problems (from the curriculum decision) and its replay batches."""

    def __init__(self, run: Any, client: DecisionClient, number: int, decision: Optional[Dict[str, Any]], started_ms: int, worker: str) -> None:
        self.run = run
        self.number = number
        self.decision = decision
        self._client = client
        self._worker = worker
        self._time_ms = _ms(decision["event"]["occurredAt"]) if decision else started_ms
        #: Offset just past the last decision this iteration consumed (its curriculum, its batches).
        self.consumed = decision["offset"] + 1 if decision else 0
        self._batches: Optional[List[ReplayBatch]] = None

    @property
    def offset(self) -> Optional[int]:
        return self.decision["offset"] if self.decision else None

    def problems(self, shard: int = 0, of: int = 1, timeout: float = 60.0) -> List[Problem]:
        """The chosen problems (all, or a deterministic shard: index % of == shard) with statements and attempts."""
        if self.decision is None:
            return []
        claim = {} if of == 1 else {"shard": shard, "of": of, "worker": self._worker}
        deadline = time.monotonic() + timeout
        while True:
            found = [d for d in self._client.poll(self.decision["offset"], 0, claim) if d["offset"] == self.decision["offset"]]
            if found:
                break
            if time.monotonic() > deadline:
                raise DecisionTimeout(f"iteration {self.number}: the curriculum decision at offset {self.decision['offset']} did not come back")
        return [
            Problem(p["index"], p["problemId"], p["benchmark"], p["difficulty"], p["statement"],
                    [Attempt(a["sampleId"], a["attempt"], a["seed"], a["reported"]) for a in p["attempts"]])
            for p in found[0]["problems"]
        ]

    def evaluation_sample_id(self, problem_index: int, attempt: int) -> str:
        """Id for a held-out attempt: `<run>/e/<iteration>/<problem>/<attempt>`, stable across restarts."""
        return f"{self.run.id}/e/{self.number}/{problem_index}/{attempt}"

    def report(
        self,
        sample_id: str,
        problem_id: str,
        output: str,
        *,
        checkpoint: str,
        attempt: int,
        seed: int,
        verdict: str,
        reward: float,
        verifier: str,
        verifier_version: str = "1",
        tokens: Optional[int] = None,
        logprob: Optional[float] = None,
        temperature: Optional[float] = None,
        components: Optional[Mapping[str, float]] = None,
        reward_function: str = "reward",
        reward_version: str = "1",
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """One attempt's sample, verdict and reward (sample ids from `Attempt.sample_id` or `evaluation_sample_id`)."""
        generated = sample_payload(sample_id, problem_id, output, checkpoint, self.number, attempt, tokens, logprob, seed, temperature)
        verified: Dict[str, Any] = {"sampleId": sample_id, "problemId": problem_id, "verifierId": verifier, "verifierVersion": str(verifier_version), "verdict": verdict}
        if details is not None:
            verified["details"] = dict(details)
        self._emit("sample.generated", generated, sample_id, [checkpoint])
        self._emit("sample.verified", verified, sample_id, [sample_id])
        self._emit("reward.assigned", {
            "sampleId": sample_id, "problemId": problem_id, "value": reward, "components": dict(components or {}),
            "rewardFunction": reward_function, "rewardVersion": str(reward_version),
        }, sample_id, [sample_id])

    def replay_batches(self, timeout: float = DEFAULT_TIMEOUT_S) -> List[ReplayBatch]:
        """The iteration's replay batches, once xp's replay service drew them; [] when it draws none."""
        if self._batches is not None:
            return self._batches
        if self.decision is None:
            self._batches = []
            return self._batches
        _flush_behind(self.run, timeout)  # the reports that trigger replay must reach the server
        deadline = time.monotonic() + timeout
        while True:
            decisions = self._client.poll(self.consumed, deadline - time.monotonic())
            batches = [d for d in decisions if d["type"] == "replay.batch" and d["event"]["payload"]["iteration"] == self.number]
            later = [d for d in decisions if d["type"] != "replay.batch"]
            if batches or later:
                break
            if time.monotonic() > deadline:
                raise DecisionTimeout(f"iteration {self.number}: no replay batches within {timeout:.0f} s ({self._client.waiting or 'no reason given'})")
        if batches:
            self.consumed = batches[-1]["offset"] + 1
        self._batches = [
            ReplayBatch(d["event"]["payload"]["batchId"], [
                ReplaySample(s["sampleId"], s["problemId"], s["output"], s["reward"], s.get("probability")) for s in d["samples"]
            ])
            for d in batches
        ]
        return self._batches

    def log_model_update(
        self, checkpoint: str, *, parent: Optional[str], batch_ids: Sequence[str] = (), step: int,
        loss: Optional[float] = None, artifact_uri: Optional[str] = None, sha256: Optional[str] = None,
    ) -> None:
        """The iteration's new checkpoint (iteration 0: the first one, parent None); loss, artifact_uri
        and sha256 are sent only when given."""
        payload: Dict[str, Any] = {"checkpointId": checkpoint, "parentCheckpointId": parent, "batchIds": [str(b) for b in batch_ids], "step": step}
        for name, value in (("loss", loss), ("artifactUri", artifact_uri), ("sha256", sha256)):
            if value is not None:
                payload[name] = value
        self._emit("model.updated", payload, "model", [p for p in [parent, *batch_ids] if p])

    def log_evaluation(self, checkpoint: str, benchmark: str, *, problems: int, samples_per_problem: int, k: int, pass_at_1: float,
                       pass_at_k: float, maj_at_k: float, mean_reward: float, solved: int, split: str = "heldout") -> None:
        self._emit("evaluation.completed", {
            "checkpointId": checkpoint, "benchmark": benchmark, "split": split, "problems": problems,
            "samplesPerProblem": samples_per_problem, "k": k, "passAt1": pass_at_1, "passAtK": pass_at_k,
            "majAtK": maj_at_k, "meanReward": mean_reward, "solved": solved,
        }, f"evaluation {benchmark}", [checkpoint])

    def _emit(self, event_type: str, payload: Dict[str, Any], fact: str, parents: Sequence[str]) -> None:
        event_id = stable_uuid7(f"{self.run.id} {self.number} {event_type} {fact}", self._time_ms)
        self.run._pipeline.emit(self.run._stamper, event_type, payload, parents, event_id=event_id)


def iterations(run: Any, timeout: float = DEFAULT_TIMEOUT_S) -> Iterator[Iteration]:
    """Yields iteration 0, then each iteration xp's curriculum decides, until run.finished; resumes from the cursor."""
    config = run._pipeline.config
    send_left_over(config.spool_root, config.url, config.key)
    client = DecisionClient(config.url, config.key, run.id)
    cursor = Cursor(config.spool_root, run.id)
    run.flush(timeout)
    latest = _wait_for_run(client, timeout)
    if not cursor.known and "inheritedIteration" in latest:
        # A fork inherits its parent's checkpoint and iterations: its own start after them.
        cursor.finished = latest["inheritedIteration"]
    if not cursor.known and "iteration" in latest:
        # No cursor (a new machine, a wiped spool): resume at the latest curriculum decision.
        cursor.finished, cursor.after = latest["iteration"] - 1, latest["offset"]
    started_ms = _ms(latest["startedAt"])
    if cursor.finished < 0:
        yield Iteration(run, client, 0, None, started_ms, cursor.worker)
        cursor.finished = 0
        cursor.save()
    while True:
        _flush_behind(run, timeout)  # what the body reported must reach the server before the next decision can come
        deadline = time.monotonic() + timeout
        decisions: List[Dict[str, Any]] = []
        while not decisions:
            decisions = client.poll(cursor.after, deadline - time.monotonic())
            if not decisions and time.monotonic() > deadline:
                raise DecisionTimeout(f"no decision within {timeout:.0f} s ({client.waiting or 'no reason given'})")
        for decision in decisions:
            if decision["type"] == "run.finished":
                cursor.after = decision["offset"] + 1
                cursor.save()
                return
            iteration = decision["event"]["payload"]["iteration"]
            if decision["type"] == "curriculum.decided" and iteration > cursor.finished:
                it = Iteration(run, client, iteration, decision, started_ms, cursor.worker)
                yield it
                cursor.finished = iteration
                cursor.after = it.consumed
                cursor.save()
                break
            cursor.after = decision["offset"] + 1


def _flush_behind(run: Any, timeout: float) -> None:
    """Sends what was reported now, without waiting here for the server's answer.

    The long poll that follows waits for the decision those reports complete; waiting for their
    acknowledgement first would only add its round trip to every decision.
    """
    threading.Thread(target=run.flush, args=(timeout,), name="xp-client-flush", daemon=True).start()


def _wait_for_run(client: DecisionClient, timeout: float) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        latest = client.latest()
        if latest is not None:
            return latest
        if time.monotonic() > deadline:
            raise DecisionTimeout("the server does not know the run: did run.started reach it (see the spool's rejected.ndjson)?")
        time.sleep(0.05)


def send_left_over(spool_root: str, url: str, key: Optional[str], timeout: float = 60.0) -> None:
    """Sends what dead processes left in their spools (a killed trainer), so a restart sees every fact it reported."""
    if os.path.isdir(spool_root):
        sync_dirs(spool_root, url, key, timeout, report=lambda _line: None)
