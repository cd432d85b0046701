"""xp_client: log a training loop's samples, verdicts, rewards, checkpoints and metrics to xp.

    import xp_client
    run = xp_client.init(experiment="lean-prover", config={"lr": 3e-6}, seed=1)
    sid = run.log_sample("p-17", output, checkpoint="ckpt-3", iteration=3, attempt=0, tokens=812, logprob=-41.2, seed=7)
    run.log_verification(sid, verdict="correct", verifier="lean4", version="4.9")
    run.finish()

Log calls only hand the event to a delivery helper process (or, with XP_CLIENT_MODE=thread, a
sender thread). See clients/python/README.md.
"""
from __future__ import annotations

from . import process
from .errors import ConfigurationError, InvalidEventError, XpClientError
from .loop import Attempt, DecisionTimeout, Iteration, Problem, ReplayBatch, ReplaySample, ShardTaken
from .run import CLIENT_VERSION, Run, SampleId, attach, init

__version__ = CLIENT_VERSION

__all__ = [
    "Attempt",
    "DecisionTimeout",
    "Iteration",
    "Problem",
    "ReplayBatch",
    "ReplaySample",
    "ShardTaken",
    "ConfigurationError",
    "InvalidEventError",
    "Run",
    "SampleId",
    "XpClientError",
    "attach",
    "flush",
    "init",
]


def flush(timeout: float = 10.0) -> bool:
    """Waits, at most `timeout` seconds in all, until the server answered every event this process logged."""
    return process.flush_all(timeout)
