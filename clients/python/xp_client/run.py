"""The run a training loop logs to: `init` starts one, `attach` joins one from another process.

Every `log_*` method builds one event (envelope and payload) and queues it; that is all it does on
the caller's thread. Arguments the event schema requires are checked here, so a missing one fails
at the call that forgot it rather than later in rejected.ndjson.
"""
from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, Mapping, Optional, Sequence

from . import process
from .errors import ConfigurationError, InvalidEventError
from .events import Stamper, producer_name, uuid7
from .pipeline_config import PipelineConfig
from .spool_dirs import default_spool_root, process_rank

if TYPE_CHECKING:
    from .loop import Iteration

DEFAULT_URL = "http://127.0.0.1:4000"
DEFAULT_TEAM = "default"
CLIENT_VERSION = "0.1.0"


class SampleId(str):
    """A sample's id that remembers its problem, so verifications and rewards need not repeat it."""

    problem_id: str


def _missing(event_type: str, **fields: Any) -> InvalidEventError:
    names = [name for name, value in fields.items() if value is None]
    return InvalidEventError(f"{event_type} needs {', '.join(names)} (the event schema requires them)")


def _require(event_type: str, **fields: Any) -> None:
    if any(value is None for value in fields.values()):
        raise _missing(event_type, **fields)


