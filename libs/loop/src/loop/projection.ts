import type { ModelUpdatedPayload } from '@xp/events';
import type { SolveCounts } from '../curriculum/strategies';
import type { KeptSample } from '../replay/strategies';
import { problemFromRegistered } from '../tasks/suite';
import type { Problem } from '../tasks/problem';
import type { LoopConfig } from './config';
import type { HistoryEntry } from './run-history';

export interface ProblemStats extends SolveCounts {
  /** Incorrect or malformed attempts (abstentions are neither correct nor failed). */
  failures: number;
}

/**
 * What the loop's decisions read, folded from a run's history in log order. The live loop folds
 * events as it appends them; a replay folds the log up to each decision's watermark; both call
 * `applyEvent`, so they cannot disagree about what the log says.
 */
export interface LoopState {
  runSeed: number;
  config?: LoopConfig;
  problems: Map<string, Problem>;
  /** Training-split problems only: held-out results must never steer training. */
  stats: Map<string, ProblemStats>;
  /** Rewarded training samples, in log order. */
  kept: KeptSample[];
  outputs: Map<string, { problemId: string; output: string; iteration: number }>;
  checkpoint?: ModelUpdatedPayload;
  lastIteration: number;
  /** The task each curriculum decision recorded (undefined for strategies without tasks), in log order. */
  decidedTasks: Array<string | undefined>;
  /** Training solve counts per iteration and benchmark. */
  iterationStats: Map<number, Map<string, SolveCounts>>;
}

export function emptyState(): LoopState {
  return { runSeed: 0, problems: new Map(), stats: new Map(), kept: [], outputs: new Map(), lastIteration: 0, decidedTasks: [], iterationStats: new Map() };
}

export function project(entries: readonly HistoryEntry[]): LoopState {
  const state = emptyState();
  for (const entry of entries) applyEvent(state, entry);
  return state;
}

export function applyEvent(state: LoopState, { event }: HistoryEntry): void {
  switch (event.type) {
    case 'run.started':
      state.runSeed = event.payload.seed;
      state.config = event.payload.config as unknown as LoopConfig;
      break;
    case 'problem.registered':
      state.problems.set(event.payload.problemId, problemFromRegistered(event.payload));
      break;
    case 'sample.generated':
      state.outputs.set(event.payload.sampleId, { problemId: event.payload.problemId, output: event.payload.output, iteration: event.payload.iteration });
      break;
    case 'sample.verified': {
      const problem = state.problems.get(event.payload.problemId);
      if (problem?.split !== 'train') break;
      const correct = event.payload.verdict === 'correct';
      const stats = state.stats.get(event.payload.problemId) ?? { attempts: 0, correct: 0, failures: 0 };
      stats.attempts++;
      if (correct) stats.correct++;
      if (event.payload.verdict === 'incorrect' || event.payload.verdict === 'error') stats.failures++;
      state.stats.set(event.payload.problemId, stats);
      const iteration = state.outputs.get(event.payload.sampleId)?.iteration;
      if (iteration !== undefined) countIteration(state, iteration, problem.benchmark, correct);
      break;
    }
    case 'reward.assigned': {
      const problemId = event.payload.problemId ?? state.outputs.get(event.payload.sampleId)?.problemId;
      const problem = problemId === undefined ? undefined : state.problems.get(problemId);
      if (event.payload.value > 0 && problemId && problem?.split === 'train') {
        const iteration = state.outputs.get(event.payload.sampleId)?.iteration ?? state.lastIteration;
        state.kept.push({ sampleId: event.payload.sampleId, problemId, reward: event.payload.value, iteration, task: problem.benchmark });
      }
      break;
    }
    case 'model.updated':
      state.checkpoint = event.payload;
      break;
    case 'curriculum.decided':
      state.lastIteration = Math.max(state.lastIteration, event.payload.iteration);
      state.decidedTasks.push(event.payload.task);
      break;
    default:
      break;
  }
}

function countIteration(state: LoopState, iteration: number, benchmark: string, correct: boolean): void {
  const byBenchmark = state.iterationStats.get(iteration) ?? new Map<string, SolveCounts>();
  const counts = byBenchmark.get(benchmark) ?? { attempts: 0, correct: 0 };
  counts.attempts++;
  if (correct) counts.correct++;
  byBenchmark.set(benchmark, counts);
  state.iterationStats.set(iteration, byBenchmark);
}

export function trainingProblems(state: LoopState): Problem[] {
  return [...state.problems.values()].filter((p) => p.split === 'train');
}

export function heldOutProblems(state: LoopState): Problem[] {
  return [...state.problems.values()].filter((p) => p.split === 'heldout');
}
