import type { AnalyticsStore } from '@xp/analytics';
import { startProjector } from './projector';
import { exampleEvents, openProjectionFixture, type ProjectionFixture } from './testing/projection-fixture';

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

const EDGES = (table: string) => `
  SELECT team, experiment_id, run_id, parent_id, parent_kind, child_id, child_kind, relation, toString(occurred_at) AS occurred_at
  FROM ${table} ORDER BY ALL`;
const examples = exampleEvents();

/** Edges come both from direct inserts and from materialized views: a crash must leave exactly the edges of a clean projection. */
let cleanEdges: { direct: unknown[]; byChild: unknown[] };
beforeAll(async () => {
  const clean = await openProjectionFixture();
  try {
    await clean.append(examples);
    await clean.project();
    cleanEdges = { direct: await clean.rows(EDGES('lineage_edges')), byChild: await clean.rows(EDGES('lineage_edges_by_child')) };
  } finally {
    await clean.dispose();
  }
}, 120_000);

describe.each(['projected_events', 'verifications', 'lineage_edges'])('a projector interrupted before writing %s', (failingTable) => {
  let fx: ProjectionFixture;

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

  it('holds the lineage edges of a clean projection, edge for edge', async () => {
    expect(cleanEdges.direct.length).toBeGreaterThan(0);
    expect(await fx.rows(EDGES('lineage_edges'))).toEqual(cleanEdges.direct);
    expect(await fx.rows(EDGES('lineage_edges_by_child'))).toEqual(cleanEdges.byChild);
  });
});
