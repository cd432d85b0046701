import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAnalyticsStore, type AnalyticsStore } from '../analytics-store';
import { alreadyProjected } from '../projection/event-ledger';
import { resultRows } from '../result-rows';
import { loadMigrations } from './migration-files';
import { migrate, revertAll } from './migrate';

const LEDGER = ['0190a4c2-1e00-7000-8000-000000000001', '0190a4c2-1e00-7000-8000-000000000002', '0190a4c3-0000-7abc-9def-0123456789ab'];

/** A store projected before 0011 keeps its ledger (now UUIDs) and its lineage rows. */
describe('migration 0011 on a store projected before it', () => {
  let dir: string;
  let store: AnalyticsStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-migrate-0011-'));
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store, loadMigrations().filter((m) => m.version < 11));
    const ledger = LEDGER.map((id, i) => `('${id}', 1, ${i})`).join(', ');
    await store.client.command({ query: `INSERT INTO projected_events VALUES ${ledger}` });
    await store.client.command({ query: `INSERT INTO lineage_edges VALUES ('t', 'x', 'r', 'p-1', 'problem', 'r/s/0', 'sample', 'attempts', now64(3))` });
    await migrate(store);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (query: string) => resultRows<Record<string, unknown>>(await store.client.query({ query, format: 'JSONEachRow' }));

  it('keeps every ledger entry as a UUID, and the ledger lookup finds exactly those', async () => {
    expect(await rows("SELECT toTypeName(event_id) AS type, count() AS n FROM projected_events GROUP BY type")).toEqual([{ type: 'UUID', n: 3 }]);
    const unknown = '0190a4c2-1e00-7000-8000-0000000000ff';
    expect([...(await alreadyProjected(store, [LEDGER[0], unknown, LEDGER[2]]))].sort()).toEqual([LEDGER[0], LEDGER[2]]);
  });

  it('keeps the lineage rows', async () => {
    expect(await rows('SELECT parent_id, child_id, relation FROM lineage_edges_by_child')).toEqual([{ parent_id: 'p-1', child_id: 'r/s/0', relation: 'attempts' }]);
    expect(await rows('SELECT parent_id, child_id, relation FROM lineage_edges')).toEqual([{ parent_id: 'p-1', child_id: 'r/s/0', relation: 'attempts' }]);
  });

  it('reverts to string ids with the entries kept', async () => {
    await revertAll(store, loadMigrations().filter((m) => m.version >= 11));
    expect(await rows('SELECT toTypeName(event_id) AS type, count() AS n FROM projected_events GROUP BY type')).toEqual([{ type: 'String', n: 3 }]);
  });
});
