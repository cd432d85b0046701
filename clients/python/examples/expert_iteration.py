#!/usr/bin/env python3
"""Expert iteration in plain Python, with xp choosing the problems and the training batches.

The task: `OP(x) mod 10` for OP in add3, double, square and x below 1000, answered with one digit.
The policy is a table of logits per (OP, last digit of x) over the ten digits, sampled with each
attempt's seed; the verifier computes the answer. xp's success-band curriculum picks each iteration's
problems from what this process reports, and its prioritized replay picks the samples the policy is
fine-tuned on (reward-weighted log-likelihood, importance-weighted by each sample's draw probability).
Held-out pass@1 is reported after every iteration.

    python expert_iteration.py --url http://127.0.0.1:4000 --key $KEY --iterations 3 --seed 1 --json

Killed at any point and started again with the same --run-id, it resumes at the first iteration it
had not finished (the cursor lives in the client's spool, the checkpoints in --workdir).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import xp_client  # noqa: E402
from xp_client.loop import DecisionClient, Iteration, send_left_over  # noqa: E402
from xp_client.spool_dirs import default_spool_root  # noqa: E402

OPS = {"add3": lambda x: (x + 3) % 10, "double": lambda x: (2 * x) % 10, "square": lambda x: (x * x) % 10}
BENCHMARK = "digit-ops"
EXPERIMENT = "expert-iteration-example"
SAMPLES_PER_HELDOUT = 4
LEARNING_RATE = 0.5

Table = Dict[str, List[List[float]]]


# -- the task and its verifier ---------------------------------------------------------------------

def make_problems(seed: int, train_per_op: int = 40, heldout_per_op: int = 10) -> List[dict]:
    rng = random.Random(seed)
    problems, seen = [], set()
    for split, per_op in (("train", train_per_op), ("heldout", heldout_per_op)):
        for difficulty, op in enumerate(OPS):
            made = 0
            while made < per_op:
                x = rng.randrange(1000)
                if (op, x) in seen:
                    continue
                seen.add((op, x))
                problems.append({"id": f"{BENCHMARK}/{split}/{op}/{x}", "benchmark": BENCHMARK, "split": split,
                                 "difficulty": difficulty, "statement": f"{op}({x}) mod 10"})
                made += 1
    return problems


def parse(statement: str) -> Tuple[str, int]:
    op, rest = statement.split("(", 1)
    return op, int(rest.split(")", 1)[0])


def verify(statement: str, output: str) -> bool:
    op, x = parse(statement)
    return output.strip() == str(OPS[op](x))


# -- the policy ------------------------------------------------------------------------------------

def initial_policy() -> Table:
    return {op: [[0.0] * 10 for _ in range(10)] for op in OPS}


def probabilities(policy: Table, statement: str) -> List[float]:
    op, x = parse(statement)
    logits = policy[op][x % 10]
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    total = sum(weights)
    return [w / total for w in weights]


def sample(policy: Table, statement: str, seed: int) -> Tuple[str, float]:
    probs = probabilities(policy, statement)
    draw, cumulative = random.Random(seed).random(), 0.0
    for digit, p in enumerate(probs):
        cumulative += p
        if draw < cumulative:
            return str(digit), math.log(p)
    return "9", math.log(probs[9])


def fine_tune(policy: Table, statements: Dict[str, str], batches: Sequence[xp_client.ReplayBatch]) -> float:
    """Reward-weighted log-likelihood of the replayed answers; prioritized samples weighted by 1/(N p), max-normalised."""
    losses = []
    for batch in batches:
        n = len(batch.samples)
        importance = [1.0 / (n * s.probability) if s.probability else 1.0 for s in batch.samples]
        top = max(importance)
        for s, w in zip(batch.samples, importance):
            statement = statements[s.problem_id]
            probs = probabilities(policy, statement)
            answer = int(s.output)
            losses.append(-math.log(probs[answer]))
            op, x = parse(statement)
            row = policy[op][x % 10]
            scale = LEARNING_RATE * s.reward * (w / top)
            for digit in range(10):
                row[digit] += scale * ((1.0 if digit == answer else 0.0) - probs[digit])
    return sum(losses) / len(losses) if losses else 0.0


# -- checkpoints (files in --workdir) ----------------------------------------------------------------

class Checkpoints:
    def __init__(self, workdir: str, run_id: str) -> None:
        self.dir = os.path.join(workdir, hashlib.sha256(run_id.encode()).hexdigest()[:16])
        os.makedirs(self.dir, exist_ok=True)

    def save(self, iteration: int, policy: Table) -> Tuple[str, str, str]:
        data = json.dumps(policy, sort_keys=True).encode()
        sha = hashlib.sha256(data).hexdigest()
        path = os.path.join(self.dir, f"ckpt-{iteration}.json")
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)
        return f"ckpt-{sha[:16]}", sha, f"file://{path}"

    def latest_before(self, iteration: int) -> Tuple[Table, Optional[str]]:
        """The weights the iteration starts from: the newest checkpoint saved by an earlier iteration."""
        for earlier in range(iteration - 1, -1, -1):
            path = os.path.join(self.dir, f"ckpt-{earlier}.json")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    data = f.read()
                return json.loads(data), f"ckpt-{hashlib.sha256(data).hexdigest()[:16]}"
        return initial_policy(), None

    def record(self, iteration: int, pass_at_1: float) -> List[dict]:
        path = os.path.join(self.dir, "held-out.json")
        seen = json.load(open(path)) if os.path.exists(path) else {}
        seen[str(iteration)] = pass_at_1
        with open(path, "w") as f:
            json.dump(seen, f)
        return [{"iteration": int(i), "heldOutPassAt1": v} for i, v in sorted(seen.items(), key=lambda kv: int(kv[0]))]


# -- the loop ---------------------------------------------------------------------------------------

def evaluate(it: Iteration, policy: Table, checkpoint: str, heldout: List[dict], seed: int) -> float:
    correct_per_problem = []
    for index, problem in enumerate(heldout):
        correct = 0
        for attempt in range(SAMPLES_PER_HELDOUT):
            attempt_seed = int(hashlib.sha256(f"{seed} eval {it.number} {index} {attempt}".encode()).hexdigest()[:8], 16)
            output, logprob = sample(policy, problem["statement"], attempt_seed)
            ok = verify(problem["statement"], output)
            correct += ok
            it.report(it.evaluation_sample_id(index, attempt), problem["id"], output, checkpoint=checkpoint, attempt=attempt,
                      seed=attempt_seed, verdict="correct" if ok else "incorrect", reward=1.0 if ok else 0.0, verifier="digit-ops-check",
                      tokens=1, logprob=logprob)
        correct_per_problem.append(correct)
    n, k = SAMPLES_PER_HELDOUT, SAMPLES_PER_HELDOUT
    pass_at_1 = sum(correct_per_problem) / (n * len(heldout))
    pass_at_k = sum(1.0 - (math.comb(n - c, k) / math.comb(n, k)) for c in correct_per_problem) / len(heldout)
    it.log_evaluation(checkpoint, BENCHMARK, problems=len(heldout), samples_per_problem=n, k=k, pass_at_1=pass_at_1,
                      pass_at_k=pass_at_k, maj_at_k=sum(c * 2 > n for c in correct_per_problem) / len(heldout),
                      mean_reward=pass_at_1, solved=sum(c > 0 for c in correct_per_problem))
    return pass_at_1


def run_config(iterations: int) -> dict:
    return {
        "stages": {"sampler": "external", "verifier": "external", "trainer": "external", "evaluator": "external"},
        "iterations": iterations,
        "attemptsPerProblem": 4,
        "curriculum": {"strategy": "success-band", "problemsPerIteration": 48, "params": {"lo": 0.1, "hi": 0.8}},
        "replay": {"strategy": "prioritized", "batchSize": 32, "batchesPerIteration": 4},
        "triggers": {"curriculum": "evaluation.completed"},
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("XP_URL", "http://127.0.0.1:4000"))
    parser.add_argument("--key", default=os.environ.get("XP_API_KEY"))
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run-id", default=None, help="resume this run (default: a new one)")
    parser.add_argument("--workdir", default=os.path.join(os.getcwd(), "xp-expert-iteration"), help="where checkpoints are kept")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    parser.add_argument("--pace", type=float, default=0.0, help="seconds per attempt, as a slow sampler takes (lets a test stop it mid-iteration)")
    args = parser.parse_args(argv)

    run_id = args.run_id or f"expert-iteration-{args.seed}-{os.urandom(4).hex()}"
    problems = make_problems(args.seed)
    statements = {p["id"]: p["statement"] for p in problems}
    heldout = [p for p in problems if p["split"] == "heldout"]
    send_left_over(default_spool_root(), args.url, args.key)
    if DecisionClient(args.url, args.key, run_id).latest() is None:
        run = xp_client.init(url=args.url, key=args.key, experiment=EXPERIMENT, run_id=run_id, seed=args.seed,
                             config=run_config(args.iterations), code_version="expert_iteration.py 1")
        run.register_problems(problems)
    else:
        run = xp_client.attach(run_id, experiment=EXPERIMENT, url=args.url, key=args.key)
    checkpoints = Checkpoints(args.workdir, run_id)
    curve: List[dict] = []

    for it in run.iterations():
        policy, parent = checkpoints.latest_before(it.number)
        checkpoint = parent or "ckpt-initial"
        chosen = it.problems()
        todo = [(p, a) for p in chosen for a in p.attempts if not a.reported]
        print(f"iteration {it.number}: sampling {len(todo)} attempts", file=sys.stderr, flush=True)
        for problem, attempt in todo:
            time.sleep(args.pace)
            output, logprob = sample(policy, problem.statement, attempt.seed)
            ok = verify(problem.statement, output)
            it.report(attempt.sample_id, problem.id, output, checkpoint=checkpoint, attempt=attempt.attempt, seed=attempt.seed,
                      verdict="correct" if ok else "incorrect", reward=1.0 if ok else 0.0, verifier="digit-ops-check", tokens=1, logprob=logprob)
        batches = it.replay_batches()
        print(f"iteration {it.number}: training on {len(batches)} replay batches", file=sys.stderr, flush=True)
        if it.number > 0 and not batches:
            continue  # nothing kept yet: the checkpoint stays, and xp's curriculum goes on without training
        loss = fine_tune(policy, statements, batches)
        checkpoint, sha, uri = checkpoints.save(it.number, policy)
        it.log_model_update(checkpoint, parent=parent, batch_ids=[b.id for b in batches], step=it.number, loss=loss, artifact_uri=uri, sha256=sha)
        pass_at_1 = evaluate(it, policy, checkpoint, heldout, args.seed)
        curve = checkpoints.record(it.number, pass_at_1)
        print(f"iteration {it.number}: held-out pass@1 {pass_at_1:.3f}", file=sys.stderr, flush=True)

    run.flush(60)
    if args.json:
        print(json.dumps({"runId": run_id, "iterations": curve}))
    else:
        for point in curve:
            print(f"iteration {point['iteration']}: held-out pass@1 {point['heldOutPassAt1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
