import { randomUUID } from 'node:crypto';
import type { AnalyticsStore } from '../analytics-store';
import { openTempStore } from '../testing/temp-store';
import { queryLeaderboard } from './leaderboard';
import { passAtKSql } from './pass-at-k';

describe('pass@k SQL', () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(() => temp.dispose());

  const passAtK = async (n: number, c: number, k: number) => {
    const result = await temp.store.client.query({
      query: `SELECT ${passAtKSql('{n:UInt64}', '{c:UInt64}', '{k:UInt64}')} AS p`,
      query_params: { n, c, k },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ p: number | null }>();
    return row.p;
  };

  it.each([
    // n, c, k, 1 - C(n-c,k)/C(n,k) by hand
    [5, 2, 1, 2 / 5],
    [5, 2, 2, 1 - 3 / 10],
    [10, 1, 5, 1 - 126 / 252],
    [10, 3, 3, 1 - 35 / 120],
    [4, 0, 2, 0],
    [3, 3, 2, 1],
    [4, 3, 2, 1],
    [200, 1, 100, 0.5],
  ])('n=%i c=%i k=%i is %f', async (n, c, k, expected) => {
    expect(await passAtK(n, c, k)).toBeCloseTo(expected, 12);
  });

  it('is null when n < k', async () => {
    expect(await passAtK(1, 1, 2)).toBeNull();
    expect(await passAtK(0, 0, 1)).toBeNull();
  });

  describe('leaderboard over the aggregates', () => {
    let store: AnalyticsStore;
    beforeAll(async () => {
      store = temp.store;
      // ckpt-a: p1 has 5 attempts, 2 correct, majority answer '8' wrong; p2 has 1 attempt, correct.
      // ckpt-b: p1 has 4 attempts, none correct. Pooled per run, p1 has 9 attempts and p2 has 1.
      const verdicts: Array<[string, string, string, string]> = [
        ['ckpt-a', 'p1', 'correct', '7'], ['ckpt-a', 'p1', 'correct', '7'], ['ckpt-a', 'p1', 'incorrect', '8'],
        ['ckpt-a', 'p1', 'incorrect', '8'], ['ckpt-a', 'p1', 'incorrect', '8'], ['ckpt-a', 'p2', 'correct', '3'],
        ['ckpt-b', 'p1', 'incorrect', '1'], ['ckpt-b', 'p1', 'incorrect', '1'], ['ckpt-b', 'p1', 'incorrect', '2'],
        ['ckpt-b', 'p1', 'error', ''],
      ];
      await insertRows(store, 'verifications', verdicts.map(([checkpoint, problem, verdict, answer], i) => ({
        ...envelope(i), sample_id: `s${i}`, problem_id: problem, benchmark: 'arith', checkpoint_id: checkpoint,
        iteration: 1, verifier_id: 'exact', verifier_version: '1', verdict, answer, details: '{}',
      })));
      // The same team on another benchmark, and another team on this one, must not count.
      await insertRows(store, 'verifications', [
        { ...envelope(20), sample_id: 'x', problem_id: 'p1', benchmark: 'other', checkpoint_id: 'ckpt-a', iteration: 1, verifier_id: 'exact', verifier_version: '1', verdict: 'correct', answer: '7', details: '{}' },
        { ...envelope(21, 'beta'), sample_id: 'y', problem_id: 'p1', benchmark: 'arith', checkpoint_id: 'ckpt-a', iteration: 1, verifier_id: 'exact', verifier_version: '1', verdict: 'correct', answer: '7', details: '{}' },
      ]);
      await insertRows(store, 'rewards', [1, 0, 0.5].map((value, i) => ({
        ...envelope(30 + i), sample_id: `s${i}`, problem_id: 'p1', benchmark: 'arith', checkpoint_id: 'ckpt-a',
        value, components: {}, reward_function: 'binary', reward_version: '1',
      })));
    });

    it('computes pass@k, solved, majority and mean reward per checkpoint', async () => {
      const board = await queryLeaderboard(store.client, { team: 'alpha', benchmark: 'arith', k: 2, groupBy: 'checkpoint' });
      expect(board).toMatchObject({ split: 'train', commonProblems: null });
      expect(board.rows).toEqual([
        // p1: 1 - C(3,2)/C(5,2) = 0.7; p2 has 1 < k attempts and is left out of pass@k and maj@k.
        // maj@2 of p1 (votes 7,7,8,8,8; 7 correct): of the 10 pairs, 1 is 7+7 and 6 tie 7+8 (half credit): 0.4.
        { group_id: 'ckpt-a', problems: 2, attempts: 6, correct: 3, solved: 2, min_attempts: 1, problems_below_k: 1, pass_at_k: expect.closeTo(0.7, 12), majority_correct: expect.closeTo(0.4, 12), mean_reward: 0.5 },
        { group_id: 'ckpt-b', problems: 1, attempts: 4, correct: 0, solved: 0, min_attempts: 4, problems_below_k: 0, pass_at_k: 0, majority_correct: 0, mean_reward: null },
      ]);
    });

    it('says pass@k is undefined when every problem has fewer than k attempts', async () => {
      const { rows } = await queryLeaderboard(store.client, { team: 'alpha', benchmark: 'arith', k: 10, groupBy: 'run' });
      expect(rows).toEqual([expect.objectContaining({ group_id: 'run-1', problems: 2, problems_below_k: 2, pass_at_k: null, majority_correct: null })]);
    });
  });
});

function envelope(i: number, team = 'alpha') {
  return {
    team, experiment_id: 'exp', run_id: 'run-1', event_id: randomUUID(), seq: i,
    occurred_at: '2026-11-01 12:00:00.000', log_partition: 0, log_offset: i,
  };
}

async function insertRows(store: AnalyticsStore, table: string, rows: object[]) {
  await store.insertEncoded({ table, format: 'JSONEachRow', body: rows.map((row) => JSON.stringify(row)).join('\n') });
}
