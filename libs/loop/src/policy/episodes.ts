import { ARITHMETIC_TEMPLATES, renderTemplate } from '../tasks/arithmetic';
import { MOVES, neighbour, type Move } from '../tasks/maze';
import { ABSTAIN_OUTPUT, type ArithmeticProblem, type MazeProblem, type Problem } from '../tasks/problem';
import { arithmeticFeatures, mazeFeatures } from './features';
import {
  ABSTAIN_ACTION, ACTION_COUNT, FIRST_MOVE_ACTION, FIRST_TEMPLATE_ACTION, MASKED, moveAction,
} from './layout';

/**
 * An attempt at a problem as a sequence of policy steps. Reach-target answers in one step (pick an
 * expression shape); a maze answer is built one move per step until it reaches the goal, runs into
 * a wall or uses up its step budget.
 */
export interface Episode {
  readonly done: boolean;
  readonly steps: number;
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
    const index = ARITHMETIC_TEMPLATES.findIndex((t) => renderTemplate(t, problem.spec.numbers) === output);
    return index < 0 ? undefined : [FIRST_TEMPLATE_ACTION + index];
  }
  if (!/^[UDLR]+$/.test(output)) return undefined;
  return [...output].map((move) => moveAction(move as Move));
}

function maskRow(out: Float32Array, offset: number, allowed: (action: number) => boolean): void {
  for (let a = 0; a < ACTION_COUNT; a++) out[offset + a] = allowed(a) ? 0 : MASKED;
}

class ArithmeticEpisode implements Episode {
  done = false;
  steps = 0;
  private answer = '';

  constructor(private readonly problem: ArithmeticProblem) {}

  writeFeatures(out: Float32Array, offset: number): void {
    arithmeticFeatures(this.problem.spec, out, offset);
  }

  writeMask(out: Float32Array, offset: number): void {
    maskRow(out, offset, (a) => a < FIRST_MOVE_ACTION);
  }

  apply(action: number): void {
    this.answer = action === ABSTAIN_ACTION
      ? ABSTAIN_OUTPUT
      : renderTemplate(ARITHMETIC_TEMPLATES[action - FIRST_TEMPLATE_ACTION], this.problem.spec.numbers);
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

  constructor(private readonly problem: MazeProblem) {
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
    mazeFeatures(this.problem.spec, this.cell, this.visited, this.moves.length, out, offset);
  }

  writeMask(out: Float32Array, offset: number): void {
    // Abstaining is a decision about the whole problem, so it is only offered before the first move.
    maskRow(out, offset, (a) => a >= FIRST_MOVE_ACTION || (a === ABSTAIN_ACTION && this.moves.length === 0));
  }

  apply(action: number): void {
    if (action === ABSTAIN_ACTION) {
      this.abstained = true;
      this.done = true;
      return;
    }
    const move = MOVES[action - FIRST_MOVE_ACTION];
    this.moves += move;
    const next = neighbour(this.problem.spec, this.cell, move);
    if (next < 0 || this.problem.spec.walls[next]) {
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
