import { UsageError } from '@xp/events';
import type { Rng } from '../rng';
import { evaluateExpression } from './expression';
import { ABSTAIN_OUTPUT, type ArithmeticSpec, type Verification, type VerifierInfo } from './problem';

/**
 * "Reach the target": combine the given numbers (each at most once) with + - * and parentheses
 * so the expression equals the target. Difficulty level L gives L + 1 numbers.
 */
export const ARITHMETIC_BENCHMARK = 'reach-target';
export const ARITHMETIC_VERIFIER: VerifierInfo = { id: 'xp.verifier.reach-target', version: '1.0.0' };
export const ARITHMETIC_LEVELS = [1, 2, 3] as const;

/** Expression shapes over the slots a..d; the policy's answer space for this family. */
export const ARITHMETIC_TEMPLATES: readonly string[] = [
  'a+b', 'a-b', 'b-a', 'a*b',
  'a+b+c', 'a+b-c', 'a*b+c', 'a*b-c', 'a*c+b', 'a*c-b', 'b*c+a', 'b*c-a',
  'a*b*c', '(a+b)*c', '(a-b)*c', '(a+c)*b', '(b+c)*a',
  'a+b+c+d', 'a*b+c*d', 'a*b-c*d', 'a*c+b*d', '(a+b)*(c+d)', '(a+b)*c+d', 'a*b*c+d', 'a*b+c+d',
];

const SLOTS = 'abcd';
const MAX_NUMBER = 9;
const MAX_TARGET = 999;

export function slotsUsed(template: string): number {
  let highest = -1;
  for (const ch of template) highest = Math.max(highest, SLOTS.indexOf(ch));
  return highest + 1;
}

/** Fills a template's slots; a slot without a number becomes '?', which the verifier rejects as malformed. */
export function renderTemplate(template: string, numbers: readonly number[]): string {
  return template.replace(/[abcd]/g, (slot) => {
    const value = numbers[SLOTS.indexOf(slot)];
    return value === undefined ? '?' : String(value);
  });
}

export function generateArithmetic(rng: Rng, level: number): ArithmeticSpec {
  const count = level + 1;
  const shapes = ARITHMETIC_TEMPLATES.filter((t) => slotsUsed(t) === count);
  if (shapes.length === 0) throw new UsageError(`reach-target has no level ${level} (levels: ${ARITHMETIC_LEVELS.join(', ')})`);
  for (;;) {
    const numbers = Array.from({ length: count }, () => rng.intBetween(1, MAX_NUMBER));
    const result = evaluateExpression(renderTemplate(rng.pick(shapes), numbers));
    const target = result.ok ? result.value : 0;
    // Reject trivial or unwieldy targets: a target equal to a given number needs no arithmetic.
    if (target > 0 && target <= MAX_TARGET && !numbers.includes(target)) return { numbers, target };
  }
}

export function renderArithmetic(spec: ArithmeticSpec): string {
  return `target: ${spec.target}; numbers: ${spec.numbers.join(' ')}; operators: + - * ( ); use each number at most once`;
}

export function parseArithmetic(statement: string): ArithmeticSpec {
  const match = /^target: (\d+); numbers: ([\d ]+);/.exec(statement);
  if (!match) throw new UsageError(`not a reach-target statement: '${statement.slice(0, 80)}'`);
  return { target: Number(match[1]), numbers: match[2].trim().split(' ').map(Number) };
}

export function verifyArithmetic(spec: ArithmeticSpec, output: string): Verification {
  const base = { verifierId: ARITHMETIC_VERIFIER.id, verifierVersion: ARITHMETIC_VERIFIER.version };
  if (output.trim() === ABSTAIN_OUTPUT) return { ...base, verdict: 'abstain', details: {} };
  const result = evaluateExpression(output);
  if (!result.ok) return { ...base, verdict: 'error', details: { reason: 'malformed', message: result.message } };
  const available = [...spec.numbers];
  for (const literal of result.literals) {
    const index = available.indexOf(literal);
    if (index < 0) return { ...base, verdict: 'incorrect', details: { reason: 'number-not-available', number: literal } };
    available.splice(index, 1);
  }
  const verdict = result.value === spec.target ? 'correct' : 'incorrect';
  return { ...base, verdict, details: { value: result.value, target: spec.target } };
}
