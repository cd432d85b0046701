import type { ModelUpdatedPayload } from '@xp/events';
import type { CurriculumProblem, SolveCounts } from '../curriculum/strategies';
import { declaresExternalStages, resolveExternalConfig, type ExternalLoopConfig } from '../external/external-config';
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
  /** Set for a run whose sampler, verifier, trainer and evaluator run outside xp. */
  external?: ExternalLoopConfig;
  /** Problems of the built-in suites, which xp's own sampler and verifiers can work on. */
  problems: Map<string, Problem>;
  /** Every registered problem, in registration order; an external run's statements are opaque to xp. */
  catalog: Map<string, RegisteredProblem>;
  /** Training-split problems only: held-out results must never steer training. */
  stats: Map<string, ProblemStats>;
  /** Rewarded training samples, in log order. */
  kept: KeptSample[];
  outputs: Map<string, { problemId: string; output: string; iteration: number }>;
  checkpoint?: ModelUpdatedPayload;
  lastIteration: number;
  /**
   * An external run's reports may arrive twice (a client retrying a POST whose answer it lost, a
   * sample re-reported after a restart): each event id, and each sample's verdict and reward, count once.
   */
  seen?: { events: Set<string>; facts: Set<string> };
  /** The task each curriculum decision recorded (undefined for strategies without tasks), in log order. */
  decidedTasks: Array<string | undefined>;
  /** Training solve counts per iteration and benchmark. */
  iterationStats: Map<number, Map<string, SolveCounts>>;
}

export interface RegisteredProblem extends CurriculumProblem {
  split: 'train' | 'heldout';
  statement: string;
}

export function emptyState(): LoopState {
  return {
    runSeed: 0, problems: new Map(), catalog: new Map(), stats: new Map(), kept: [], outputs: new Map(), lastIteration: 0,
    decidedTasks: [], iterationStats: new Map(),
  };
}

export function project(entries: readonly HistoryEntry[]): LoopState {
  const state = emptyState();
  for (const entry of entries) applyEvent(state, entry);
  return state;
}

export function applyEvent(state: LoopState, { event }: HistoryEntry): void {
  if (state.seen && isRepeated(state.seen, event)) return;
  switch (event.type) {
    case 'run.started':
      state.runSeed = event.payload.seed;
      state.config = event.payload.config as unknown as LoopConfig;
      if (declaresExternalStages(event.payload.config)) {
        state.external = resolveExternalConfig(event.payload.config);
        state.seen ??= { events: new Set(), facts: new Set() };
      }
      break;
    case 'problem.registered': {
      const { problemId, benchmark, difficulty, split, statement } = event.payload;
      if (!state.catalog.has(problemId)) state.catalog.set(problemId, { problemId, benchmark, difficulty, split, statement });
      if (!state.external) state.problems.set(problemId, problemFromRegistered(event.payload));
      break;
    }
    case 'sample.generated':
      state.outputs.set(event.payload.sampleId, { problemId: event.payload.problemId, output: event.payload.output, iteration: event.payload.iteration });
      break;
    case 'sample.verified': {
      const problem = state.catalog.get(event.payload.problemId);
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
      const problem = problemId === undefined ? undefined : state.catalog.get(problemId);
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

/** The curriculum's pool: every registered training problem, in registration order. */
export function trainingProblems(state: LoopState): RegisteredProblem[] {
  return [...state.catalog.values()].filter((p) => p.split === 'train');
}

function isRepeated(seen: NonNullable<LoopState['seen']>, event: HistoryEntry['event']): boolean {
  if (seen.events.has(event.eventId)) return true;
  seen.events.add(event.eventId);
  if (event.type !== 'sample.generated' && event.type !== 'sample.verified' && event.type !== 'reward.assigned') return false;
  const fact = `${event.type} ${event.payload.sampleId}`;
  if (seen.facts.has(fact)) return true;
  seen.facts.add(fact);
  return false;
}

function countIteration(state: LoopState, iteration: number, benchmark: string, correct: boolean): void {
  const byBenchmark = state.iterationStats.get(iteration) ?? new Map<string, SolveCounts>();
  const counts = byBenchmark.get(benchmark) ?? { attempts: 0, correct: 0 };
  counts.attempts++;
  if (correct) counts.correct++;
  byBenchmark.set(benchmark, counts);
  state.iterationStats.set(iteration, byBenchmark);
}

export function heldOutProblems(state: LoopState): Problem[] {
  return [...state.problems.values()].filter((p) => p.split === 'heldout');
}
