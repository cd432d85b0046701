/**
 * The continual-learning accuracy matrix of a run and the measures read from it, as GEM
 * (Lopez-Paz and Ranzato 2017) and Chaudhry et al. (2018, 2019) define them. Rows are evaluation
 * rounds (every checkpoint evaluated on every benchmark, after each iteration). A task ends at a round
 * whose successor trains on something else; a benchmark is learned at the last round that trained on
 * it. Backward transfer and forgetting read the rows at task ends, as the papers' T x T matrix does;
 * the full matrix keeps every round for the curves.
 */

/** One evaluation round: the checkpoint, what was trained since the previous round, and held-out pass@1 per benchmark. */
export interface EvaluationRound {
  checkpointId: string;
  /** The iteration whose training preceded the round (null when no training sample says). */
  iteration: number | null;
  trained: readonly string[];
  passAt1: ReadonlyMap<string, number>;
}

export interface TaskForgetting {
  benchmark: string;
  /** Best score at an earlier task end minus the final score; null for a task not learned before the last round. */
  value: number | null;
  /** Row of the benchmark's task end (the last round that trained on it); null when never trained. */
  learnedAt: number | null;
}

export interface ForgettingReport {
  /** Learned benchmarks in the order their tasks ended, then the never-trained ones. */
  benchmarks: string[];
  iterations: Array<number | null>;
  checkpoints: string[];
  trained: string[][];
  /** matrix[i][j]: held-out pass@1 of round i's checkpoint on benchmarks[j] (null when not evaluated). */
  matrix: Array<Array<number | null>>;
  /** Mean final score over the learned benchmarks (ACC). */
  averageAccuracy: number | null;
  /** Mean over tasks that ended before the last round of (final score - score at the task's end) (BWT). */
  backwardTransfer: number | null;
  forgetting: TaskForgetting[];
}

export function forgettingReport(rounds: readonly EvaluationRound[]): ForgettingReport {
  const end = new Map<string, number>();
  rounds.forEach((round, i) => round.trained.forEach((benchmark) => end.set(benchmark, i)));
  const evaluated = [...new Set(rounds.flatMap((round) => [...round.passAt1.keys()]))];
  const learned = [...end.keys()].sort((a, b) => end.get(a)! - end.get(b)!);
  const benchmarks = [...learned, ...evaluated.filter((b) => !end.has(b))];
  const matrix = rounds.map((round) => benchmarks.map((b) => round.passAt1.get(b) ?? null));
  const last = rounds.length - 1;
  const score = (row: number, benchmark: string) => (row < 0 ? null : rounds[row].passAt1.get(benchmark) ?? null);

  const finals = learned.map((b) => score(last, b)).filter((v): v is number => v !== null);
  // A task ends where the next round trains on something else (a task may come back later).
  const key = (row: number) => [...rounds[row].trained].sort().join('\n');
  const earlierEnds = rounds.map((_, row) => row).filter((row) => row < last && rounds[row].trained.length > 0 && key(row) !== key(row + 1));
  const transfers: number[] = [];
  const forgetting = benchmarks.map((benchmark): TaskForgetting => {
    const learnedAt = end.get(benchmark) ?? null;
    const final = score(last, benchmark);
    if (learnedAt === null || learnedAt >= last || final === null) return { benchmark, value: null, learnedAt };
    const atEnd = score(learnedAt, benchmark);
    if (atEnd !== null) transfers.push(final - atEnd);
    const earlier = earlierEnds.map((row) => score(row, benchmark)).filter((v): v is number => v !== null);
    return { benchmark, value: earlier.length === 0 ? null : Math.max(...earlier) - final, learnedAt };
  });
  return {
    benchmarks,
    iterations: rounds.map((r) => r.iteration),
    checkpoints: rounds.map((r) => r.checkpointId),
    trained: rounds.map((r) => [...r.trained]),
    matrix,
    averageAccuracy: mean(finals),
    backwardTransfer: mean(transfers),
    forgetting,
  };
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
}

/** A projected evaluation.completed row (held-out split) of one run. */
export interface EvaluationRecord {
  checkpointId: string;
  benchmark: string;
  passAt1: number;
  offset: number;
}

/** Training samples of one run grouped by benchmark and iteration, with the offset of the group's last sample. */
export interface TrainingGroup {
  benchmark: string;
  iteration: number;
  lastOffset: number;
}

/**
 * Evaluation rounds from a run's evaluations in log order: a round is a run of evaluations of one
 * checkpoint, each benchmark at most once (a re-evaluation starts the next round). Training groups
 * belong to the first round that starts after their last sample, so any producer's run (the built-in
 * loop or an external one) gets its rows from what it logged, without iteration numbers on evaluations.
 */
export function evaluationRounds(evaluations: readonly EvaluationRecord[], training: readonly TrainingGroup[]): EvaluationRound[] {
  const rounds: Array<EvaluationRound & { start: number; passAt1: Map<string, number>; trained: string[] }> = [];
  for (const e of [...evaluations].sort((a, b) => a.offset - b.offset)) {
    const current = rounds.at(-1);
    if (current && current.checkpointId === e.checkpointId && !current.passAt1.has(e.benchmark)) {
      current.passAt1.set(e.benchmark, e.passAt1);
    } else {
      rounds.push({ checkpointId: e.checkpointId, iteration: null, trained: [], passAt1: new Map([[e.benchmark, e.passAt1]]), start: e.offset });
    }
  }
  for (const group of training) {
    const round = rounds.find((r) => r.start > group.lastOffset);
    if (!round) continue; // trained after the last evaluation: no round shows it yet
    if (!round.trained.includes(group.benchmark)) round.trained.push(group.benchmark);
    round.iteration = Math.max(round.iteration ?? group.iteration, group.iteration);
  }
  return rounds.map(({ checkpointId, iteration, trained, passAt1 }) => ({ checkpointId, iteration, trained: trained.sort(), passAt1 }));
}
