import { MOVES } from '../tasks/maze';
import { ABSTAIN_OUTPUT, type Problem } from '../tasks/problem';
import { ArithmeticLookups } from './arithmetic-lookups';
import { MAZE_ROW_HEAD, mazeStepFeatures } from './features';
import { ARITHMETIC_MASK, MASK_ROWS, MAZE_FIRST_MASK, MAZE_MASK } from './action-masks';
import {
  ABSTAIN_ACTION, ACTION_COUNT, FEATURE_COUNT, FIRST_MOVE_ACTION, FIRST_TEMPLATE_ACTION, MAZE_FEATURES, SEPARATE_INPUTS, type InputLayout,
} from './layout';
import { MazeGeometry } from './maze-geometry';

/**
 * Attempts at problems as sequences of policy steps. Reach-target answers in one step (pick an
 * expression shape); a maze answer is built one move per step until it reaches the goal, runs into
 * a wall or uses up its step budget. The state of all attempts lives in typed arrays indexed by
 * attempt, so a sampling step over thousands of rows allocates nothing.
 */
export class AttemptBatch {
  readonly size: number;
  /** 1 once the attempt has ended. */
  readonly done: Uint8Array;
  private readonly lookups: Array<ArithmeticLookups | MazeGeometry>;
  /** 1 for a maze attempt: cheaper to test per step than the class of its lookups. */
  private readonly maze: Uint8Array;
  /** Arithmetic: the chosen action once answered. Maze: the current cell. */
  private readonly state: Int32Array;
  /** Maze moves taken so far. */
  private readonly moveCount: Int32Array;
  private readonly abstained: Uint8Array;
  /** Each maze attempt's own stretch of `visited` (one byte per cell) and of `moves` (one per budgeted step). */
  private readonly visitedAt: Int32Array;
  private readonly visited: Uint8Array;
  private readonly movesAt: Int32Array;
  private readonly moves: Uint8Array;

  constructor(problems: readonly Problem[], private readonly layout: InputLayout = SEPARATE_INPUTS) {
    const n = problems.length;
    this.size = n;
    this.done = new Uint8Array(n);
    this.lookups = new Array(n);
    this.maze = new Uint8Array(n);
    this.state = new Int32Array(n);
    this.moveCount = new Int32Array(n);
    this.abstained = new Uint8Array(n);
    this.visitedAt = new Int32Array(n);
    this.movesAt = new Int32Array(n);
    let cells = 0;
    let steps = 0;
    for (let i = 0; i < n; i++) {
      const problem = problems[i];
      // Attempts come grouped by problem: reuse the previous attempt's lookups before asking the cache.
      const previous = i > 0 && problems[i - 1] === problem ? this.lookups[i - 1] : undefined;
      if (problem.family === 'arithmetic') {
        this.lookups[i] = previous ?? ArithmeticLookups.of(problem);
        continue;
      }
      const geometry = (previous as MazeGeometry | undefined) ?? MazeGeometry.of(problem);
      this.lookups[i] = geometry;
      this.maze[i] = 1;
      this.state[i] = geometry.start;
      this.visitedAt[i] = cells;
      this.movesAt[i] = steps;
      cells += geometry.cells;
      steps += geometry.budget;
    }
    this.visited = new Uint8Array(cells);
    this.moves = new Uint8Array(steps);
    for (let i = 0; i < n; i++) if (this.maze[i]) this.visited[this.visitedAt[i] + this.state[i]] = 1;
  }

  /**
   * Writes the feature and mask row of `attempt` into row `row` of the buffers. `masks[row]` is the
   * mask index the buffer row holds (NO_MASK if unknown), and so also which family's features it
   * holds: most steps keep a row's mask and family, so only what changes is written.
   */
  writeRow(attempt: number, row: number, features: Float32Array, mask: Float32Array, masks: Uint8Array): void {
    const offset = row * FEATURE_COUNT;
    let kind = ARITHMETIC_MASK;
    if (this.maze[attempt]) {
      const geometry = this.lookups[attempt] as MazeGeometry;
      const cell = this.state[attempt];
      const moved = this.moveCount[attempt];
      // A row that held a maze step has the head already; the maze block is this cell's.
      if (masks[row] !== MAZE_FIRST_MASK && masks[row] !== MAZE_MASK) features.set(MAZE_ROW_HEAD, offset);
      const blocks = geometry.cellBlocks;
      const from = cell * MAZE_FEATURES;
      const to = offset + this.layout.mazeOffset;
      for (let k = 0; k < MAZE_FEATURES; k++) features[to + k] = blocks[from + k];
      mazeStepFeatures(geometry.open, cell * MOVES.length, this.visited, this.visitedAt[attempt], moved, features, to);
      kind = moved === 0 ? MAZE_FIRST_MASK : MAZE_MASK;
    } else {
      features.set((this.lookups[attempt] as ArithmeticLookups).features, offset);
    }
    if (masks[row] !== kind) {
      mask.set(MASK_ROWS[kind], row * ACTION_COUNT);
      masks[row] = kind;
    }
  }

  apply(attempt: number, action: number): void {
    if (!this.maze[attempt]) {
      this.state[attempt] = action;
      this.done[attempt] = 1;
      return;
    }
    if (action === ABSTAIN_ACTION) {
      this.abstained[attempt] = 1;
      this.done[attempt] = 1;
      return;
    }
    const m = action - FIRST_MOVE_ACTION;
    const count = this.moveCount[attempt];
    this.moves[this.movesAt[attempt] + count] = m;
    this.moveCount[attempt] = count + 1;
    const geometry = this.lookups[attempt] as MazeGeometry;
    const next = geometry.open[this.state[attempt] * MOVES.length + m];
    if (next < 0) {
      this.done[attempt] = 1;
      return;
    }
    this.state[attempt] = next;
    this.visited[this.visitedAt[attempt] + next] = 1;
    if (next === geometry.goal || count + 1 >= geometry.budget) this.done[attempt] = 1;
  }

  /** Policy steps taken (one token per step). */
  steps(attempt: number): number {
    return this.maze[attempt] && !this.abstained[attempt] ? this.moveCount[attempt] : 1;
  }

  output(attempt: number): string {
    if (!this.maze[attempt]) {
      const action = this.state[attempt];
      return action === ABSTAIN_ACTION ? ABSTAIN_OUTPUT : (this.lookups[attempt] as ArithmeticLookups).answer(action - FIRST_TEMPLATE_ACTION);
    }
    if (this.abstained[attempt]) return ABSTAIN_OUTPUT;
    let moves = '';
    const at = this.movesAt[attempt];
    for (let s = 0; s < this.moveCount[attempt]; s++) moves += MOVES[this.moves[at + s]];
    return moves;
  }
}
