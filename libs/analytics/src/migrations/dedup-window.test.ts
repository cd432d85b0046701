import { openAnalyticsStore, type AnalyticsStore } from '../analytics-store';
import { openTempStore } from '../testing/temp-store';
import { recordingServer } from '../testing/recording-server';
import { migrate } from './migrate';

const PINNED = ['non_replicated_deduplication_window = 1000', 'replicated_deduplication_window = 10000', 'replicated_deduplication_window_seconds = 604800'];

describe('the insert-deduplication window of every table the projector writes', () => {
  it('is pinned on chDB, for plain and replicated engines alike', async () => {
    const temp = await openTempStore();
    try {
      const result = await temp.store.client.query({
        query: "SELECT name, create_table_query FROM system.tables WHERE database = 'xp' AND engine LIKE '%MergeTree' AND name != 'schema_migrations'",
        format: 'JSONEachRow',
      });
      const tables = await result.json<{ name: string; create_table_query: string }>();
      expect(tables.length).toBeGreaterThanOrEqual(17);
      const unpinned = tables.filter((t) => !PINNED.every((setting) => t.create_table_query.includes(setting))).map((t) => t.name);
      expect(unpinned).toEqual([]);
    } finally {
      await temp.dispose();
    }
  });

  it('is set ON CLUSTER by `xp migrate` on a replicated cluster, in statements that carry the server pins', async () => {
    const { server, url, requests } = await recordingServer();
    let store: AnalyticsStore | undefined;
    try {
      store = await openAnalyticsStore({ kind: 'server', url, username: 'default', password: '', database: 'xp', cluster: 'xp' }, { migrating: true });
      await migrate(store);
    } finally {
      await store?.close();
      server.close();
    }
    const alters = requests.filter((r) => r.query.includes('MODIFY SETTING replicated_deduplication_window'));
    expect(alters.map((r) => /^ALTER TABLE (\w+) ON CLUSTER xp MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800$/m.exec(r.query)?.[1]).sort()).toEqual([
      'curriculum_decisions', 'evaluations', 'events', 'leaderboard_rewards', 'leaderboard_verdicts', 'lineage_edges', 'lineage_edges_by_child', 'metrics',
      'model_updates', 'problems', 'projected_events', 'projector_writes', 'replay_batches', 'rewards', 'runs', 'samples', 'verifications',
    ]);
    for (const request of requests) expect(request.settings).toMatchObject({ async_insert: '0', insert_deduplicate: '1', deduplicate_blocks_in_dependent_materialized_views: '1' });
  });
});
