import type { EvaluationCompletedPayload } from '@xp/events';
/**
 * Evaluation metrics. pass@k is the unbiased estimator of Chen et al. (2021),
 * 1 - C(n-c, k) / C(n, k), computed as a product so large n never overflows:
 * C(n-c, k) / C(n, k) = prod_{i = n-c+1..n} (1 - k / i).
 */
export function passAtK(n: number, c: number, k: number): number | undefined {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || k < 1 || c < 0 || c > n) {
    throw new RangeError(`pass@k needs integers 0 <= c <= n and k >= 1 (got n=${n}, c=${c}, k=${k})`);
  }
  if (n < k) return undefined;
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

export interface GradedAnswer {
  output: string;
  correct: boolean;
  abstained: boolean;
}

/**
 * maj@k for one problem: the most frequent answer among the first k attempts (abstentions do not
 * vote; ties go to the answer seen first) is it correct? Undefined with fewer than k attempts.
 */
export function majorityCorrect(answers: readonly GradedAnswer[], k: number): boolean | undefined {
  if (answers.length < k) return undefined;
  const votes = new Map<string, { count: number; correct: boolean }>();
  for (const answer of answers.slice(0, k)) {
    if (answer.abstained) continue;
    const entry = votes.get(answer.output) ?? { count: 0, correct: answer.correct };
    entry.count++;
    votes.set(answer.output, entry);
  }
  let best: { count: number; correct: boolean } | undefined;
  for (const entry of votes.values()) if (!best || entry.count > best.count) best = entry;
  return best?.correct ?? false;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

export interface ProblemResult {
  answers: GradedAnswer[];
  rewards: number[];
}

/** What an evaluation reports, as evaluation.completed carries it (without the checkpoint, benchmark and split). */
export type EvaluationSummary = Omit<EvaluationCompletedPayload, 'checkpointId' | 'benchmark' | 'split'>;

/** Averages per-problem metrics; every problem must have the same number of attempts, at least k. */
export function summarizeEvaluation(results: readonly ProblemResult[], k: number): EvaluationSummary {
  const n = results[0]?.answers.length ?? 0;
  if (results.some((r) => r.answers.length !== n) || n < k) {
    throw new RangeError(`evaluation needs the same number of attempts (>= k = ${k}) for every problem`);
  }
  const correctCounts = results.map((r) => r.answers.filter((a) => a.correct).length);
  return {
    problems: results.length,
    samplesPerProblem: n,
    k,
    passAt1: mean(correctCounts.map((c) => passAtK(n, c, 1)!)),
    passAtK: mean(correctCounts.map((c) => passAtK(n, c, k)!)),
    majAtK: mean(results.map((r) => (majorityCorrect(r.answers, k) ? 1 : 0))),
    meanReward: mean(results.flatMap((r) => r.rewards)),
    solved: correctCounts.filter((c) => c > 0).length,
  };
}
