import { ARITHMETIC_TEMPLATES } from '../tasks/arithmetic';
import type { Move } from '../tasks/maze';
import { ABSTAIN_OUTPUT, type Problem } from '../tasks/problem';
import { ArithmeticLookups } from './arithmetic-lookups';
import { ABSTAIN_ACTION, FIRST_TEMPLATE_ACTION, moveAction } from './layout';

/**
 * The actions that produce `output` on `problem`, or undefined when this policy cannot say it
 * (e.g. an answer from an outside producer); the trainer learns from these step by step.
 */
export function actionsForOutput(problem: Problem, output: string): number[] | undefined {
  if (output === ABSTAIN_OUTPUT) return [ABSTAIN_ACTION];
  if (problem.family === 'arithmetic') {
    const lookups = ArithmeticLookups.of(problem);
    const index = ARITHMETIC_TEMPLATES.findIndex((_, t) => lookups.answer(t) === output);
    return index < 0 ? undefined : [FIRST_TEMPLATE_ACTION + index];
  }
  if (!/^[UDLR]+$/.test(output)) return undefined;
  return [...output].map((move) => moveAction(move as Move));
}
