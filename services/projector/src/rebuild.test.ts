import { PROJECTION_TABLES } from '@xp/analytics';
import { rebuildProjections } from './rebuild';
import { exampleEvents, openProjectionFixture, type ProjectionFixture } from './testing/projection-fixture';

const ALL_TABLES = [...PROJECTION_TABLES, 'lineage_edges_by_child', 'leaderboard_verdicts', 'leaderboard_rewards', 'projected_events'];

describe('rebuildProjections', () => {
  let fx: ProjectionFixture;

  beforeAll(async () => {
    fx = await openProjectionFixture();
    const examples = exampleEvents();
    // Two runs in (likely) different partitions, a duplicate ingest and a bad record.
    const second = examples.map((e, i) => ({ ...e, runId: 'run-777', eventId: e.eventId.slice(0, -4) + String(7000 + i) }));
    await fx.append(examples);
    await fx.project({ maxBatchSize: 3 });
    await fx.append([...second, ...examples.slice(0, 4)]);
    await fx.appendRaw([{ key: 'run-001', value: Buffer.from('nope') }]);
    await fx.project({ maxBatchSize: 5 });
  });
  afterAll(() => fx.dispose());

  const snapshot = async () => {
    const tables: Record<string, unknown[]> = {};
    for (const table of ALL_TABLES) tables[table] = await fx.rows(`SELECT * FROM ${table} FINAL ORDER BY ALL`);
    return tables;
  };

  it('drops the projections and rebuilds them equal to the live ones, row for row', async () => {
    const live = await snapshot();
    expect(live.samples).toHaveLength(2);
    const report = await rebuildProjections({ log: fx.log, store: fx.store, maxBatchSize: 7 });
    expect(report).toEqual(expect.objectContaining({ records: 29, projected: 24, rejected: 1 }));
    expect(await snapshot()).toEqual(live);
  });
});
