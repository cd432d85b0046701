import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError } from '@xp/events';
import { openAnalyticsStore, type AnalyticsStore } from '../analytics-store';
import { loadMigrations, renderStatements } from './migration-files';
import { migrate, revertAll } from './migrate';

describe('migrations', () => {
  let dir: string;
  let store: AnalyticsStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-migrate-'));
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tables = async () => {
    const result = await store.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' });
    return (await result.json<{ name: string }>()).map((row) => row.name);
  };

  it('applies every migration once and is a no-op the second time', async () => {
    const all = loadMigrations();
    expect((await migrate(store)).changed).toEqual(all.map((m) => m.name));
    expect((await migrate(store)).changed).toEqual([]);
    expect(await tables()).toEqual(
      expect.arrayContaining([
        'events', 'runs', 'problems', 'samples', 'verifications', 'rewards', 'curriculum_decisions',
        'replay_batches', 'model_updates', 'evaluations', 'lineage_edges', 'lineage_edges_by_child',
        'leaderboard_verdicts', 'leaderboard_rewards', 'projected_events', 'projector_writes', 'schema_migrations',
      ]),
    );
  });

  it('refuses a migration that changed after it was applied', async () => {
    const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
    await expect(migrate(store, edited)).rejects.toThrow(ConflictError);
  });

  it('reverts everything and applies it again', async () => {
    expect((await revertAll(store)).changed).toHaveLength(loadMigrations().length);
    expect(await tables()).toEqual(['schema_migrations']);
    expect((await migrate(store)).changed).toHaveLength(loadMigrations().length);
  });
});

describe('renderStatements', () => {
  const sql = '-- a comment\nCREATE TABLE t {{ON_CLUSTER}} (x UInt8)\nENGINE = {{REPLICATED}}MergeTree ORDER BY x;\n\n-- trailing\n';

  it('leaves the placeholders empty on one node', () => {
    expect(renderStatements(sql, {})).toEqual(['-- a comment\nCREATE TABLE t  (x UInt8)\nENGINE = MergeTree ORDER BY x']);
  });

  it('targets a cluster with replicated engines', () => {
    expect(renderStatements(sql, { cluster: 'xp' })[0]).toContain('CREATE TABLE t ON CLUSTER xp (x UInt8)\nENGINE = ReplicatedMergeTree');
  });
});
