import { currentTask, decideCurriculum, type CurriculumConfig, type CurriculumProblem, type SolveCounts } from './strategies';

const problems: CurriculumProblem[] = [];
for (const benchmark of ['a', 'b']) {
  for (const difficulty of [1, 2]) {
    for (let i = 0; i < 5; i++) problems.push({ problemId: `${benchmark}/${difficulty}/${i}`, benchmark, difficulty });
  }
}
const stats = (entries: Array<[string, number, number]>) =>
  new Map<string, SolveCounts>(entries.map(([id, attempts, correct]) => [id, { attempts, correct }]));

describe('curriculum strategies', () => {
  it('uniform: a seeded sample without repeats', () => {
    const config = { strategy: 'uniform' as const, problemsPerIteration: 6 };
    const chosen = decideCurriculum({ problems, stats: new Map() }, 1, config);
    expect(chosen).toHaveLength(6);
    expect(new Set(chosen).size).toBe(6);
    expect(decideCurriculum({ problems, stats: new Map() }, 1, config)).toEqual(chosen);
    expect(decideCurriculum({ problems, stats: new Map() }, 2, config)).not.toEqual(chosen);
  });

  it('success-band: prefers problems inside the band, then untried ones, over solved or hopeless ones', () => {
    const solved = problems.slice(0, 10).map((p): [string, number, number] => [p.problemId, 8, 8]);
    const hopeless = problems.slice(10, 16).map((p): [string, number, number] => [p.problemId, 8, 0]);
    const band: Array<[string, number, number]> = [[problems[16].problemId, 8, 3], [problems[17].problemId, 8, 4]];
    const input = { problems, stats: stats([...solved, ...hopeless, ...band]) };
    const chosen = decideCurriculum(input, 3, { strategy: 'success-band', problemsPerIteration: 4 });
    expect(new Set(chosen)).toEqual(new Set(problems.slice(16, 20).map((p) => p.problemId)));
  });

  it('difficulty-ladder: stays on level 1 until it is mastered, then promotes per benchmark', () => {
    const config = { strategy: 'difficulty-ladder' as const, problemsPerIteration: 6, params: { reviewFraction: 0 } };
    const fresh = decideCurriculum({ problems, stats: new Map() }, 4, config);
    expect(fresh.every((id) => id.split('/')[1] === '1')).toBe(true);
    // Benchmark a masters level 1; benchmark b does not.
    const aLevel1 = problems.filter((p) => p.benchmark === 'a' && p.difficulty === 1).map((p): [string, number, number] => [p.problemId, 4, 4]);
    const promoted = decideCurriculum({ problems, stats: stats(aLevel1) }, 4, config);
    for (const id of promoted) expect(id.startsWith('a/2/') || id.startsWith('b/1/')).toBe(true);
  });

  it('drop-solved: skips reliably solved problems while others remain', () => {
    const solved = problems.slice(0, 15).map((p): [string, number, number] => [p.problemId, 5, 5]);
    const chosen = decideCurriculum({ problems, stats: stats(solved) }, 5, { strategy: 'drop-solved', problemsPerIteration: 5 });
    expect(new Set(chosen)).toEqual(new Set(problems.slice(15).map((p) => p.problemId)));
    const more = decideCurriculum({ problems, stats: stats(solved) }, 5, { strategy: 'drop-solved', problemsPerIteration: 8 });
    expect(more.slice(0, 5).sort()).toEqual(problems.slice(15).map((p) => p.problemId).sort());
  });

  describe('sequential', () => {
    const config: CurriculumConfig = { strategy: 'sequential', problemsPerIteration: 4, tasks: ['b', 'a'], params: { iterationsPerTask: 3, advanceAt: 0.75, minAttempts: 8 } };
    const rate = (attempts: number, correct: number) => new Map([['b', { attempts, correct }]]);

    it('starts on the first declared task and samples only its problems', () => {
      expect(currentTask({ problems, stats: new Map() }, config)).toBe('b');
      const chosen = decideCurriculum({ problems, stats: new Map() }, 6, config);
      expect(chosen).toHaveLength(4);
      expect(chosen.every((id) => id.startsWith('b/'))).toBe(true);
      expect(decideCurriculum({ problems, stats: new Map() }, 6, config)).toEqual(chosen);
    });

    it('moves on after iterationsPerTask decisions on a task, and stays on the last task', () => {
      expect(currentTask({ problems, stats: new Map(), decidedTasks: ['b', 'b'] }, config)).toBe('b');
      expect(currentTask({ problems, stats: new Map(), decidedTasks: ['b', 'b', 'b'] }, config)).toBe('a');
      expect(currentTask({ problems, stats: new Map(), decidedTasks: ['b', 'b', 'b', 'a', 'a', 'a', 'a'] }, config)).toBe('a');
    });

    it('moves on early once the latest iteration passes advanceAt on enough attempts', () => {
      expect(currentTask({ problems, stats: new Map(), decidedTasks: ['b'], latestIteration: rate(8, 6) }, config)).toBe('a');
      expect(currentTask({ problems, stats: new Map(), decidedTasks: ['b'], latestIteration: rate(8, 5) }, config)).toBe('b');
      expect(currentTask({ problems, stats: new Map(), decidedTasks: ['b'], latestIteration: rate(4, 4) }, config)).toBe('b');
    });

    it('defaults to the benchmarks in registration order, starting over after another strategy', () => {
      const plain = { ...config, tasks: undefined };
      expect(currentTask({ problems, stats: new Map(), decidedTasks: [undefined, undefined, undefined] }, plain)).toBe('a');
    });

    it('refuses a task order naming a benchmark without training problems', () => {
      expect(() => currentTask({ problems, stats: new Map() }, { ...config, tasks: ['a', 'c'] })).toThrow(/without training problems: c/);
    });
  });

  it('refuses an unknown strategy with the list of known ones', () => {
    expect(() => decideCurriculum({ problems, stats: new Map() }, 1, { strategy: 'nope' as never, problemsPerIteration: 1 })).toThrow(/known: uniform/);
  });
});
