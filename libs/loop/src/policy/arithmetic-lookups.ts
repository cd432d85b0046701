import { ARITHMETIC_TEMPLATES, renderTemplate } from '../tasks/arithmetic';
import type { ArithmeticProblem } from '../tasks/problem';
import { arithmeticFeatures } from './features';
import { FEATURE_COUNT } from './layout';

/** A problem is attempted many times per iteration: its feature row and rendered answers are computed once. */
export class ArithmeticLookups {
  /** The one feature row every attempt at this problem sees. */
  readonly features = new Float32Array(FEATURE_COUNT);
  private readonly answers: string[] = [];

  private constructor(private readonly problem: ArithmeticProblem) {
    arithmeticFeatures(problem.spec, this.features, 0);
  }

  private static readonly cache = new WeakMap<ArithmeticProblem, ArithmeticLookups>();

  static of(problem: ArithmeticProblem): ArithmeticLookups {
    let lookups = ArithmeticLookups.cache.get(problem);
    if (!lookups) {
      lookups = new ArithmeticLookups(problem);
      ArithmeticLookups.cache.set(problem, lookups);
    }
    return lookups;
  }

  answer(template: number): string {
    return (this.answers[template] ??= renderTemplate(ARITHMETIC_TEMPLATES[template], this.problem.spec.numbers));
  }
}
