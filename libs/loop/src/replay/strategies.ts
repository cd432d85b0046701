import { UsageError } from '@xp/events';
import { Rng } from '../rng';
import { isRehearsal, rehearsalBatches, type RehearsalContext } from './rehearsal';

/**
 * Replay strategies: which kept samples the trainer sees this iteration, as batches of sample ids.
 * Pure functions of the kept samples (from the log up to the watermark), a seed and the config.
 */
export interface KeptSample {
  sampleId: string;
  problemId: string;
  reward: number;
  /** The iteration that sampled it. */
  iteration: number;
  /** Its problem's benchmark. */
  task: string;
}

/** One batch: sample ids, and for rehearsal strategies the positions of those drawn from the memory. */
export interface ReplayDraw {
  sampleIds: string[];
  fromMemory?: number[];
}

export type ReplayStrategy = 'uniform' | 'prioritized' | 'reshuffle' | 'reservoir' | 'task-balanced';
export const REPLAY_STRATEGIES: readonly ReplayStrategy[] = ['uniform', 'prioritized', 'reshuffle', 'reservoir', 'task-balanced'];

export interface ReplayConfig {
  strategy: ReplayStrategy;
  batchSize: number;
  /** Batches per iteration for the sampling strategies; reshuffle always does one full epoch. */
  batchesPerIteration: number;
  params?: Record<string, number>;
}

const DEFAULT_PARAMS: Record<ReplayStrategy, Record<string, number>> = {
  uniform: {},
  // priority = reward^alpha / (kept samples of the same problem)^novelty: rare solutions come first.
  prioritized: { alpha: 1, novelty: 0.5 },
  reshuffle: {},
  // Rehearsal (experience replay for continual learning): a memory of memorySize samples from earlier
  // iterations, a memoryFraction share of every batch drawn from it, the rest from this iteration.
  reservoir: { memorySize: 200, memoryFraction: 0.5 },
  'task-balanced': { memorySize: 200, memoryFraction: 0.5 },
};

export function replayParams(config: ReplayConfig): Record<string, number> {
  const defaults = DEFAULT_PARAMS[config.strategy];
  if (!defaults) throw new UsageError(`unknown replay strategy '${config.strategy}' (known: ${REPLAY_STRATEGIES.join(', ')})`);
  const params = { ...defaults, ...config.params };
  if (isRehearsal(config.strategy)) {
    if (!Number.isInteger(params.memorySize) || params.memorySize < 1) throw new UsageError(`replay.params.memorySize must be a positive integer (got ${params.memorySize})`);
    if (!(params.memoryFraction >= 0 && params.memoryFraction <= 1)) throw new UsageError(`replay.params.memoryFraction must be between 0 and 1 (got ${params.memoryFraction})`);
  }
  return params;
}

/** The iteration's batches. Rehearsal strategies also need the iteration and the run's memory seed. */
export function decideReplay(kept: readonly KeptSample[], seed: number, config: ReplayConfig, rehearsal?: RehearsalContext): ReplayDraw[] {
  const params = replayParams(config);
  if (kept.length === 0) return [];
  const rng = new Rng(seed);
  if (isRehearsal(config.strategy)) {
    if (!rehearsal) throw new UsageError(`replay strategy '${config.strategy}' needs the iteration and the memory seed`);
    return rehearsalBatches(kept, config.strategy, params, config, rng, rehearsal);
  }
  switch (config.strategy) {
    case 'uniform':
      return drawBatches(config, () => kept[rng.int(kept.length)].sampleId);
    case 'prioritized': {
      const weights = priorities(kept, params);
      return drawBatches(config, () => kept[rng.weighted(weights)].sampleId);
    }
    case 'reshuffle': {
      const order = rng.shuffle(kept.map((s) => s.sampleId));
      const batches: ReplayDraw[] = [];
      for (let i = 0; i < order.length; i += config.batchSize) batches.push({ sampleIds: order.slice(i, i + config.batchSize) });
      return batches;
    }
  }
}

/** priority = reward^alpha / (kept samples of the same problem)^novelty, per kept sample. */
function priorities(kept: readonly KeptSample[], params: Record<string, number>): number[] {
  const perProblem = new Map<string, number>();
  for (const s of kept) perProblem.set(s.problemId, (perProblem.get(s.problemId) ?? 0) + 1);
  return kept.map((s) => s.reward ** params.alpha / perProblem.get(s.problemId)! ** params.novelty);
}

/**
 * The probability with which one prioritized draw picks each kept sample (its priority over the sum),
 * which a trainer uses as an importance weight, as Reverb hands one out with every item. Other
 * strategies draw uniformly or cover the buffer once, so they have none to report.
 */
export function drawProbabilities(kept: readonly KeptSample[], config: ReplayConfig): Map<string, number> | undefined {
  if (config.strategy !== 'prioritized' || kept.length === 0) return undefined;
  const weights = priorities(kept, replayParams(config));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const probabilities = new Map<string, number>();
  kept.forEach((s, i) => probabilities.set(s.sampleId, (probabilities.get(s.sampleId) ?? 0) + weights[i] / total));
  return probabilities;
}

function drawBatches(config: ReplayConfig, draw: () => string): ReplayDraw[] {
  return Array.from({ length: config.batchesPerIteration }, () => ({ sampleIds: Array.from({ length: config.batchSize }, draw) }));
}
