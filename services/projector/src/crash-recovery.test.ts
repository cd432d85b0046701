import { join } from 'node:path';
import { migrate, openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { mulberry32 } from './bench/mixed-events';
import { WordText } from './bench/word-text';
import { startProjector } from './projector';
import { projectionDigest } from './testing/projection-digest';
import { exampleEvents, openProjectionFixture, type ProjectionFixture } from './testing/projection-fixture';

/** The example events, their sample's output a 4 KB completion. */
function examplesWithLargeOutput() {
  const output = new WordText(mulberry32(3)).next(4096);
  return exampleEvents().map((e) => (e.type === 'sample.generated' ? { ...e, payload: { ...e.payload, output } } : e));
}

/** A store whose inserts into `failingTable` fail, as if the process died just before that insert. */
function failingAt(store: AnalyticsStore, failingTable: string): AnalyticsStore {
  return {
    ...store,
    insertEncoded: async (insert) => {
      if (insert.table === failingTable) throw new Error(`simulated crash before writing ${insert.table}`);
      return store.insertEncoded(insert);
    },
  };
}

describe.each(['projected_events', 'verifications', 'lineage_edges'])('a projector interrupted before writing %s', (failingTable) => {
  let fx: ProjectionFixture;
  const examples = examplesWithLargeOutput();

  beforeAll(async () => {
    fx = await openProjectionFixture();
    await fx.append(examples);
    // First life: small batches, the first write dies part-way; nothing gets committed.
    let failed!: () => void;
    const failure = new Promise<void>((resolve) => (failed = resolve));
    const first = await startProjector({ log: fx.log, store: failingAt(fx.store, failingTable), maxBatchSize: 6, maxWaitMs: 5, onError: () => failed() });
    await failure;
    await first.stop();
    // Second life: one large batch from the committed offset.
    await fx.project({ maxBatchSize: 1000 });
  });
  afterAll(() => fx.dispose());

  it('ends with every event exactly once, even before merges', async () => {
    const [counts] = await fx.rows(`
      SELECT (SELECT count() FROM events) AS events, (SELECT uniqExact(event_id) FROM events) AS distinct_events,
             (SELECT count() FROM samples) AS samples, (SELECT count() FROM verifications) AS verifications,
             (SELECT count() FROM rewards) AS rewards, (SELECT count() FROM lineage_edges) AS edges,
             (SELECT count() FROM lineage_edges_by_child) AS edges_by_child, (SELECT count() FROM lineage_edges FINAL) AS distinct_edges,
             (SELECT sum(attempts) FROM leaderboard_verdicts) AS attempts, (SELECT sum(rewards) FROM leaderboard_rewards) AS rewarded`);
    const n = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]));
    expect(n).toEqual({
      events: examples.length, distinct_events: examples.length, samples: 1, verifications: 1, rewards: 1,
      edges: n.distinct_edges, edges_by_child: n.distinct_edges, distinct_edges: n.distinct_edges, attempts: 1, rewarded: 1,
    });
  });

  it('ends with every table equal to a clean projection of the same log, leaderboard aggregates included', async () => {
    const clean = await openAnalyticsStore({ kind: 'chdb', path: join(fx.dir, 'analytics'), database: 'xp_clean' });
    try {
      await migrate(clean);
      await fx.project({ store: clean, groupId: 'clean' });
      const recovered = await projectionDigest(fx.store);
      expect(Object.keys(recovered)).toEqual(expect.arrayContaining(['events', 'samples', 'leaderboard_verdicts', 'leaderboard_rewards', 'lineage_edges_by_child']));
      expect(recovered).toEqual(await projectionDigest(clean));
    } finally {
      await clean.close();
    }
  });
});
