/** The splitmix32 output function of one counter value. */
function splitmix32(counter: number): number {
  let z = counter >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const GOLDEN = 0x9e3779b9;
const WORDS = 4;

/**
 * Independent sfc32 generators side by side in one typed array, one lane per seed. The sampler
 * draws for thousands of attempts per step: lanes keep that free of an object per attempt, and
 * `Rng` is a single lane, so both give the same numbers for the same seed.
 */
export class RngLanes {
  private readonly state: Int32Array;

  constructor(lanes: number) {
    this.state = new Int32Array(lanes * WORDS);
  }

  seed(lane: number, seed: number): void {
    // splitmix32 spreads the 32-bit seed over the whole state so nearby seeds give unrelated streams.
    let a = splitmix32(seed + GOLDEN) | 0;
    let b = splitmix32(seed + 2 * GOLDEN) | 0;
    let c = splitmix32(seed + 3 * GOLDEN) | 0;
    let d = splitmix32(seed + 4 * GOLDEN) | 0;
    // The first outputs are discarded; in locals, as every attempt seeds its own lane.
    for (let i = 0; i < 12; i++) {
      const t = (((a + b) | 0) + d) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      d = (d + 1) | 0;
    }
    const s = this.state;
    const o = lane * WORDS;
    s[o] = a;
    s[o + 1] = b;
    s[o + 2] = c;
    s[o + 3] = d;
  }

  nextUint32(lane: number): number {
    const s = this.state;
    const o = lane * WORDS;
    const a = s[o];
    const b = s[o + 1];
    const c = s[o + 2];
    const d = s[o + 3];
    const t = (((a + b) | 0) + d) | 0;
    s[o] = b ^ (b >>> 9);
    s[o + 1] = (c + (c << 3)) | 0;
    s[o + 2] = (((c << 21) | (c >>> 11)) + t) | 0;
    s[o + 3] = (d + 1) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(lane: number): number {
    return this.nextUint32(lane) / 4294967296;
  }

  /** Uniform in [0, 1) with 24 bits of resolution: exact in a Float32Array, where `next` could round up to 1. */
  nextFloat32(lane: number): number {
    return (this.nextUint32(lane) >>> 8) / 16777216;
  }

  /**
   * Index drawn with probability proportional to weights (which need not sum to 1) over the window
   * [start, start + count) of a larger array: an inverse-CDF walk, so zero weights are never drawn.
   * The index is relative to `start`.
   */
  weighted(lane: number, weights: ArrayLike<number>, start: number, count: number): number {
    let total = 0;
    for (let i = 0; i < count; i++) total += weights[start + i];
    let u = this.next(lane) * total;
    for (let i = 0; i < count; i++) {
      u -= weights[start + i];
      if (u < 0) return i;
    }
    // Rounding can leave u at ~0 after the last subtraction: return the last positive weight.
    for (let i = count - 1; i >= 0; i--) if (weights[start + i] > 0) return i;
    return count - 1;
  }
}
