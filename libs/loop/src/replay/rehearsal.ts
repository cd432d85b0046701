import { deriveSeed, Rng } from '../rng';
import type { KeptSample, ReplayDraw } from './strategies';

/**
 * Rehearsal memories for continual learning. The memory is a pure function of the kept samples of
 * earlier iterations (in log order) and the run's memory seed, so a replay rebuilds it exactly; with
 * one generator stream for the whole run, the memory of iteration i+1 is the memory of iteration i
 * updated with the samples of iteration i, as an online buffer would hold it.
 */
export type RehearsalStrategy = 'reservoir' | 'task-balanced';

export function isRehearsal(strategy: string): strategy is RehearsalStrategy {
  return strategy === 'reservoir' || strategy === 'task-balanced';
}

/**
 * Vitter's algorithm R: after n items, every item seen is in the memory with probability
 * min(1, capacity / n), whatever its position in the stream.
 */
export function reservoirSample<T>(stream: readonly T[], capacity: number, rng: Rng): T[] {
  const memory: T[] = [];
  for (let n = 0; n < stream.length; n++) {
    if (n < capacity) {
      memory.push(stream[n]);
      continue;
    }
    const slot = rng.int(n + 1);
    if (slot < capacity) memory[slot] = stream[n];
  }
  return memory;
}

/**
 * Equal memory per task seen so far: floor(capacity / tasks) slots each, filled by a reservoir over
 * that task's samples with the task's own stream (so adding a task never reorders another's draws).
 */
export function taskBalancedSample(stream: readonly KeptSample[], capacity: number, memorySeed: number): KeptSample[] {
  const byTask = new Map<string, KeptSample[]>();
  for (const sample of stream) {
    const samples = byTask.get(sample.task) ?? [];
    samples.push(sample);
    byTask.set(sample.task, samples);
  }
  const perTask = Math.floor(capacity / Math.max(1, byTask.size));
  return [...byTask].flatMap(([task, samples]) => reservoirSample(samples, perTask, new Rng(deriveSeed(memorySeed, 'task', task))));
}

export interface RehearsalContext {
  /** The iteration the batches train: its kept samples are the new data, earlier ones feed the memory. */
  iteration: number;
  /** One seed for the run's memory (the same at every iteration). */
  memorySeed: number;
}

/**
 * Batches of this iteration's kept samples with a memoryFraction share of each batch drawn from the
 * memory (uniformly, with replacement, like the new samples). Memory samples go last; their positions
 * are recorded. No new samples, no batches: rehearsal mixes memory into training, it does not replace it.
 */
export function rehearsalBatches(
  kept: readonly KeptSample[], strategy: RehearsalStrategy, params: Record<string, number>, batch: { batchSize: number; batchesPerIteration: number },
  rng: Rng, context: RehearsalContext,
): ReplayDraw[] {
  const fresh = kept.filter((k) => k.iteration === context.iteration);
  if (fresh.length === 0) return [];
  const earlier = kept.filter((k) => k.iteration < context.iteration);
  const memory = strategy === 'reservoir'
    ? reservoirSample(earlier, params.memorySize, new Rng(context.memorySeed))
    : taskBalancedSample(earlier, params.memorySize, context.memorySeed);
  const fromMemory = memory.length === 0 ? 0 : Math.round(params.memoryFraction * batch.batchSize);
  const positions = Array.from({ length: fromMemory }, (_, i) => batch.batchSize - fromMemory + i);
  return Array.from({ length: batch.batchesPerIteration }, () => ({
    sampleIds: [
      ...Array.from({ length: batch.batchSize - fromMemory }, () => fresh[rng.int(fresh.length)].sampleId),
      ...Array.from({ length: fromMemory }, () => memory[rng.int(memory.length)].sampleId),
    ],
    fromMemory: positions,
  }));
}
