import { majorityAtK, type ProblemVotes } from './maj-at-k';

/** The definition, by enumerating every k-subset of the attempts (each attempt an answer, '' for none). */
function bruteForce(attempts: string[], correct: Set<string>, k: number): number {
  let total = 0;
  let subsets = 0;
  const pick = (from: number, chosen: string[]) => {
    if (chosen.length === k) {
      subsets++;
      const votes = new Map<string, number>();
      for (const a of chosen) if (a !== '') votes.set(a, (votes.get(a) ?? 0) + 1);
      const top = Math.max(0, ...votes.values());
      const tied = [...votes].filter(([, v]) => v === top && top > 0).map(([a]) => a);
      total += tied.length === 0 ? 0 : tied.filter((a) => correct.has(a)).length / tied.length;
      return;
    }
    for (let i = from; i <= attempts.length - (k - chosen.length); i++) pick(i + 1, [...chosen, attempts[i]]);
  };
  pick(0, []);
  return total / subsets;
}

function votesOf(attempts: string[], correct: Set<string>): ProblemVotes {
  const votes = new Map<string, number>();
  for (const a of attempts) votes.set(a, (votes.get(a) ?? 0) + 1);
  return { attempts: attempts.length, votes, correctAnswers: correct };
}

/** A seeded linear congruential generator (Numerical Recipes constants): the same cases on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('maj@k over k-subsets', () => {
  it('equals brute-force enumeration on 300 small random cases (seed 20261206)', () => {
    const random = seeded(20261206);
    const answers = ['', 'a', 'b', 'c', 'd'];
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(random() * 10);
      const k = 1 + Math.floor(random() * n);
      const distinct = 1 + Math.floor(random() * answers.length);
      const attempts = Array.from({ length: n }, () => answers[Math.floor(random() * distinct)]);
      const correct = new Set(answers.slice(1).filter(() => random() < 0.4));
      const expected = bruteForce(attempts, correct, k);
      const actual = majorityAtK(votesOf(attempts, correct), k);
      if (Math.abs(actual! - expected) > 1e-12) throw new Error(`n=${n} k=${k} ${JSON.stringify(attempts)} correct=${[...correct]}: ${actual} vs ${expected}`);
    }
  });

  it('splits a tie evenly: two answers with one vote each, k = 2', () => {
    expect(majorityAtK(votesOf(['a', 'b'], new Set(['a'])), 2)).toBeCloseTo(0.5, 12);
  });

  it('counts a subset of attempts without answers as wrong', () => {
    // k = 1: a third of the draws is the correct answer, the rest have no answer.
    expect(majorityAtK(votesOf(['a', '', ''], new Set(['a'])), 1)).toBeCloseTo(1 / 3, 12);
  });

  it('averages over subsets instead of voting once over all n attempts', () => {
    // Over all 5 attempts 'b' wins (3 to 2); over pairs 'a' wins 1 of 10, ties 6 of 10 (half credit).
    expect(majorityAtK(votesOf(['a', 'a', 'b', 'b', 'b'], new Set(['a'])), 2)).toBeCloseTo((1 + 6 / 2) / 10, 12);
  });

  it('is undefined with fewer attempts than k, and refuses k < 1', () => {
    expect(majorityAtK(votesOf(['a'], new Set(['a'])), 2)).toBeUndefined();
    expect(() => majorityAtK(votesOf(['a'], new Set(['a'])), 0)).toThrow(RangeError);
  });

  it('stays finite and complementary where C(n, k) outgrows a double', () => {
    // 1200 attempts, 700 for the correct answer, 500 for a wrong one, k = 600: same as the hypergeometric tail.
    const problem = { attempts: 1200, votes: new Map([['a', 700], ['b', 500]]), correctAnswers: new Set(['a']) };
    const value = majorityAtK(problem, 600)!;
    expect(value).toBeGreaterThan(0.99);
    expect(value).toBeLessThanOrEqual(1);
    expect(majorityAtK({ ...problem, correctAnswers: new Set(['b']) }, 600)! + value).toBeCloseTo(1, 9);
  });
});
