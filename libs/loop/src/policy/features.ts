import { MOVES, neighbour } from '../tasks/maze';
import type { ArithmeticSpec, MazeSpec } from '../tasks/problem';
import { ARITHMETIC_OFFSET, MAZE_OFFSET } from './layout';

/**
 * What the policy sees. The features describe the problem coarsely (sizes, ratios, divisibility,
 * local walls and the goal's direction) without naming the answer, so the policy has to learn which
 * expression shape or move fits; callers pass a zeroed row.
 */

const LOG_MAX_TARGET = Math.log1p(999);

function logRatio(value: number, reference: number): number {
  return Math.max(-3, Math.min(3, Math.log(value / Math.max(1, reference)))) / 3;
}

export function arithmeticFeatures(spec: ArithmeticSpec, out: Float32Array, offset: number): void {
  const { numbers, target } = spec;
  const sum = numbers.reduce((s, n) => s + n, 0);
  const product = numbers.reduce((p, n) => p * n, 1);
  let maxPair = 0;
  for (let i = 0; i < numbers.length; i++) {
    for (let j = i + 1; j < numbers.length; j++) maxPair = Math.max(maxPair, numbers[i] * numbers[j]);
  }
  const f = offset + ARITHMETIC_OFFSET;
  out[offset] = 1;
  out[f + numbers.length - 2] = 1;
  for (let i = 0; i < numbers.length; i++) {
    out[f + 3 + i] = numbers[i] / 9;
    out[f + 14 + i] = target % numbers[i] === 0 ? 1 : 0;
  }
  out[f + 7] = Math.log1p(target) / LOG_MAX_TARGET;
  out[f + 8] = Math.min(target, 100) / 100;
  out[f + 9] = logRatio(target, sum);
  out[f + 10] = logRatio(target, product);
  out[f + 11] = logRatio(target, maxPair);
  out[f + 12] = target % 2 === 0 ? 1 : 0;
  out[f + 13] = target % 3 === 0 ? 1 : 0;
  out[f + 18] = target > sum ? 1 : 0;
  out[f + 19] = target < Math.max(...numbers) ? 1 : 0;
  out[f + 20] = target > maxPair ? 1 : 0;
  out[f + 21] = target >= product ? 1 : 0;
}

/** The features before the maze block of every maze row: the family indicator, zeros for arithmetic. */
export const MAZE_ROW_HEAD: Float32Array = Float32Array.from({ length: MAZE_OFFSET }, (_, i) => (i === 1 ? 1 : 0));

/** The part of a maze step's features fixed by the cell alone: walls, open runs, where the goal lies. */
export function mazeCellFeatures(spec: MazeSpec, cell: number, out: Float32Array, offset: number): void {
  const f = offset + MAZE_OFFSET;
  out.set(MAZE_ROW_HEAD, offset);
  const row = Math.floor(cell / spec.cols);
  const col = cell % spec.cols;
  const goalRow = Math.floor(spec.goal / spec.cols);
  const goalCol = spec.goal % spec.cols;
  const size = Math.max(spec.rows, spec.cols);
  MOVES.forEach((move, m) => {
    const next = neighbour(spec, cell, move);
    out[f + m] = next < 0 || spec.walls[next] ? 1 : 0;
    let run = 0;
    for (let c = next; c >= 0 && !spec.walls[c]; c = neighbour(spec, c, move)) run++;
    out[f + 14 + m] = run / size;
  });
  out[f + 8] = goalRow < row ? 1 : 0;
  out[f + 9] = goalRow > row ? 1 : 0;
  out[f + 10] = goalCol < col ? 1 : 0;
  out[f + 11] = goalCol > col ? 1 : 0;
  out[f + 12] = Math.abs(goalRow - row) / spec.rows;
  out[f + 13] = Math.abs(goalCol - col) / spec.cols;
}

/**
 * The part that depends on the attempt so far: which open neighbours were visited, and whether it
 * has moved. `open[openAt..openAt+4)` holds the cell's four neighbours (U D L R), -1 where blocked;
 * `visited[visitedAt + cell]` marks the cells this attempt has been on; `blockAt` is where the row's
 * maze block starts (its layout's maze offset past the row's start).
 */
export function mazeStepFeatures(
  open: Int32Array, openAt: number, visited: Uint8Array, visitedAt: number, step: number, out: Float32Array, blockAt: number,
): void {
  const f = blockAt;
  for (let m = 0; m < 4; m++) {
    const next = open[openAt + m];
    out[f + 4 + m] = next >= 0 && visited[visitedAt + next] ? 1 : 0;
  }
  out[f + 18] = step === 0 ? 1 : 0;
}
