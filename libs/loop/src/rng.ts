import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-hash';

/**
 * Derives an independent 32-bit seed for one decision from the run seed and labels
 * (e.g. deriveSeed(runSeed, 'sample', iteration, problemIndex, attempt)). Hashing keeps the
 * streams of different decisions uncorrelated and makes each decision reproducible on its own.
 */
export function deriveSeed(runSeed: number, ...labels: Array<string | number>): number {
  return createHash('sha256').update(canonicalJson([runSeed >>> 0, ...labels])).digest().readUInt32BE(0);
}

const GOLDEN = 0x9e3779b9;

/** The splitmix32 output function of one counter value. */
function splitmix32(counter: number): number {
  let z = counter >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** sfc32: a small, fast generator with a 128-bit state; plenty for sampling and shuffling. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads the 32-bit seed over the whole state so nearby seeds give unrelated streams.
    this.a = splitmix32(seed + GOLDEN);
    this.b = splitmix32(seed + 2 * GOLDEN);
    this.c = splitmix32(seed + 3 * GOLDEN);
    this.d = splitmix32(seed + 4 * GOLDEN);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
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
    let total = 0;
    for (let i = 0; i < count; i++) total += weights[start + i];
    let u = this.next() * total;
    for (let i = 0; i < count; i++) {
      u -= weights[start + i];
      if (u < 0) return i;
    }
    // Rounding can leave u at ~0 after the last subtraction: return the last positive weight.
    for (let i = count - 1; i >= 0; i--) if (weights[start + i] > 0) return i;
    return count - 1;
  }
}
