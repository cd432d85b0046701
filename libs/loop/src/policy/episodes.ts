import { ARITHMETIC_TEMPLATES, renderTemplate } from '../tasks/arithmetic';
import { MOVES, type Move } from '../tasks/maze';
import { ABSTAIN_OUTPUT, type ArithmeticProblem, type MazeProblem, type Problem } from '../tasks/problem';
import { arithmeticFeatures, mazeStepFeatures } from './features';
import {
  ABSTAIN_ACTION, ACTION_COUNT, FEATURE_COUNT, FIRST_MOVE_ACTION, FIRST_TEMPLATE_ACTION, MASKED, moveAction,
} from './layout';
import { MazeGeometry } from './maze-geometry';

/**
 * An attempt at a problem as a sequence of policy steps. Reach-target answers in one step (pick an
 * expression shape); a maze answer is built one move per step until it reaches the goal, runs into
 * a wall or uses up its step budget.
 */
export interface Episode {
  readonly done: boolean;
  readonly steps: number;
  /** Writes the whole feature row of the current step (other families' blocks as zeros). */
  writeFeatures(out: Float32Array, offset: number): void;
  writeMask(out: Float32Array, offset: number): void;
  apply(action: number): void;
  output(): string;
}

export function startEpisode(problem: Problem): Episode {
  return problem.family === 'arithmetic' ? new ArithmeticEpisode(problem) : new MazeEpisode(problem);
}

/**
 * The actions that produce `output` on `problem`, or undefined when this policy cannot say it
 * (e.g. an answer from an outside producer); the trainer learns from these step by step.
 */
export function actionsForOutput(problem: Problem, output: string): number[] | undefined {
  if (output === ABSTAIN_OUTPUT) return [ABSTAIN_ACTION];
  if (problem.family === 'arithmetic') {
    const index = ARITHMETIC_TEMPLATES.findIndex((_, t) => renderedAnswer(problem, t) === output);
    return index < 0 ? undefined : [FIRST_TEMPLATE_ACTION + index];
  }
  if (!/^[UDLR]+$/.test(output)) return undefined;
  return [...output].map((move) => moveAction(move as Move));
}

function maskRow(allowed: (action: number) => boolean): Float32Array {
  return Float32Array.from({ length: ACTION_COUNT }, (_, a) => (allowed(a) ? 0 : MASKED));
}

// Masks depend only on the family and on whether a maze attempt has moved yet, so they are built once.
const ARITHMETIC_MASK = maskRow((a) => a < FIRST_MOVE_ACTION);
const MAZE_FIRST_MASK = maskRow((a) => a >= FIRST_MOVE_ACTION || a === ABSTAIN_ACTION);
const MAZE_MASK = maskRow((a) => a >= FIRST_MOVE_ACTION);

/** A problem is attempted many times per iteration: its features and rendered answers are computed once. */
interface ArithmeticLookups {
  row: Float32Array;
  answers: string[];
}

const arithmeticLookups = new WeakMap<ArithmeticProblem, ArithmeticLookups>();

function lookupsOf(problem: ArithmeticProblem): ArithmeticLookups {
  let lookups = arithmeticLookups.get(problem);
  if (!lookups) {
    const row = new Float32Array(FEATURE_COUNT);
    arithmeticFeatures(problem.spec, row, 0);
    lookups = { row, answers: [] };
    arithmeticLookups.set(problem, lookups);
  }
  return lookups;
}

function renderedAnswer(problem: ArithmeticProblem, template: number, lookups = lookupsOf(problem)): string {
  return (lookups.answers[template] ??= renderTemplate(ARITHMETIC_TEMPLATES[template], problem.spec.numbers));
}

class ArithmeticEpisode implements Episode {
  done = false;
  steps = 0;
  private answer = '';

  private readonly lookups: ArithmeticLookups;

  constructor(private readonly problem: ArithmeticProblem) {
    this.lookups = lookupsOf(problem);
  }

  writeFeatures(out: Float32Array, offset: number): void {
    out.set(this.lookups.row, offset);
  }

  writeMask(out: Float32Array, offset: number): void {
    out.set(ARITHMETIC_MASK, offset);
  }

  apply(action: number): void {
    this.answer = action === ABSTAIN_ACTION ? ABSTAIN_OUTPUT : renderedAnswer(this.problem, action - FIRST_TEMPLATE_ACTION, this.lookups);
    this.steps = 1;
    this.done = true;
  }

  output(): string {
    return this.answer;
  }
}

class MazeEpisode implements Episode {
  done = false;
  private moves = '';
  private abstained = false;
  private cell: number;
  private readonly visited: Uint8Array;
  private readonly budget: number;
  private readonly geometry: MazeGeometry;

  constructor(private readonly problem: MazeProblem) {
    this.geometry = MazeGeometry.of(problem);
    this.cell = problem.spec.start;
    this.visited = new Uint8Array(problem.spec.rows * problem.spec.cols);
    this.visited[this.cell] = 1;
    // Twice the perimeter: any shortest path fits, and a wandering attempt ends in bounded time.
    this.budget = 2 * (problem.spec.rows + problem.spec.cols);
  }

  get steps(): number {
    return this.abstained ? 1 : this.moves.length;
  }

  writeFeatures(out: Float32Array, offset: number): void {
    out.set(this.geometry.cellRow(this.cell), offset);
    const neighbours = this.geometry.open.subarray(this.cell * MOVES.length, (this.cell + 1) * MOVES.length);
    mazeStepFeatures(neighbours, this.visited, this.moves.length, out, offset);
  }

  writeMask(out: Float32Array, offset: number): void {
    // Abstaining is a decision about the whole problem, so it is only offered before the first move.
    out.set(this.moves.length === 0 ? MAZE_FIRST_MASK : MAZE_MASK, offset);
  }

  apply(action: number): void {
    if (action === ABSTAIN_ACTION) {
      this.abstained = true;
      this.done = true;
      return;
    }
    const m = action - FIRST_MOVE_ACTION;
    this.moves += MOVES[m];
    const next = this.geometry.open[this.cell * MOVES.length + m];
    if (next < 0) {
      this.done = true;
      return;
    }
    this.cell = next;
    this.visited[next] = 1;
    this.done = next === this.problem.spec.goal || this.moves.length >= this.budget;
  }

  output(): string {
    return this.abstained ? ABSTAIN_OUTPUT : this.moves;
  }
}
