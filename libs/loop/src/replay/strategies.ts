import { UsageError } from '@xp/events';
import { Rng } from '../rng';

/**
 * Replay strategies: which kept samples the trainer sees this iteration, as batches of sample ids.
 * Pure functions of the kept samples (from the log up to the watermark), a seed and the config.
 */
export interface KeptSample {
  sampleId: string;
  problemId: string;
  reward: number;
}

export type ReplayStrategy = 'uniform' | 'prioritized' | 'reshuffle';
export const REPLAY_STRATEGIES: readonly ReplayStrategy[] = ['uniform', 'prioritized', 'reshuffle'];

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
};

export function replayParams(config: ReplayConfig): Record<string, number> {
  const defaults = DEFAULT_PARAMS[config.strategy];
  if (!defaults) throw new UsageError(`unknown replay strategy '${config.strategy}' (known: ${REPLAY_STRATEGIES.join(', ')})`);
  return { ...defaults, ...config.params };
}

export function decideReplay(kept: readonly KeptSample[], seed: number, config: ReplayConfig): string[][] {
  const params = replayParams(config);
  if (kept.length === 0) return [];
  const rng = new Rng(seed);
  switch (config.strategy) {
    case 'uniform':
      return drawBatches(config, () => kept[rng.int(kept.length)].sampleId);
    case 'prioritized': {
      const weights = priorities(kept, params);
      return drawBatches(config, () => kept[rng.weighted(weights)].sampleId);
    }
    case 'reshuffle': {
      const order = rng.shuffle(kept.map((s) => s.sampleId));
      const batches: string[][] = [];
      for (let i = 0; i < order.length; i += config.batchSize) batches.push(order.slice(i, i + config.batchSize));
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

function drawBatches(config: ReplayConfig, draw: () => string): string[][] {
  return Array.from({ length: config.batchesPerIteration }, () => Array.from({ length: config.batchSize }, draw));
}
