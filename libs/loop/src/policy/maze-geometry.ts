import { MOVES, neighbour } from '../tasks/maze';
import type { MazeProblem } from '../tasks/problem';
import { mazeCellFeatures } from './features';
import { FEATURE_COUNT, MAZE_FEATURES, MAZE_OFFSET } from './layout';

/**
 * Per-maze lookups an attempt needs at every step, built once per problem: where each move from
 * each cell leads (-1 when blocked by a wall or the edge) and each cell's fixed feature row.
 */
export class MazeGeometry {
  readonly cells: number;
  readonly start: number;
  readonly goal: number;
  /** cells x 4 (U D L R): the next cell, or -1. */
  readonly open: Int32Array;
  /** Twice the perimeter: any shortest path fits, and a wandering attempt ends in bounded time. */
  readonly budget: number;
  /**
   * cells x MAZE_FEATURES: each cell's maze block as mazeCellFeatures writes it; the rest of a row is
   * MAZE_ROW_HEAD. One array per maze keeps a step's reads close together.
   */
  readonly cellBlocks: Float32Array;

  private constructor(problem: MazeProblem) {
    const { spec } = problem;
    this.cells = spec.rows * spec.cols;
    this.start = spec.start;
    this.goal = spec.goal;
    this.budget = 2 * (spec.rows + spec.cols);
    this.open = new Int32Array(this.cells * MOVES.length);
    for (let cell = 0; cell < this.cells; cell++) {
      MOVES.forEach((move, m) => {
        const next = neighbour(spec, cell, move);
        this.open[cell * MOVES.length + m] = next >= 0 && !spec.walls[next] ? next : -1;
      });
    }
    this.cellBlocks = new Float32Array(this.cells * MAZE_FEATURES);
    const row = new Float32Array(FEATURE_COUNT);
    for (let cell = 0; cell < this.cells; cell++) {
      mazeCellFeatures(spec, cell, row, 0);
      this.cellBlocks.set(row.subarray(MAZE_OFFSET), cell * MAZE_FEATURES);
    }
  }

  private static readonly cache = new WeakMap<MazeProblem, MazeGeometry>();

  static of(problem: MazeProblem): MazeGeometry {
    let geometry = MazeGeometry.cache.get(problem);
    if (!geometry) {
      geometry = new MazeGeometry(problem);
      MazeGeometry.cache.set(problem, geometry);
    }
    return geometry;
  }
}