class Run:
    def __init__(self, pipeline: "process.AnyPipeline", team: str, experiment: str, run_id: str) -> None:
        self._pipeline = pipeline
        self._stamper = Stamper(team, experiment, run_id, producer_name(process_rank()))
        self._max_iteration = 0
        process.track_fork(self)

    @property
    def id(self) -> str:
        return self._stamper.run_id

    @property
    def experiment(self) -> str:
        return self._stamper.experiment_id

    @property
    def team(self) -> str:
        return self._stamper.team

    @property
    def spool_dir(self) -> Optional[str]:
        """This process's spool directory (known once the first event was spooled)."""
        owned = self._pipeline.spool_dir
        return owned.path if owned is not None else None

    def after_fork_in_child(self) -> None:
        s = self._stamper
        self._stamper = Stamper(s.team, s.experiment_id, s.run_id, producer_name(process_rank()))

    def _emit(self, event_type: str, payload: Dict[str, Any], parents: Sequence[str] = ()) -> str:
        return self._pipeline.emit(self._stamper, event_type, payload, parents)

    # -- the loop's facts -------------------------------------------------------------------------

    def register_problems(self, problems: Iterable[Mapping[str, Any]]) -> None:
        """Each problem: id, benchmark, split ("train" | "heldout"), statement, difficulty, and
        optionally source ({"kind": "dataset", "dataset": ...} by default, the benchmark)."""
        for problem in problems:
            _require("problem.registered", id=problem.get("id"), benchmark=problem.get("benchmark"))
            statement = problem.get("statement", "")
            self._emit("problem.registered", {
                "problemId": str(problem["id"]),
                "benchmark": str(problem["benchmark"]),
                "difficulty": float(problem.get("difficulty", 0)),
                "split": problem.get("split", "train"),
                "statement": statement if isinstance(statement, str) else json.dumps(statement),
                "source": problem.get("source") or {"kind": "dataset", "dataset": str(problem["benchmark"])},
            })

    def log_sample(
        self,
        problem_id: str,
        output: str,
        checkpoint: Optional[str] = None,
        iteration: Optional[int] = None,
        attempt: Optional[int] = None,
        tokens: Optional[int] = None,
        logprob: Optional[float] = None,
        seed: Optional[int] = None,
        temperature: Optional[float] = None,
    ) -> SampleId:
        """One attempt at a problem; returns the sample id (pass it to log_verification / log_reward).
        tokens, logprob, seed and temperature are sent only when given: absent means "not reported"."""
        if checkpoint is None or iteration is None or attempt is None:
            raise _missing("sample.generated", checkpoint=checkpoint, iteration=iteration, attempt=attempt)
        event_id = self._pipeline.emit_sample(
            self._stamper, problem_id, output, checkpoint, iteration, attempt, tokens, logprob, seed, temperature,
        )
        if iteration > self._max_iteration:
            self._max_iteration = iteration
        sid = SampleId(event_id)
        sid.problem_id = problem_id
        return sid

    def log_verification(
        self,
        sample_id: str,
        verdict: str,
        verifier: str,
        version: str,
        answer: Any = None,
        details: Optional[Mapping[str, Any]] = None,
        problem_id: Optional[str] = None,
    ) -> str:
        """A verifier's verdict ("correct" | "incorrect" | "error" | "abstain") on a sample."""
        problem = problem_id or getattr(sample_id, "problem_id", None)
        _require("sample.verified", problem_id=problem)
        payload: Dict[str, Any] = {
            "sampleId": str(sample_id), "problemId": problem, "verifierId": verifier,
            "verifierVersion": str(version), "verdict": verdict,
        }
        if details is not None or answer is not None:
            merged = dict(details or {})
            if answer is not None:
                merged["answer"] = answer
            payload["details"] = merged
        return self._emit("sample.verified", payload)

    def log_reward(
        self,
        sample_id: str,
        value: float,
        components: Optional[Mapping[str, float]] = None,
        reward_function: str = "reward",
        version: str = "1",
        problem_id: Optional[str] = None,
    ) -> str:
        payload: Dict[str, Any] = {
            "sampleId": str(sample_id), "value": value, "components": dict(components or {}),
            "rewardFunction": reward_function, "rewardVersion": str(version),
        }
        problem = problem_id or getattr(sample_id, "problem_id", None)
        if problem is not None:
            payload["problemId"] = problem
        return self._emit("reward.assigned", payload)

    def log_model_update(
        self,
        checkpoint: str,
        parent: Optional[str] = None,
        batch_ids: Sequence[str] = (),
        step: Optional[int] = None,
        loss: Optional[float] = None,
        artifact_uri: Optional[str] = None,
        sha256: Optional[str] = None,
    ) -> str:
        """A new checkpoint, fine-tuned from `parent` on `batch_ids`. loss, artifact_uri and sha256 are
        sent only when given; without sha256, `xp replay --verify` cannot check this checkpoint."""
        _require("model.updated", step=step)
        payload: Dict[str, Any] = {
            "checkpointId": checkpoint, "parentCheckpointId": parent, "batchIds": [str(b) for b in batch_ids], "step": step,
        }
        if loss is not None:
            payload["loss"] = loss
        if artifact_uri is not None:
            payload["artifactUri"] = artifact_uri
        if sha256 is not None:
            payload["sha256"] = sha256
        return self._emit("model.updated", payload)

    def log_evaluation(
        self,
        checkpoint: str,
        benchmark: str,
        *,
        split: str = "heldout",
        problems: int,
        samples_per_problem: int,
        k: int,
        pass_at_1: float,
        pass_at_k: float,
        maj_at_k: float,
        mean_reward: float,
        solved: int,
    ) -> str:
        return self._emit("evaluation.completed", {
            "checkpointId": checkpoint, "benchmark": benchmark, "split": split, "problems": problems,
            "samplesPerProblem": samples_per_problem, "k": k, "passAt1": pass_at_1, "passAtK": pass_at_k,
            "majAtK": maj_at_k, "meanReward": mean_reward, "solved": solved,
        })

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> str:
        """Scalars of one step (loss, lr, grad norm, ...). NaN and infinities are sent as null."""
        values = {}
        for name, value in metrics.items():
            number = float(value)
            values[str(name)] = number if math.isfinite(number) else None
        return self._emit("metrics.logged", {"step": step, "metrics": values})

    # -- external loops -------------------------------------------------------------------------------

    def iterations(self, timeout: float = 600.0) -> "Iterator[Iteration]":
        """Iteration 0, then every iteration xp's curriculum decides for this run (see xp_client.loop)."""
        from .loop import iterations

        return iterations(self, timeout)

    # -- lifecycle --------------------------------------------------------------------------------

    def finish(self, status: str = "succeeded", timeout: float = 10.0, iterations: Optional[int] = None, error: Optional[str] = None) -> bool:
        """Logs run.finished and flushes within `timeout` s; True when the server answered everything."""
        payload: Dict[str, Any] = {"status": status, "iterations": self._max_iteration if iterations is None else iterations}
        if error is not None:
            payload["error"] = error
        self._emit("run.finished", payload)
        return self._pipeline.flush(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        return self._pipeline.flush(timeout)


def _pipeline(url: Optional[str], key: Optional[str], spool_dir: Optional[str]) -> "process.AnyPipeline":
    return process.pipeline_for(PipelineConfig(
        url=url or os.environ.get("XP_URL") or DEFAULT_URL,
        key=key or os.environ.get("XP_API_KEY"),
        spool_root=spool_dir or default_spool_root(),
        ring_bytes=_ring_bytes(),
    ))


def _ring_bytes() -> int:
    """XP_RING_MIB: the shared memory per logging process (default 64 MiB; at least 1)."""
    text = os.environ.get("XP_RING_MIB")
    if not text:
        return PipelineConfig.ring_bytes
    try:
        mib = int(text)
    except ValueError:
        mib = 0
    if mib < 1:
        raise ConfigurationError(f"XP_RING_MIB must be a whole number of MiB, at least 1, not {text!r}")
    return mib * 1024 * 1024


def init(
    url: Optional[str] = None,
    key: Optional[str] = None,
    experiment: Optional[str] = None,
    name: Optional[str] = None,
    config: Optional[Mapping[str, Any]] = None,
    seed: int = 0,
    run_id: Optional[str] = None,
    team: Optional[str] = None,
    code_version: Optional[str] = None,
    spool_dir: Optional[str] = None,
) -> Run:
    """Starts a run (logs run.started). url/key default to XP_URL / XP_API_KEY, team to XP_TEAM."""
    experiment = experiment or os.environ.get("XP_EXPERIMENT")
    if not experiment:
        raise ConfigurationError("init needs experiment= (or XP_EXPERIMENT): events are filed under an experiment")
    run = Run(_pipeline(url, key, spool_dir), team or os.environ.get("XP_TEAM") or DEFAULT_TEAM, experiment, run_id or f"run-{uuid7()}")
    payload: Dict[str, Any] = {"config": dict(config or {}), "seed": seed, "codeVersion": code_version or f"xp-client/{CLIENT_VERSION}"}
    if name is not None:
        payload["name"] = name
    run._emit("run.started", payload)
    return run


def attach(
    run_id: str,
    experiment: Optional[str] = None,
    url: Optional[str] = None,
    key: Optional[str] = None,
    team: Optional[str] = None,
    spool_dir: Optional[str] = None,
) -> Run:
    """Joins a run started elsewhere (a worker, another rank): this process becomes one more producer."""
    experiment = experiment or os.environ.get("XP_EXPERIMENT")
    if not experiment:
        raise ConfigurationError("attach needs experiment= (or XP_EXPERIMENT): the run's experiment id")
    return Run(_pipeline(url, key, spool_dir), team or os.environ.get("XP_TEAM") or DEFAULT_TEAM, experiment, run_id)
