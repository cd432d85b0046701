import { MOVES } from '../tasks/maze';
import { ABSTAIN_OUTPUT, type Problem } from '../tasks/problem';
import { ArithmeticLookups } from './arithmetic-lookups';
import { mazeStepFeatures } from './features';
import { ARITHMETIC_MASK, MASK_ROWS, MAZE_FIRST_MASK, MAZE_MASK } from './action-masks';
import { ABSTAIN_ACTION, ACTION_COUNT, FEATURE_COUNT, FIRST_MOVE_ACTION, FIRST_TEMPLATE_ACTION } from './layout';
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

  constructor(problems: readonly Problem[]) {
    const n = problems.length;
    this.size = n;
    this.done = new Uint8Array(n);
    this.lookups = new Array(n);
    this.state = new Int32Array(n);
    this.moveCount = new Int32Array(n);
    this.abstained = new Uint8Array(n);
    this.visitedAt = new Int32Array(n);
    this.movesAt = new Int32Array(n);
    let cells = 0;
    let steps = 0;
    for (let i = 0; i < n; i++) {
      const problem = problems[i];
      if (problem.family === 'arithmetic') {
        this.lookups[i] = ArithmeticLookups.of(problem);
        continue;
      }
      const geometry = MazeGeometry.of(problem);
      this.lookups[i] = geometry;
      this.state[i] = problem.spec.start;
      this.visitedAt[i] = cells;
      this.movesAt[i] = steps;
      cells += geometry.cells;
      steps += geometry.budget;
    }
    this.visited = new Uint8Array(cells);
    this.moves = new Uint8Array(steps);
    for (let i = 0; i < n; i++) {
      if (this.lookups[i] instanceof MazeGeometry) this.visited[this.visitedAt[i] + this.state[i]] = 1;
    }
  }

  /**
   * Writes the feature and mask rows of attempts[from, from + rows) into rows at, at + 1, ... of the
   * buffers. `masks[row]` is the mask index a buffer row holds (NO_MASK if unknown): a row that
   * already holds the right mask is left as it is, since most steps keep a row's mask.
   */
  writeInputs(
    attempts: Int32Array, from: number, rows: number, at: number, features: Float32Array, mask: Float32Array, masks: Uint8Array,
  ): void {
    for (let r = 0; r < rows; r++) {
      const i = attempts[from + r];
      const row = at + r;
      const lookups = this.lookups[i];
      let kind = ARITHMETIC_MASK;
      if (lookups instanceof MazeGeometry) {
        const cell = this.state[i];
        features.set(lookups.cellRow(cell), row * FEATURE_COUNT);
        mazeStepFeatures(lookups.open, cell * MOVES.length, this.visited, this.visitedAt[i], this.moveCount[i], features, row * FEATURE_COUNT);
        kind = this.moveCount[i] === 0 ? MAZE_FIRST_MASK : MAZE_MASK;
      } else {
        features.set(lookups.features, row * FEATURE_COUNT);
      }
      if (masks[row] !== kind) {
        mask.set(MASK_ROWS[kind], row * ACTION_COUNT);
        masks[row] = kind;
      }
    }
  }

  apply(attempt: number, action: number): void {
    const lookups = this.lookups[attempt];
    if (!(lookups instanceof MazeGeometry)) {
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
    const next = lookups.open[this.state[attempt] * MOVES.length + m];
    if (next < 0) {
      this.done[attempt] = 1;
      return;
    }
    this.state[attempt] = next;
    this.visited[this.visitedAt[attempt] + next] = 1;
    if (next === lookups.problem.spec.goal || count + 1 >= lookups.budget) this.done[attempt] = 1;
  }

  /** Policy steps taken (one token per step). */
  steps(attempt: number): number {
    return this.lookups[attempt] instanceof MazeGeometry && !this.abstained[attempt] ? this.moveCount[attempt] : 1;
  }

  output(attempt: number): string {
    const lookups = this.lookups[attempt];
    if (!(lookups instanceof MazeGeometry)) {
      const action = this.state[attempt];
      return action === ABSTAIN_ACTION ? ABSTAIN_OUTPUT : lookups.answer(action - FIRST_TEMPLATE_ACTION);
    }
    if (this.abstained[attempt]) return ABSTAIN_OUTPUT;
    let moves = '';
    const at = this.movesAt[attempt];
    for (let s = 0; s < this.moveCount[attempt]; s++) moves += MOVES[this.moves[at + s]];
    return moves;
  }
}
