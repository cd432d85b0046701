import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lineageOf, migrate, openAnalyticsStore, queryLeaderboard, type AnalyticsStore, type LeaderboardOptions } from '@xp/analytics';
import { EmbeddedEventLog, encodeEvent, TOPICS, type Subscription } from '@xp/event-log';
import { uuidv7, type XpEvent } from '@xp/events';
import { caughtUp, PROJECTOR_GROUP, ProjectedWrites, startProjector } from '@xp/projector';
import { ProjectionCache } from '../src/analytics/projection-cache';
import { LINEAGE_CACHE_LINKS, LineageRepository, neighboursTouchedBy, type CachedNeighbours } from '../src/lineage/lineage.repository';
import { leaderboardCache, leaderboardKey } from '../src/leaderboard/leaderboard-cache';

const EXAMPLES_DIR = resolve(__dirname, '../../../schemas/examples');

/** A real projector in this process, publishing its writes to the API's caches, on chDB and the embedded log. */
describe('reads cached while the projector in this process writes', () => {
  let dir: string;
  let log: EmbeddedEventLog;
  let store: AnalyticsStore;
  let projector: Subscription;
  const writes = new ProjectedWrites();
  const examples = readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.ndjson'))
    .flatMap((file) => readFileSync(join(EXAMPLES_DIR, file), 'utf8').split('\n').filter((line) => line.trim() !== ''))
    .map((line) => JSON.parse(line) as XpEvent)
    .sort((a, b) => a.seq - b.seq);
  const sampleOf = examples.find((e) => e.type === 'sample.generated')!;
  const verdictOf = examples.find((e) => e.type === 'sample.verified')!;
  /** A sample like the example's, of another checkpoint or problem. */
  const sample = (id: string, checkpointId: string, problemId: string, runId = sampleOf.runId): XpEvent =>
    ({
      ...sampleOf, eventId: uuidv7(Date.UTC(2026, 10, 2)), runId, seq: 100, parents: [],
      payload: { ...(sampleOf.payload as object), sampleId: id, checkpointId, problemId },
    }) as XpEvent;

  /** A verdict on a sample, like the example's. */
  const verdict = (sampleId: string, problemId: string, verdictText: string): XpEvent =>
    ({
      ...verdictOf, eventId: uuidv7(Date.UTC(2026, 10, 2)), seq: 101, parents: [sampleId],
      payload: { ...(verdictOf.payload as object), sampleId, problemId, verdict: verdictText },
    }) as XpEvent;

  const appendAndProject = async (events: XpEvent[]) => {
    await log.append(TOPICS.events, events.map(encodeEvent));
    await caughtUp(log, PROJECTOR_GROUP, 10);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-api-follow-'));
    log = EmbeddedEventLog.open({ dir: join(dir, 'log') });
    await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store);
    projector = await startProjector({ log, store, writes, maxWaitMs: 5 });
    await appendAndProject(examples);
  });
  afterAll(async () => {
    await projector.stop();
    await log.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names every edge ClickHouse holds for the events, whichever side wrote it', async () => {
    const result = await store.client.query({ query: 'SELECT parent_id, child_id FROM lineage_edges FINAL ORDER BY parent_id, child_id', format: 'JSONCompactEachRow' });
    const stored = (await result.json<[string, string]>()).map(([parent, child]) => `${parent} -> ${child}`);
    const stated = examples.flatMap((event) => {
      const lineage = lineageOf(event);
      return lineage.parents.map((parent) => `${parent.id} -> ${lineage.id}`);
    });
    expect([...new Set(stated)].sort()).toEqual(stored);
  });

  it('keeps neighbours across commits that do not touch them and reads again the ones that do', async () => {
    let statements = 0;
    const counting = { ...store, client: { query: (q: never) => (statements++, store.client.query(q)) } } as unknown as AnalyticsStore;
    const cache = new ProjectionCache<CachedNeighbours>(log, LINEAGE_CACHE_LINKS);
    cache.followWrites(writes, neighboursTouchedBy);
    const cached = new LineageRepository(counting, cache);
    const uncached = new LineageRepository(store);
    const limits = { nodes: 300, fanOut: 10 };
    const walk = () => cached.walk('alpha', 'ckpt-0', 'BOTH', 3, limits);

    expect(await walk()).toEqual(await uncached.walk('alpha', 'ckpt-0', 'BOTH', 3, limits));
    const firstWalk = statements;
    expect(firstWalk).toBe(3);

    // Another checkpoint's sample: the projector commits, nothing the walk met changed.
    const before = await log.committedOffsets(PROJECTOR_GROUP, TOPICS.events);
    await appendAndProject([sample('run-001/s/9/other', 'ckpt-other', 'arith/train/0009')]);
    expect(await log.committedOffsets(PROJECTOR_GROUP, TOPICS.events)).not.toEqual(before);
    expect(await walk()).toEqual(await uncached.walk('alpha', 'ckpt-0', 'BOTH', 3, limits));
    expect(statements).toBe(firstWalk);

    // A new sample of ckpt-0: its children are read again, and the new sample's own neighbours.
    await appendAndProject([sample('run-001/s/9/new', 'ckpt-0', 'arith/train/0001')]);
    const after = await walk();
    expect(after).toEqual(await uncached.walk('alpha', 'ckpt-0', 'BOTH', 3, limits));
    expect(after.nodes.map((n) => n.id)).toContain('run-001/s/9/new');
    expect(statements).toBe(firstWalk + 2);
  });

  it('keeps other teams\' leaderboards across a team\'s writes and reads that team\'s again', async () => {
    let statements = 0;
    const counting = { query: (q: never) => (statements++, store.client.query(q)) } as unknown as AnalyticsStore['client'];
    const cache = leaderboardCache({ log, projectedWrites: writes })!;
    const board = (team: string): LeaderboardOptions => ({ team, benchmark: 'arith', k: 1, groupBy: 'checkpoint' });
    const cached = (team: string) => cache.get(leaderboardKey(board(team)), () => queryLeaderboard(counting, board(team)));
    const fresh = (team: string) => queryLeaderboard(store.client, board(team));

    expect(await cached('alpha')).toEqual(await fresh('alpha'));
    expect(await cached('beta')).toEqual(await fresh('beta'));
    expect(statements).toBe(2);

    // Team alpha samples a new checkpoint and one attempt is judged incorrect: only alpha's board is read again.
    await appendAndProject([sample('run-001/s/9/judged', 'ckpt-judged', 'arith/train/0001'), verdict('run-001/s/9/judged', 'arith/train/0001', 'incorrect')]);
    const alpha = await cached('alpha');
    expect(alpha).toEqual(await fresh('alpha'));
    expect(alpha.rows.map((row) => row.group_id)).toContain('ckpt-judged');
    expect(await cached('beta')).toEqual(await fresh('beta'));
    expect(statements).toBe(3);

    // Nothing moved since: both come from the cache.
    await cached('alpha');
    await cached('beta');
    expect(statements).toBe(3);
  });
});

