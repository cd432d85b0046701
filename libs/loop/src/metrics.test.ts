import { majorityCorrect, passAtK, summarizeEvaluation, type GradedAnswer } from './metrics';

const answer = (output: string, correct: boolean, abstained = false): GradedAnswer => ({ output, correct, abstained });

describe('passAtK', () => {
  it('matches hand-computed values', () => {
    expect(passAtK(10, 0, 1)).toBe(0);
    expect(passAtK(10, 0, 5)).toBe(0);
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    // 1 - C(8,2)/C(10,2) = 1 - 28/45
    expect(passAtK(10, 2, 2)).toBeCloseTo(1 - 28 / 45, 12);
    // 1 - C(2,2)/C(4,2) = 1 - 1/6
    expect(passAtK(4, 2, 2)).toBeCloseTo(5 / 6, 12);
    expect(passAtK(5, 5, 3)).toBe(1);
    // n - c < k: every k-subset holds a correct one
    expect(passAtK(5, 3, 3)).toBe(1);
  });

  it('is undefined when fewer than k attempts exist', () => {
    expect(passAtK(3, 1, 4)).toBeUndefined();
    expect(passAtK(0, 0, 1)).toBeUndefined();
  });

  it('stays finite for large n where binomials overflow', () => {
    const value = passAtK(2000, 7, 100)!;
    expect(value).toBeGreaterThan(0.29);
    expect(value).toBeLessThan(0.31);
  });

  it('rejects impossible counts', () => {
    expect(() => passAtK(3, 4, 1)).toThrow(RangeError);
    expect(() => passAtK(3, 1, 0)).toThrow(RangeError);
  });
});

describe('majorityCorrect', () => {
  it('takes the most frequent non-abstaining answer among the first k', () => {
    expect(majorityCorrect([answer('7', false), answer('9', true), answer('9', true), answer('7', false)], 3)).toBe(true);
    expect(majorityCorrect([answer('7', false), answer('9', true)], 2)).toBe(false); // tie goes to the first seen
    expect(majorityCorrect([answer('', false, true), answer('', false, true), answer('9', true)], 3)).toBe(true);
    expect(majorityCorrect([answer('', false, true)], 1)).toBe(false);
    expect(majorityCorrect([answer('9', true)], 2)).toBeUndefined();
  });
});

describe('summarizeEvaluation', () => {
  it('averages per problem', () => {
    const summary = summarizeEvaluation(
      [
        { answers: [answer('a', true), answer('b', false)], rewards: [1, 0] },
        { answers: [answer('c', false), answer('c', false)], rewards: [0, 0] },
      ],
      2,
    );
    expect(summary).toEqual({ problems: 2, samplesPerProblem: 2, k: 2, passAt1: 0.25, passAtK: 0.5, majAtK: 0.5, meanReward: 0.25, solved: 1 });
  });
});
