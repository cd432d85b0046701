import type { RngLanes } from '../rng-lanes';

/**
 * Draws an action from `weights[base + a]` over the allowed actions `allowed` (ascending), by the
 * inverse CDF with the lane's next number: the same walk as `Rng.weighted` over the whole row, since
 * the skipped actions weigh exactly 0 and change neither the total nor the walk. Returns the action.
 */
export function drawMasked(lanes: RngLanes, lane: number, weights: ArrayLike<number>, base: number, allowed: Int32Array): number {
  const count = allowed.length;
  let total = 0;
  for (let k = 0; k < count; k++) total += weights[base + allowed[k]];
  let u = lanes.next(lane) * total;
  for (let k = 0; k < count; k++) {
    u -= weights[base + allowed[k]];
    if (u < 0) return allowed[k];
  }
  // Rounding can leave u at ~0 after the last subtraction: take the last positive weight.
  let k = count - 1;
  while (k > 0 && !(weights[base + allowed[k]] > 0)) k--;
  return allowed[k];
}
