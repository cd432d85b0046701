/** Shared shapes of the built-in task suites: problems, verdicts and what a family must provide. */

export type Split = 'train' | 'heldout';
export type Verdict = 'correct' | 'incorrect' | 'error' | 'abstain';

/** The output a policy gives when it declines to answer; every verifier maps it to `abstain`. */
export const ABSTAIN_OUTPUT = '<abstain>';

export interface Verification {
  verdict: Verdict;
  verifierId: string;
  verifierVersion: string;
  details: Record<string, unknown>;
}

export interface ArithmeticSpec {
  numbers: number[];
  target: number;
}

export interface MazeSpec {
  rows: number;
  cols: number;
  /** Row-major; true where a wall is. */
  walls: boolean[];
  start: number;
  goal: number;
}

interface ProblemBase {
  problemId: string;
  benchmark: string;
  difficulty: number;
  split: Split;
  statement: string;
}

export interface ArithmeticProblem extends ProblemBase {
  family: 'arithmetic';
  spec: ArithmeticSpec;
}

export interface MazeProblem extends ProblemBase {
  family: 'maze';
  spec: MazeSpec;
}

export type Problem = ArithmeticProblem | MazeProblem;
export type Family = Problem['family'];

export interface VerifierInfo {
  id: string;
  version: string;
}
