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
      const perProblem = new Map<string, number>();
      for (const s of kept) perProblem.set(s.problemId, (perProblem.get(s.problemId) ?? 0) + 1);
      const priorities = kept.map((s) => s.reward ** params.alpha / perProblem.get(s.problemId)! ** params.novelty);
      return drawBatches(config, () => kept[rng.weighted(priorities)].sampleId);
    }
    case 'reshuffle': {
      const order = rng.shuffle(kept.map((s) => s.sampleId));
      const batches: string[][] = [];
      for (let i = 0; i < order.length; i += config.batchSize) batches.push(order.slice(i, i + config.batchSize));
      return batches;
    }
  }
}

function drawBatches(config: ReplayConfig, draw: () => string): string[][] {
  return Array.from({ length: config.batchesPerIteration }, () => Array.from({ length: config.batchSize }, draw));
}
