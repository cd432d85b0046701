import { UsageError } from '@xp/events';
import { Rng } from '../rng';

/**
 * Curriculum strategies: which training problems the next iteration samples. Each is a pure
 * function of the solve statistics (built from the log up to the decision's watermark), a seed and
 * its config, so a replay recomputes exactly the same choice.
 */
export interface CurriculumProblem {
  problemId: string;
  benchmark: string;
  difficulty: number;
}

export interface SolveCounts {
  attempts: number;
  correct: number;
}

export interface CurriculumInput {
  /** Training problems in registration order. */
  problems: readonly CurriculumProblem[];
  stats: ReadonlyMap<string, SolveCounts>;
  /** The task of every earlier curriculum decision, in log order (read by task-incremental strategies). */
  decidedTasks?: ReadonlyArray<string | undefined>;
  /** Training solve counts per benchmark of the latest decided iteration. */
  latestIteration?: ReadonlyMap<string, SolveCounts>;
}

export type CurriculumStrategy = 'uniform' | 'success-band' | 'difficulty-ladder' | 'drop-solved' | 'sequential';
export const CURRICULUM_STRATEGIES: readonly CurriculumStrategy[] = ['uniform', 'success-band', 'difficulty-ladder', 'drop-solved', 'sequential'];

export interface CurriculumConfig {
  strategy: CurriculumStrategy;
  problemsPerIteration: number;
  /** Strategy knobs; missing ones take the defaults below. */
  params?: Record<string, number>;
  /** Task order for `sequential`: benchmark names (default: the benchmarks in registration order). */
  tasks?: string[];
}

const DEFAULT_PARAMS: Record<CurriculumStrategy, Record<string, number>> = {
  uniform: {},
  // STP's "barely solvable" band; problems never tried count as inside it (their rate is unknown).
  'success-band': { lo: 0.1, hi: 0.8 },
  'difficulty-ladder': { promoteAt: 0.6, minAttempts: 16, reviewFraction: 0.25 },
  // BFS-Prover filters problems the current policy already solves reliably.
  'drop-solved': { solvedRate: 0.8, minAttempts: 4 },
  // Task-incremental learning: one benchmark at a time, the next after iterationsPerTask iterations
  // or once the latest iteration's training pass rate on it reaches advanceAt (above 1: never).
  sequential: { iterationsPerTask: 5, advanceAt: 0.9, minAttempts: 16 },
};

export function curriculumParams(config: CurriculumConfig): Record<string, number> {
  const defaults = DEFAULT_PARAMS[config.strategy];
  if (!defaults) throw new UsageError(`unknown curriculum strategy '${config.strategy}' (known: ${CURRICULUM_STRATEGIES.join(', ')})`);
  return { ...defaults, ...config.params };
}

export function decideCurriculum(input: CurriculumInput, seed: number, config: CurriculumConfig): string[] {
  const params = curriculumParams(config);
  const rng = new Rng(seed);
  const n = Math.min(config.problemsPerIteration, input.problems.length);
  const rate = (id: string) => {
    const s = input.stats.get(id);
    return s && s.attempts > 0 ? s.correct / s.attempts : undefined;
  };
  switch (config.strategy) {
    case 'uniform':
      return ids(rng.shuffle(input.problems).slice(0, n));
    case 'success-band': {
      const distance = (p: CurriculumProblem) => {
        const r = rate(p.problemId);
        return r === undefined ? 0 : Math.max(0, params.lo - r, r - params.hi);
      };
      // Shuffle first so the stable sort breaks ties at random.
      return ids(rng.shuffle(input.problems).sort((a, b) => distance(a) - distance(b)).slice(0, n));
    }
    case 'difficulty-ladder':
      return ladder(input, rng, n, params);
    case 'sequential': {
      const task = currentTask(input, config);
      return ids(rng.shuffle(input.problems.filter((p) => p.benchmark === task)).slice(0, n));
    }
    case 'drop-solved': {
      const solved = (p: CurriculumProblem) => {
        const s = input.stats.get(p.problemId);
        return !!s && s.attempts >= params.minAttempts && s.correct / s.attempts >= params.solvedRate;
      };
      const shuffled = rng.shuffle(input.problems);
      return ids([...shuffled.filter((p) => !solved(p)), ...shuffled.filter(solved)].slice(0, n));
    }
  }
}

/**
 * The task a `sequential` decision trains on: the first declared task, then the task of the previous
 * decision until it has had iterationsPerTask decisions in a row or its latest iteration's training
 * pass rate reached advanceAt; then the next one. The last task stays.
 */
export function currentTask(input: CurriculumInput, config: CurriculumConfig): string {
  const params = curriculumParams(config);
  const registered = [...new Set(input.problems.map((p) => p.benchmark))];
  const order = config.tasks ?? registered;
  const unknown = order.filter((task) => !registered.includes(task));
  if (order.length === 0 || unknown.length > 0) {
    throw new UsageError(`curriculum.tasks names benchmarks without training problems: ${unknown.join(', ') || '(none given)'} (registered: ${registered.join(', ')})`);
  }
  const tasks = input.decidedTasks ?? [];
  const previous = tasks.at(-1);
  if (previous === undefined || !order.includes(previous)) return order[0];
  let streak = 0;
  while (streak < tasks.length && tasks[tasks.length - 1 - streak] === previous) streak++;
  const latest = input.latestIteration?.get(previous);
  const mastered = !!latest && latest.attempts >= params.minAttempts && latest.correct / latest.attempts >= params.advanceAt;
  const next = order.indexOf(previous) + 1;
  return (streak >= params.iterationsPerTask || mastered) && next < order.length ? order[next] : previous;
}

/**
 * Each benchmark sits on its lowest level not yet mastered (pass rate below promoteAt, or fewer
 * than minAttempts attempts to tell). Most of the batch comes from those levels, a review share
 * from the levels below, and anything left over from the rest of the pool.
 */
function ladder(input: CurriculumInput, rng: Rng, n: number, params: Record<string, number>): string[] {
  const currentLevel = new Map<string, number>();
  for (const benchmark of new Set(input.problems.map((p) => p.benchmark))) {
    const levels = [...new Set(input.problems.filter((p) => p.benchmark === benchmark).map((p) => p.difficulty))].sort((a, b) => a - b);
    const mastered = (level: number) => {
      let attempts = 0;
      let correct = 0;
      for (const p of input.problems) {
        if (p.benchmark !== benchmark || p.difficulty !== level) continue;
        attempts += input.stats.get(p.problemId)?.attempts ?? 0;
        correct += input.stats.get(p.problemId)?.correct ?? 0;
      }
      return attempts >= params.minAttempts && correct / attempts >= params.promoteAt;
    };
    currentLevel.set(benchmark, levels.find((level) => !mastered(level)) ?? levels[levels.length - 1]);
  }
  const shuffled = rng.shuffle(input.problems);
  const level = (p: CurriculumProblem) => currentLevel.get(p.benchmark)!;
  const review = shuffled.filter((p) => p.difficulty < level(p));
  const current = shuffled.filter((p) => p.difficulty === level(p));
  const reviewCount = Math.min(review.length, Math.floor(n * params.reviewFraction));
  const chosen = [...current.slice(0, n - reviewCount), ...review.slice(0, reviewCount)];
  const taken = new Set(chosen);
  return ids([...chosen, ...shuffled.filter((p) => !taken.has(p))].slice(0, n));
}

function ids(problems: readonly CurriculumProblem[]): string[] {
  return problems.map((p) => p.problemId);
}
