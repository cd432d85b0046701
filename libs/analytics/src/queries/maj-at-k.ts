/**
 * maj@k of one problem: the probability that a majority vote over k attempts, drawn uniformly
 * without replacement from the problem's n recorded attempts, picks a correct answer. Computed
 * exactly by counting the k-subsets, not estimated.
 *
 * Rules: an attempt votes for its answer (the verifier's reported answer, else the output); an
 * attempt with no answer (`''`) does not vote, and a subset without any vote counts as wrong. When
 * several answers share the most votes, the vote picks one of them uniformly at random, so such a
 * subset counts as (correct answers among the tied) / (tied answers).
 */
export interface ProblemVotes {
  /** Attempts on the problem, voting or not. */
  attempts: number;
  /** Votes per answer; the empty answer stands for attempts without one. */
  votes: ReadonlyMap<string, number>;
  /** Answers the verifier judged correct. */
  correctAnswers: ReadonlySet<string>;
}

/**
 * C(v, x) divided by C(v, mode), where mode is the share of v a k-subset draws on average: every
 * count in the sum below carries one such factor per answer, so the scale is a constant taken out
 * in logarithms at the end, and no intermediate overflows even where C(n, k) exceeds a double.
 */
class ScaledBinomials {
  private readonly logFactorials: number[] = [0];

  constructor(private readonly n: number, private readonly k: number) {
    for (let i = 1; i <= n; i++) this.logFactorials[i] = this.logFactorials[i - 1] + Math.log(i);
  }

  logBinomial(v: number, x: number): number {
    return this.logFactorials[v] - this.logFactorials[x] - this.logFactorials[v - x];
  }

  logScale(v: number): number {
    return this.logBinomial(v, Math.min(v, Math.round((v * this.k) / this.n)));
  }

  scaled(v: number, x: number): number {
    return x < 0 || x > v ? 0 : Math.exp(this.logBinomial(v, x) - this.logScale(v));
  }
}

/** Expected majority-vote correctness over the k-subsets of the attempts; undefined when n < k. */
export function majorityAtK(problem: ProblemVotes, k: number): number | undefined {
  const n = problem.attempts;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`maj@k needs k >= 1 (got ${k})`);
  if (n < k) return undefined;
  const counts = [...problem.votes].filter(([answer, count]) => answer !== '' && count > 0);
  const voting = counts.reduce((s, [, count]) => s + count, 0);
  if (voting > n) throw new RangeError(`maj@k: ${voting} votes but only ${n} attempts`);
  const voters = counts.map(([answer, count]) => ({ count, correct: problem.correctAnswers.has(answer) }));
  return countMajorities(voters, n - voting, k);
}

/**
 * Sums, over every correct answer i and every vote count t it can get, the subsets where i has t
 * votes, no answer has more, and r others have exactly t: each weighs 1 / (r + 1). Subsets are
 * counted with binomials scaled per answer (see ScaledBinomials).
 */
function countMajorities(voters: Array<{ count: number; correct: boolean }>, silent: number, k: number): number {
  const n = voters.reduce((s, v) => s + v.count, silent);
  const binomials = new ScaledBinomials(n, k);
  // byTies[r]: scaled subsets in which a correct answer wins alongside r tied others.
  const byTies: number[] = [];
  voters.forEach((winner, i) => {
    if (!winner.correct) return;
    for (let t = 1; t <= Math.min(winner.count, k); t++) {
      const rest = k - t;
      // ways[s][r]: ways to draw s attempts from the answers seen so far, each at most t votes, r at exactly t.
      let ways: number[][] = [[1]];
      const extend = (count: number, cap: number, tiesAt: number | undefined) => {
        const next: number[][] = [];
        ways.forEach((row, s) => row.forEach((w, r) => {
          for (let x = 0; x <= Math.min(count, cap, rest - s); x++) {
            const target = (next[s + x] ??= []);
            const tied = r + (x === tiesAt ? 1 : 0);
            target[tied] = (target[tied] ?? 0) + w * binomials.scaled(count, x);
          }
        }));
        ways = next;
      };
      voters.forEach((other, j) => j !== i && extend(other.count, t, t));
      extend(silent, rest, undefined);
      const chosen = binomials.scaled(winner.count, t);
      (ways[rest] ?? []).forEach((w, r) => {
        byTies[r] = (byTies[r] ?? 0) + chosen * w;
      });
    }
  });
  const scale = Math.exp(voters.reduce((s, v) => s + binomials.logScale(v.count), binomials.logScale(silent)) - binomials.logBinomial(n, k));
  return Math.min(1, byTies.reduce((sum, w, r) => sum + (w ?? 0) / (r + 1), 0) * scale);
}
