import type { EvaluationCompletedPayload } from '@xp/events';
import { summarizeEvaluation, type EvaluationSummary, type ProblemResult } from '../../metrics';
import { PRODUCERS, type EventDraft } from '../run-writer';
import { attemptEvents, type JudgedAttempt } from './sampling-stage';

/**
 * What an evaluation writes: every held-out attempt with its verdict and reward, marked as
 * evaluation, then one evaluation.completed per benchmark summarizing them.
 */
export function evaluationEvents(
  judged: readonly JudgedAttempt[], checkpointId: string, iteration: number, temperature: number, k: number,
): { drafts: EventDraft[]; payloads: EvaluationCompletedPayload[] } {
  const payloads = evaluationPayloads(judged, checkpointId, k);
  const drafts: EventDraft[] = [
    ...attemptEvents(judged, checkpointId, iteration, temperature, [], 'evaluation'),
    ...payloads.map((payload): EventDraft => ({ type: 'evaluation.completed', producer: PRODUCERS.evaluator, parents: [checkpointId], payload })),
  ];
  return { drafts, payloads };
}

/** One evaluation.completed per benchmark, from the held-out attempts of one checkpoint. */
export function evaluationPayloads(judged: readonly JudgedAttempt[], checkpointId: string, k: number): EvaluationCompletedPayload[] {
  const byBenchmark = new Map<string, Map<string, ProblemResult>>();
  for (const attempt of judged) {
    const problems = byBenchmark.get(attempt.problem.benchmark) ?? new Map<string, ProblemResult>();
    const result = problems.get(attempt.problem.problemId) ?? { answers: [], rewards: [] };
    result.answers.push({
      output: attempt.output,
      correct: attempt.verification.verdict === 'correct',
      abstained: attempt.verification.verdict === 'abstain',
    });
    result.rewards.push(attempt.reward.value);
    problems.set(attempt.problem.problemId, result);
    byBenchmark.set(attempt.problem.benchmark, problems);
  }
  return [...byBenchmark].map(([benchmark, problems]) => ({
    checkpointId,
    benchmark,
    split: 'heldout',
    ...summarizeEvaluation([...problems.values()], k),
  }));
}

/** Averages per-benchmark results weighted by problem count. */
export function overallEvaluation(payloads: readonly EvaluationCompletedPayload[]): Omit<EvaluationSummary, 'samplesPerProblem' | 'k'> {
  const problems = payloads.reduce((s, p) => s + p.problems, 0);
  const weighted = (pick: (p: EvaluationCompletedPayload) => number) =>
    problems === 0 ? 0 : payloads.reduce((s, p) => s + pick(p) * p.problems, 0) / problems;
  return {
    problems,
    passAt1: weighted((p) => p.passAt1),
    passAtK: weighted((p) => p.passAtK),
    majAtK: weighted((p) => p.majAtK),
    meanReward: weighted((p) => p.meanReward),
    solved: payloads.reduce((s, p) => s + p.solved, 0),
  };
}
