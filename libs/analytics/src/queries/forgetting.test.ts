import { evaluationRounds, forgettingReport, type EvaluationRound } from './forgetting';

/** Rounds from rows of [trained benchmarks, { benchmark: pass@1 }]. */
const rounds = (rows: Array<[string[], Record<string, number>]>): EvaluationRound[] =>
  rows.map(([trained, scores], i) => ({ checkpointId: `ckpt-${i}`, iteration: i, trained, passAt1: new Map(Object.entries(scores)) }));

describe('forgetting matrix', () => {
  // Three tasks of two iterations each after the initial checkpoint, and a benchmark d never trained on.
  const threeTasks = rounds([
    [[], { a: 0.1, b: 0.0, c: 0.0, d: 0.3 }],
    [['a'], { a: 0.5, b: 0.1, c: 0.0, d: 0.3 }],
    [['a'], { a: 0.8, b: 0.1, c: 0.1, d: 0.2 }],
    [['b'], { a: 0.6, b: 0.5, c: 0.1, d: 0.2 }],
    [['b'], { a: 0.4, b: 0.9, c: 0.2, d: 0.4 }],
    [['c'], { a: 0.3, b: 0.7, c: 0.6, d: 0.3 }],
    [['c'], { a: 0.2, b: 0.6, c: 0.7, d: 0.1 }],
  ]);

  it('computes ACC, BWT and forgetting at task ends as GEM and Chaudhry et al. define them', () => {
    const report = forgettingReport(threeTasks);
    expect(report.benchmarks).toEqual(['a', 'b', 'c', 'd']);
    expect(report.matrix[4]).toEqual([0.4, 0.9, 0.2, 0.4]);
    expect(report.trained.map((t) => t.join())).toEqual(['', 'a', 'a', 'b', 'b', 'c', 'c']);
    // ACC over the learned tasks at the end: (0.2 + 0.6 + 0.7) / 3.
    expect(report.averageAccuracy).toBeCloseTo(0.5, 12);
    // BWT: a ended at row 2 (0.8), b at row 4 (0.9); finals 0.2 and 0.6: ((0.2 - 0.8) + (0.6 - 0.9)) / 2.
    expect(report.backwardTransfer).toBeCloseTo(-0.45, 12);
    // Forgetting: best at an earlier task end (rows 2 and 4) minus final.
    const forgetting = Object.fromEntries(report.forgetting.map((f) => [f.benchmark, f]));
    expect(forgetting.a.value).toBeCloseTo(0.8 - 0.2, 12);
    expect(forgetting.b.value).toBeCloseTo(0.9 - 0.6, 12);
    expect(forgetting.a.learnedAt).toBe(2);
    expect(forgetting.b.learnedAt).toBe(4);
    // c is the task being learned at the end, d was never learned: neither has forgetting.
    expect(forgetting.c).toEqual({ benchmark: 'c', value: null, learnedAt: 6 });
    expect(forgetting.d).toEqual({ benchmark: 'd', value: null, learnedAt: null });
  });

  it('counts an earlier task end before a task was learned, and a gain as negative forgetting', () => {
    // b scores 0.5 before it is trained (row 1) and 0.4 right after (row 2); it ends at 0.45.
    const report = forgettingReport(rounds([
      [[], { a: 0.0, b: 0.0 }],
      [['a'], { a: 0.6, b: 0.5 }],
      [['b'], { a: 0.5, b: 0.4 }],
      [['a'], { a: 0.7, b: 0.45 }],
    ]));
    expect(report.benchmarks).toEqual(['b', 'a']);
    expect(report.backwardTransfer).toBeCloseTo(0.45 - 0.4, 12);
    expect(report.forgetting.find((f) => f.benchmark === 'b')!.value).toBeCloseTo(0.5 - 0.45, 12);
    expect(report.forgetting.find((f) => f.benchmark === 'a')!.value).toBeNull();
  });

  it('a run with one task has an average accuracy but no backward transfer or forgetting', () => {
    const report = forgettingReport(rounds([[[], { a: 0.1 }], [['a'], { a: 0.5 }], [['a'], { a: 0.7 }]]));
    expect(report.averageAccuracy).toBeCloseTo(0.7, 12);
    expect(report.backwardTransfer).toBeNull();
    expect(report.forgetting).toEqual([{ benchmark: 'a', value: null, learnedAt: 2 }]);
  });

  it('a run that trained nothing yet has its matrix and nothing else', () => {
    const report = forgettingReport(rounds([[[], { a: 0.1, b: 0.2 }]]));
    expect(report.matrix).toEqual([[0.1, 0.2]]);
    expect([report.averageAccuracy, report.backwardTransfer]).toEqual([null, null]);
    expect(forgettingReport([]).matrix).toEqual([]);
  });
});

describe('evaluation rounds from projected rows', () => {
  it('splits evaluations into rounds by checkpoint and repeated benchmark, and attaches training by offset', () => {
    const evaluations = [
      { checkpointId: 'c0', benchmark: 'a', passAt1: 0.1, offset: 10 },
      { checkpointId: 'c0', benchmark: 'b', passAt1: 0.2, offset: 11 },
      { checkpointId: 'c1', benchmark: 'b', passAt1: 0.4, offset: 51 },
      { checkpointId: 'c1', benchmark: 'a', passAt1: 0.3, offset: 50 },
      // Nothing was kept in iteration 2: the same checkpoint is evaluated again in a round of its own.
      { checkpointId: 'c1', benchmark: 'a', passAt1: 0.35, offset: 90 },
      { checkpointId: 'c1', benchmark: 'b', passAt1: 0.45, offset: 91 },
    ];
    const training = [
      { benchmark: 'a', iteration: 1, lastOffset: 40 },
      { benchmark: 'b', iteration: 2, lastOffset: 80 },
      { benchmark: 'a', iteration: 2, lastOffset: 70 },
      { benchmark: 'b', iteration: 3, lastOffset: 120 },
    ];
    const result = evaluationRounds(evaluations, training);
    expect(result.map((r) => [r.checkpointId, r.iteration, r.trained, Object.fromEntries(r.passAt1)])).toEqual([
      ['c0', null, [], { a: 0.1, b: 0.2 }],
      ['c1', 1, ['a'], { a: 0.3, b: 0.4 }],
      ['c1', 2, ['a', 'b'], { a: 0.35, b: 0.45 }],
    ]);
  });
});
