import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, migrate, openAnalyticsStore, renderStatements, revertAll, type AnalyticsStore } from '@xp/analytics';

/** Migration 0008 rewrites the lineage tables with smaller granules on a store that already holds edges. */
describe('migration 0008: lineage granules', () => {
  let dir: string;
  let store: AnalyticsStore;
  const all = loadMigrations();
  const lineageGranules = all.filter((m) => m.name === '0008_lineage_granules');
  const upTo7 = all.filter((m) => m.version <= 7);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-lineage-granules-'));
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store, upTo7);
    await insertSample('before-0008');
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async <T>(query: string) => (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
  /** One sample row: the views turn it into two edges (from its problem and its checkpoint) in both lineage tables. */
  const insertSample = (id: string) =>
    store.insertEncoded({
      table: 'samples',
      format: 'JSONEachRow',
      body: Buffer.from(JSON.stringify({
        team: 'alpha', experiment_id: 'exp', run_id: 'run-g', event_id: randomUUID(), seq: 1, occurred_at: '2026-11-01 12:00:00.000',
        log_partition: 0, log_offset: 1, sample_id: id, problem_id: 'p1', benchmark: 'arith', checkpoint_id: 'c1', iteration: 1,
        attempt: 0, output: '1', tokens: 1, logprob: -1, seed: 1, temperature: 1,
      })),
    });
  const edges = () =>
    rows<{ t: string; child_id: string; parent_id: string }>(
      `SELECT * FROM (SELECT 'down' AS t, child_id, parent_id FROM lineage_edges
                      UNION ALL SELECT 'up' AS t, child_id, parent_id FROM lineage_edges_by_child)
       ORDER BY t, child_id, parent_id`,
    );
  const granules = async () =>
    Object.fromEntries(
      (await rows<{ name: string; sorting_key: string; primary_key: string; engine_full: string }>(
        `SELECT name, sorting_key, primary_key, engine_full FROM system.tables
         WHERE database = currentDatabase() AND name LIKE 'lineage_edges%' AND engine != 'MaterializedView' ORDER BY name`,
      )).map((t) => [t.name, { granularity: /index_granularity = (\d+)/.exec(t.engine_full)?.[1], primaryKey: t.primary_key, sortingKey: t.sorting_key }]),
    );
  const edgesOf = (...ids: string[]) =>
    ids.flatMap((id) => ['c1', 'p1'].map((parent) => ({ child_id: id, parent_id: parent }))).sort((a, b) => a.child_id.localeCompare(b.child_id));
  const expectEdges = async (...ids: string[]) => {
    const expected = edgesOf(...ids);
    expect(await edges()).toEqual([...expected.map((e) => ({ t: 'down', ...e })), ...expected.map((e) => ({ t: 'up', ...e }))]);
  };

  it('keeps every edge, and the views write into the rewritten tables', async () => {
    expect((await migrate(store)).changed).toEqual(['0008_lineage_granules']);
    expect(await granules()).toEqual({
      lineage_edges: { granularity: '256', primaryKey: 'team, parent_id', sortingKey: 'team, parent_id, child_id, relation, run_id' },
      lineage_edges_by_child: { granularity: '256', primaryKey: 'team, child_id', sortingKey: 'team, child_id, parent_id, relation, run_id' },
    });
    await insertSample('after-0008');
    await expectEdges('after-0008', 'before-0008');
  });

  it('completes after being interrupted right after the first exchange', async () => {
    await revertAll(store, lineageGranules);
    const statements = renderStatements(lineageGranules[0].up, {});
    const exchange = statements.findIndex((s) => s.startsWith('EXCHANGE TABLES lineage_edges AND'));
    for (const query of statements.slice(0, exchange + 1)) await store.client.command({ query });
    expect((await migrate(store)).changed).toEqual(['0008_lineage_granules']);
    expect(Object.keys(await granules())).toEqual(['lineage_edges', 'lineage_edges_by_child']);
    await expectEdges('after-0008', 'before-0008');
  });

  it('goes back to the default granules and full primary key, keeping the edges', async () => {
    expect((await revertAll(store, lineageGranules)).changed).toEqual(['0008_lineage_granules']);
    expect(await granules()).toEqual({
      lineage_edges: { granularity: '8192', primaryKey: 'team, parent_id, child_id, relation, run_id', sortingKey: 'team, parent_id, child_id, relation, run_id' },
      lineage_edges_by_child: { granularity: '8192', primaryKey: 'team, child_id, parent_id, relation, run_id', sortingKey: 'team, child_id, parent_id, relation, run_id' },
    });
    await insertSample('after-down');
    await expectEdges('after-0008', 'after-down', 'before-0008');
  });
});
