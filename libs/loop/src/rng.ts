import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-hash';
import { RngLanes } from './rng-lanes';

/**
 * Derives an independent 32-bit seed for one decision from the run seed and labels
 * (e.g. deriveSeed(runSeed, 'sample', iteration, problemIndex, attempt)). Hashing keeps the
 * streams of different decisions uncorrelated and makes each decision reproducible on its own.
 */
export function deriveSeed(runSeed: number, ...labels: Array<string | number>): number {
  return createHash('sha256').update(canonicalJson([runSeed >>> 0, ...labels])).digest().readUInt32BE(0);
}

/** sfc32: a small, fast generator with a 128-bit state; plenty for sampling and shuffling. */
export class Rng {
  private readonly lane = new RngLanes(1);

  constructor(seed: number) {
    this.lane.seed(0, seed);
  }

  nextUint32(): number {
    return this.lane.nextUint32(0);
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.lane.next(0);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi] inclusive. */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Fisher-Yates; returns a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /**
   * Index drawn with probability proportional to weights (which need not sum to 1), optionally
   * over the window [start, start + count) of a larger array; the index is relative to `start`.
   */
  weighted(weights: ArrayLike<number>, start = 0, count = weights.length - start): number {
    return this.lane.weighted(0, weights, start, count);
  }
}
