import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAnalyticsStore, type AnalyticsStore } from '../analytics-store';
import { resultRows } from '../result-rows';
import { loadMigrations } from './migration-files';
import { migrate } from './migrate';

/** A store projected before 0010 keeps its rows and learns their splits when 0010 applies. */
describe('migration 0010 on rows projected before it', () => {
  let dir: string;
  let store: AnalyticsStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-migrate-0010-'));
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store, loadMigrations().filter((m) => m.version < 10));
    const problem = (id: string, split: string) =>
      `('t', 'x', 'r', generateUUIDv4(), 0, now64(3), 0, 0, '${id}', 'arith', 1, '${split}', 'statement', 'dataset', 'd', NULL, NULL)`;
    await store.client.command({ query: `INSERT INTO problems VALUES ${problem('p-train', 'train')}, ${problem('p-held', 'heldout')}` });
    const verdicts = [['r/s/0/0/0', 'p-train', 'correct'], ['r/e/0/0/0', 'p-held', 'correct'], ['r/e/0/0/1', 'p-held', 'incorrect']];
    for (const [sampleId, problemId, verdict] of verdicts) {
      const common = `'t', 'x', 'r', generateUUIDv4(), 0, now64(3), 0, 0, '${sampleId}', '${problemId}', 'arith', 'ckpt'`;
      await store.client.command({ query: `INSERT INTO samples VALUES (${common}, 0, 0, '4', 1, -0.5, 1, NULL)` });
      await store.client.command({ query: `INSERT INTO verifications VALUES (${common}, 0, 'v', '1', '${verdict}', '4', '{}')` });
      await store.client.command({ query: `INSERT INTO rewards VALUES (${common}, ${verdict === 'correct' ? 1 : 0}, map(), 'f', '1')` });
    }
    await migrate(store);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (query: string) => resultRows<Record<string, unknown>>(await store.client.query({ query, format: 'JSONEachRow' }));

  it('gives old samples, verdicts and rewards their problem split, and marks the evaluator samples', async () => {
    expect(await rows('SELECT sample_id, split, purpose FROM samples ORDER BY sample_id')).toEqual([
      { sample_id: 'r/e/0/0/0', split: 'heldout', purpose: 'evaluation' },
      { sample_id: 'r/e/0/0/1', split: 'heldout', purpose: 'evaluation' },
      { sample_id: 'r/s/0/0/0', split: 'train', purpose: 'training' },
    ]);
    expect(await rows('SELECT sample_id, split FROM verifications ORDER BY sample_id')).toEqual([
      { sample_id: 'r/e/0/0/0', split: 'heldout' }, { sample_id: 'r/e/0/0/1', split: 'heldout' }, { sample_id: 'r/s/0/0/0', split: 'train' },
    ]);
    expect(await rows("SELECT count() AS n FROM rewards WHERE split = 'heldout'")).toEqual([{ n: 2 }]);
  });

  it('rebuilds the leaderboard aggregates per split from the old verdicts and rewards', async () => {
    expect(await rows('SELECT split, problem_id, sum(attempts) AS n, sum(correct) AS c FROM leaderboard_verdicts GROUP BY split, problem_id ORDER BY split')).toEqual([
      { split: 'train', problem_id: 'p-train', n: 1, c: 1 },
      { split: 'heldout', problem_id: 'p-held', n: 2, c: 1 },
    ]);
    expect(await rows('SELECT split, sum(rewards) AS n, sum(reward_sum) AS s FROM leaderboard_rewards GROUP BY split ORDER BY split')).toEqual([
      { split: 'train', n: 1, s: 1 },
      { split: 'heldout', n: 2, s: 1 },
    ]);
  });
});
