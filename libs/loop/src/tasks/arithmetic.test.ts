import { Rng } from '../rng';
import {
  ARITHMETIC_TEMPLATES, generateArithmetic, parseArithmetic, renderArithmetic, renderTemplate, slotsUsed, verifyArithmetic,
} from './arithmetic';
import { evaluateExpression } from './expression';
import { ABSTAIN_OUTPUT } from './problem';

const spec = { numbers: [3, 5, 7], target: 22 };

describe('reach-target verifier', () => {
  it('accepts any expression that reaches the target with available numbers', () => {
    expect(verifyArithmetic(spec, '3*5+7').verdict).toBe('correct');
    expect(verifyArithmetic(spec, ' (5 - 3) * 7 + 3 ').verdict).toBe('incorrect'); // 3 used twice
    expect(verifyArithmetic(spec, '7*3+5').details).toEqual({ value: 26, target: 22 });
  });

  it('rejects numbers that were not given', () => {
    expect(verifyArithmetic(spec, '11*2')).toMatchObject({ verdict: 'incorrect', details: { reason: 'number-not-available' } });
  });

  it('calls malformed output an error and the abstain token an abstention', () => {
    expect(verifyArithmetic(spec, '3*?+7')).toMatchObject({ verdict: 'error', details: { reason: 'malformed' } });
    expect(verifyArithmetic(spec, '(3+5')).toMatchObject({ verdict: 'error' });
    expect(verifyArithmetic(spec, '')).toMatchObject({ verdict: 'error' });
    expect(verifyArithmetic(spec, ABSTAIN_OUTPUT).verdict).toBe('abstain');
    expect(verifyArithmetic(spec, '3*5+7')).toMatchObject({ verifierId: 'xp.verifier.reach-target', verifierVersion: '1.0.0' });
  });
});

describe('expression evaluator', () => {
  it('respects precedence and parentheses', () => {
    expect(evaluateExpression('2+3*4')).toEqual({ ok: true, value: 14, literals: [2, 3, 4] });
    expect(evaluateExpression('(2+3)*4')).toMatchObject({ ok: true, value: 20 });
    expect(evaluateExpression('2-3-4')).toMatchObject({ ok: true, value: -5 });
    expect(evaluateExpression('2/3')).toMatchObject({ ok: false });
  });
});

describe('reach-target generation', () => {
  it('is deterministic, solvable by a template, and round-trips through its statement', () => {
    for (const level of [1, 2, 3]) {
      const a = generateArithmetic(new Rng(level), level);
      expect(generateArithmetic(new Rng(level), level)).toEqual(a);
      expect(a.numbers).toHaveLength(level + 1);
      expect(parseArithmetic(renderArithmetic(a))).toEqual(a);
      const solvable = ARITHMETIC_TEMPLATES.some((t) => verifyArithmetic(a, renderTemplate(t, a.numbers)).verdict === 'correct');
      expect(solvable).toBe(true);
    }
  });

  it('marks slots a problem lacks so the verifier sees malformed output', () => {
    expect(slotsUsed('(a+b)*(c+d)')).toBe(4);
    expect(renderTemplate('a*b+c', [2, 3])).toBe('2*3+?');
  });
});
