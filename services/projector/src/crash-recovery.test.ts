import type { AnalyticsStore } from '@xp/analytics';
import { startProjector } from './projector';
import { exampleEvents, openProjectionFixture, type ProjectionFixture } from './testing/projection-fixture';

type Moment = 'before' | 'after' | 'part-way through';

/** Tables a crash part-way through the fan-out left without their rows (and their views' rows). */
const LOST_TABLES = ['verifications', 'leaderboard_verdicts'];

/**
 * A store whose inserts into `failingTable` fail, as if the process died just before that insert,
 * just after it landed (every table fed, offsets not committed yet), or part-way through it (some
 * views wrote their rows, others did not: emptied here, which also forgets their deduplication log).
 */
function failingAt(store: AnalyticsStore, failingTable: string, moment: Moment, fromInsert = 1): AnalyticsStore {
  let inserts = 0;
  return {
    ...store,
    insertEncoded: async (insert) => {
      if (insert.table !== failingTable || ++inserts < fromInsert) return store.insertEncoded(insert);
      if (moment !== 'before') await store.insertEncoded(insert);
      if (moment === 'part-way through') for (const table of LOST_TABLES) await store.client.command({ query: `TRUNCATE TABLE ${table}` });
      throw new Error(`simulated crash ${moment} writing ${insert.table}`);
    },
  };
}

// A batch is one announcement (projector_writes) and one insert (projection_input) that views fan
// out into every table, the ledger included: a crash can hit before or after either.
describe.each<[Moment, string]>([
  ['before', 'projector_writes'],
  ['before', 'projection_input'],
  ['after', 'projection_input'],
  ['part-way through', 'projection_input'],
])('a projector interrupted %s writing %s', (moment, failingTable) => {
  let fx: ProjectionFixture;
  const examples = exampleEvents();

  beforeAll(async () => {
    fx = await openProjectionFixture();
    await fx.append(examples);
    // First life: small batches, the first write dies part-way; nothing gets committed.
    await liveUntilFailure(fx, failingAt(fx.store, failingTable, moment), 6);
    // Second life: one large batch from the committed offset.
    await fx.project({ maxBatchSize: 1000 });
  });
  afterAll(() => fx.dispose());

  it('ends with every event exactly once, even before merges', () => expectExactlyOnce(fx, examples.length));
});

describe('a projector interrupted again while writing what followed the interrupted write', () => {
  let fx: ProjectionFixture;
  const examples = exampleEvents();

  beforeAll(async () => {
    fx = await openProjectionFixture();
    await fx.append(examples);
    // First life: the write of offsets 0-4 lands, the process dies before committing.
    await liveUntilFailure(fx, failingAt(fx.store, 'projection_input', 'after'), 5);
    // Second life: the interrupted write is repeated, then the write of the rest (verdict and reward included) dies part-way.
    await liveUntilFailure(fx, failingAt(fx.store, 'projection_input', 'part-way through', 2), 1000);
    await fx.project({ maxBatchSize: 1000 });
  });
  afterAll(() => fx.dispose());

  it('ends with every event exactly once, even before merges', () => expectExactlyOnce(fx, examples.length));
});

/** Runs a projector on `store` until its first failed batch, then stops it; nothing of that batch is committed. */
async function liveUntilFailure(fx: ProjectionFixture, store: AnalyticsStore, maxBatchSize: number): Promise<void> {
  let failed!: () => void;
  const failure = new Promise<void>((resolve) => (failed = resolve));
  const life = await startProjector({ log: fx.log, store, maxBatchSize, maxWaitMs: 5, onError: () => failed() });
  await failure;
  await life.stop();
}

async function expectExactlyOnce(fx: ProjectionFixture, total: number): Promise<void> {
  {
    const [counts] = await fx.rows(`
      SELECT (SELECT count() FROM events) AS events, (SELECT uniqExact(event_id) FROM events) AS distinct_events,
             (SELECT count() FROM samples) AS samples, (SELECT count() FROM verifications) AS verifications,
             (SELECT count() FROM rewards) AS rewards, (SELECT count() FROM lineage_edges) AS edges,
             (SELECT count() FROM lineage_edges_by_child) AS edges_by_child, (SELECT count() FROM lineage_edges FINAL) AS distinct_edges,
             (SELECT sum(attempts) FROM leaderboard_verdicts) AS attempts, (SELECT sum(rewards) FROM leaderboard_rewards) AS rewarded`);
    const n = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]));
    expect(n).toEqual({
      events: total, distinct_events: total, samples: 1, verifications: 1, rewards: 1,
      edges: n.distinct_edges, edges_by_child: n.distinct_edges, distinct_edges: n.distinct_edges, attempts: 1, rewarded: 1,
    });
  }
}
