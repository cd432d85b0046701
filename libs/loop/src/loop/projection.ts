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
  outputs: Map<string, { problemId: string; output: string }>;
  checkpoint?: ModelUpdatedPayload;
  lastIteration: number;
}

export function emptyState(): LoopState {
  return { runSeed: 0, problems: new Map(), stats: new Map(), kept: [], outputs: new Map(), lastIteration: 0 };
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
      state.outputs.set(event.payload.sampleId, { problemId: event.payload.problemId, output: event.payload.output });
      break;
    case 'sample.verified': {
      if (state.problems.get(event.payload.problemId)?.split !== 'train') break;
      const stats = state.stats.get(event.payload.problemId) ?? { attempts: 0, correct: 0, failures: 0 };
      stats.attempts++;
      if (event.payload.verdict === 'correct') stats.correct++;
      if (event.payload.verdict === 'incorrect' || event.payload.verdict === 'error') stats.failures++;
      state.stats.set(event.payload.problemId, stats);
      break;
    }
    case 'reward.assigned': {
      const problemId = event.payload.problemId ?? state.outputs.get(event.payload.sampleId)?.problemId;
      if (event.payload.value > 0 && problemId && state.problems.get(problemId)?.split === 'train') {
        state.kept.push({ sampleId: event.payload.sampleId, problemId, reward: event.payload.value });
      }
      break;
    }
    case 'model.updated':
      state.checkpoint = event.payload;
      break;
    case 'curriculum.decided':
      state.lastIteration = Math.max(state.lastIteration, event.payload.iteration);
      break;
    default:
      break;
  }
}

export function trainingProblems(state: LoopState): Problem[] {
  return [...state.problems.values()].filter((p) => p.split === 'train');
}

export function heldOutProblems(state: LoopState): Problem[] {
  return [...state.problems.values()].filter((p) => p.split === 'heldout');
}
