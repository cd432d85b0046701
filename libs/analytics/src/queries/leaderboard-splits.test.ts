import { randomUUID } from 'node:crypto';
import { openTempStore } from '../testing/temp-store';
import { queryLeaderboard, type LeaderboardOptions } from './leaderboard';

/**
 * Checkpoints scored on different problems, as a curriculum leaves them: on train problems ckpt-a
 * saw only the easy t1 (always right), ckpt-b saw t1 and the hard t2. On held-out problems both
 * were evaluated on h1 and h2 (and ckpt-a on h3 once, fewer than k times).
 */
describe('leaderboard splits and common problems', () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  const attempts: Array<[checkpoint: string, problem: string, split: 'train' | 'heldout', correct: number, wrong: number]> = [
    ['ckpt-a', 't1', 'train', 2, 0],
    ['ckpt-b', 't1', 'train', 1, 1],
    ['ckpt-b', 't2', 'train', 0, 2],
    ['ckpt-a', 'h1', 'heldout', 0, 2],
    ['ckpt-a', 'h2', 'heldout', 1, 1],
    ['ckpt-a', 'h3', 'heldout', 1, 0],
    ['ckpt-b', 'h1', 'heldout', 2, 0],
    ['ckpt-b', 'h2', 'heldout', 2, 0],
  ];

  beforeAll(async () => {
    temp = await openTempStore();
    let i = 0;
    const rows = attempts.flatMap(([checkpoint, problem, split, correct, wrong]) =>
      [...Array(correct).fill('correct'), ...Array(wrong).fill('incorrect')].map((verdict) => ({
        team: 'splits', experiment_id: 'exp', run_id: 'run-1', event_id: randomUUID(), seq: i, occurred_at: '2026-11-01 12:00:00.000',
        log_partition: 0, log_offset: i++, sample_id: `s${i}`, problem_id: problem, benchmark: 'arith', split, checkpoint_id: checkpoint,
        iteration: 1, verifier_id: 'exact', verifier_version: '1', verdict, answer: verdict === 'correct' ? '7' : '8', details: '{}',
      })));
    await temp.store.insertEncoded({ table: 'verifications', format: 'JSONEachRow', body: rows.map((r) => JSON.stringify(r)).join('\n') });
    // Another benchmark has only train verdicts: its default stays train.
    await temp.store.insertEncoded({
      table: 'verifications', format: 'JSONEachRow',
      body: JSON.stringify({ ...rows[0], event_id: randomUUID(), benchmark: 'maze', split: 'train' }),
    });
  });
  afterAll(() => temp.dispose());

  const board = (options: Partial<LeaderboardOptions>) =>
    queryLeaderboard(temp.store.client, { team: 'splits', benchmark: 'arith', k: 2, groupBy: 'checkpoint', meanReward: false, ...options });
  const ranking = (rows: Array<{ group_id: string; pass_at_k: number | null; problems: number }>) =>
    rows.map((r) => [r.group_id, r.problems, r.pass_at_k === null ? null : Number(r.pass_at_k.toFixed(6))]);

  it('ranks on held-out problems by default where the benchmark has them, and says so', async () => {
    const result = await board({});
    expect(result.split).toBe('heldout');
    // ckpt-b: h1 and h2 always right; ckpt-a: h1 0, h2 pass@2 = 1, h3 has 1 < k attempts.
    expect(ranking(result.rows)).toEqual([['ckpt-b', 2, 1], ['ckpt-a', 3, 0.5]]);
  });

  it('falls back to train where a benchmark has no held-out verdicts', async () => {
    expect((await board({ benchmark: 'maze' })).split).toBe('train');
    expect((await board({ benchmark: 'none' }))).toEqual({ split: 'train', commonProblems: null, rows: [] });
  });

  it('without commonProblems, scores each checkpoint on the train problems it happened to get', async () => {
    const result = await board({ split: 'train' });
    expect(result).toMatchObject({ split: 'train', commonProblems: null });
    // ckpt-a looks best only because it never met t2.
    expect(ranking(result.rows)).toEqual([['ckpt-a', 1, 1], ['ckpt-b', 2, 0.5]]);
  });

  it('with commonProblems, ranks only on problems every checkpoint attempted k times, and counts what it left out', async () => {
    const train = await board({ split: 'train', commonProblems: true });
    expect(train.commonProblems).toEqual({ kept: 1, leftOut: 1 });
    expect(ranking(train.rows)).toEqual([['ckpt-a', 1, 1], ['ckpt-b', 1, 1]]);
    const heldOut = await board({ commonProblems: true });
    expect(heldOut).toMatchObject({ split: 'heldout', commonProblems: { kept: 2, leftOut: 1 } });
    expect(ranking(heldOut.rows)).toEqual([['ckpt-b', 2, 1], ['ckpt-a', 2, 0.5]]);
  });

  it('computes maj@k on the same problems', async () => {
    const result = await board({ majority: true, commonProblems: true });
    // ckpt-a: h1 votes 8,8 (wrong) -> 0; h2 votes 7,8 tie -> 0.5. ckpt-b: both right -> 1.
    expect(result.rows.map((r) => [r.group_id, r.majority_correct])).toEqual([['ckpt-b', 1], ['ckpt-a', 0.25]]);
  });
});
