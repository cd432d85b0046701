import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leaderboardQuery, migrate, openAnalyticsStore, queryLeaderboard, type AnalyticsStore } from '@xp/analytics';
import type { EventLog } from '@xp/event-log';
import { ProjectedWrites } from '@xp/projector';
import { LINEAGE_CACHE_LINKS, LineageRepository, MAX_LINEAGE_NODES, type CachedNeighbours } from '../src/lineage/lineage.repository';
import { ProjectionCache } from '../src/analytics/projection-cache';
import { SamplesRepository } from '../src/samples/samples.repository';
import { MetricSeriesRepository } from '../src/runs/metric-series.repository';

/** Repositories on a real chDB store with rows written straight into the projections. */
describe('API reads at their limits', () => {
  let dir: string;
  let store: AnalyticsStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-api-reads-'));
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (table: string, rows: object[]) =>
    store.insertEncoded({ table, format: 'JSONEachRow', body: rows.map((row) => JSON.stringify(row)).join('\n') });
  const envelope = (i: number, runId = 'run-r') => ({
    team: 'alpha', experiment_id: 'exp', run_id: runId, event_id: randomUUID(), seq: i,
    occurred_at: '2026-11-01 12:00:00.000', log_partition: 0, log_offset: i,
  });
  const edge = (parent: string, parentKind: string, child: string, childKind: string, relation: string) => ({
    team: 'alpha', experiment_id: 'exp', run_id: 'run-l', parent_id: parent, parent_kind: parentKind, child_id: child, child_kind: childKind,
    relation, occurred_at: '2026-11-01 12:00:00.000',
  });

  describe('lineage under its limits', () => {
    const children = Array.from({ length: MAX_LINEAGE_NODES + 1000 }, (_, i) => `l/s/${String(i).padStart(5, '0')}`);
    const node = (id: string, kind: string, distance: number, omittedParents: number | null, omittedChildren: number | null) =>
      ({ id, kind, runId: 'run-l', distance, omittedParents, omittedChildren });

    beforeAll(async () => {
      await insert('lineage_edges', [
        edge('l/ckpt-0', 'checkpoint', 'l/ckpt-1', 'checkpoint', 'fine_tuned_from'),
        edge('l/batch-0', 'batch', 'l/ckpt-1', 'checkpoint', 'trained_on'),
        edge('l/s/00000', 'sample', 'l/batch-0', 'batch', 'contains'),
        ...children.map((id) => edge('l/ckpt-1', 'checkpoint', id, 'sample', 'generated_by')),
        ...children.slice(0, 10).map((id) => edge(id, 'sample', `${id}/v`, 'verification', 'verifies')),
        ...children.slice(0, 3).map((id) => edge(id, 'sample', `${id}/r`, 'reward', 'rewards')),
      ]);
    });

    it('keeps upstream nodes first, then downstream ones in id order, up to the node limit', async () => {
      const walk = await new LineageRepository(store).walk('alpha', 'l/ckpt-1', 'BOTH', 6, { nodes: MAX_LINEAGE_NODES, fanOut: MAX_LINEAGE_NODES });
      expect(walk.truncated).toBe(true);
      expect(walk.nodes).toHaveLength(MAX_LINEAGE_NODES);
      const byId = new Map(walk.nodes.map((n) => [n.id, n]));
      // Its children past the limit are counted, not returned.
      expect(byId.get('l/ckpt-1')).toEqual(node('l/ckpt-1', 'checkpoint', 0, 0, children.length - (MAX_LINEAGE_NODES - 3)));
      expect(byId.get('l/ckpt-0')).toMatchObject({ kind: 'checkpoint', distance: 1 });
      expect(byId.get('l/batch-0')).toMatchObject({ kind: 'batch', distance: 1 });
      const samples = walk.nodes.filter((n) => n.kind === 'sample').map((n) => n.id);
      expect(samples).toEqual(children.slice(0, MAX_LINEAGE_NODES - 3));
      // The limit was reached on the first hop: nothing further was read, and every edge joins two returned nodes.
      expect(walk.nodes.some((n) => n.distance > 1)).toBe(false);
      for (const e of walk.edges) expect(byId.has(e.parentId) && byId.has(e.childId)).toBe(true);
      expect(walk.edges).toContainEqual({ parentId: 'l/batch-0', childId: 'l/ckpt-1', relation: 'trained_on' });
    });

    it('follows at most fanOut neighbours of a node and counts the others', async () => {
      const walk = await new LineageRepository(store).walk('alpha', 'l/ckpt-1', 'DOWN', 1, { nodes: 300, fanOut: 5 });
      expect(walk.nodes).toEqual([
        node('l/ckpt-1', 'checkpoint', 0, null, children.length - 5),
        ...children.slice(0, 5).map((id) => node(id, 'sample', 1, null, null)),
      ]);
      expect(walk.edges).toHaveLength(5);
      expect(walk.truncated).toBe(true);
    });

    it('gives every frontier node its first neighbour before any node its second', async () => {
      const walk = await new LineageRepository(store).walk('alpha', 'l/ckpt-1', 'DOWN', 2, { nodes: 8, fanOut: 3 });
      const [s0, s1, s2] = children;
      expect(walk.nodes).toEqual([
        node('l/ckpt-1', 'checkpoint', 0, null, children.length - 3),
        node(s0, 'sample', 1, null, 1),
        node(s1, 'sample', 1, null, 1),
        node(s2, 'sample', 1, null, 1),
        // The first child of each sample (its batch, or its reward), then the second of the first sample.
        node('l/batch-0', 'batch', 2, null, null),
        node(`${s1}/r`, 'reward', 2, null, null),
        node(`${s2}/r`, 'reward', 2, null, null),
        node(`${s0}/r`, 'reward', 2, null, null),
      ]);
      expect(walk.truncated).toBe(true);
    });

    it('returns the same walk every time', async () => {
      const repository = new LineageRepository(store);
      const limits = { nodes: MAX_LINEAGE_NODES, fanOut: MAX_LINEAGE_NODES };
      const first = await repository.walk('alpha', 'l/ckpt-1', 'DOWN', 2, limits);
      const second = await repository.walk('alpha', 'l/ckpt-1', 'DOWN', 2, limits);
      expect(second).toEqual(first);
      expect(first.nodes.map((n) => n.id)).toEqual(['l/ckpt-1', ...children.slice(0, MAX_LINEAGE_NODES - 1)]);
      expect(first.truncated).toBe(true);
    });

    it('links a node met from both sides once, and counts nothing as omitted when all is shown', async () => {
      const [s0] = children;
      const walk = await new LineageRepository(store).walk('alpha', s0, 'BOTH', 2, { nodes: 300, fanOut: 10 });
      expect(walk.nodes).toEqual([
        node(s0, 'sample', 0, 0, 0),
        node('l/ckpt-1', 'checkpoint', 1, 0, null),
        node('l/batch-0', 'batch', 1, null, 0),
        node(`${s0}/r`, 'reward', 1, null, 0),
        node(`${s0}/v`, 'verification', 1, null, 0),
        node('l/ckpt-0', 'checkpoint', 2, null, null),
      ]);
      expect(walk.edges).toEqual(expect.arrayContaining([
        { parentId: 'l/batch-0', childId: 'l/ckpt-1', relation: 'trained_on' },
        { parentId: 'l/ckpt-1', childId: s0, relation: 'generated_by' },
        { parentId: s0, childId: 'l/batch-0', relation: 'contains' },
      ]));
      expect(walk.edges).toHaveLength(6);
      // l/ckpt-0 was found on the last hop and not expanded.
      expect(walk.truncated).toBe(true);
    });

    describe('with neighbours cached under the projector position', () => {
      let offsets: number[];
      let statements: number;
      let repository: LineageRepository;
      beforeEach(() => {
        offsets = [7];
        statements = 0;
        const log = { committedOffsets: async () => offsets } as unknown as EventLog;
        const counting = { ...store, client: { query: (q: never) => (statements++, store.client.query(q)) } } as unknown as AnalyticsStore;
        repository = new LineageRepository(counting, new ProjectionCache<CachedNeighbours>(log, LINEAGE_CACHE_LINKS));
      });

      it('walks as without the cache, and reads only nodes it has not met under this position', async () => {
        const limits = { nodes: 300, fanOut: 10 };
        const uncached = await new LineageRepository(store).walk('alpha', 'l/ckpt-1', 'BOTH', 3, limits);
        expect(await repository.walk('alpha', 'l/ckpt-1', 'BOTH', 3, limits)).toEqual(uncached);
        expect(statements).toBe(3);
        expect(await repository.walk('alpha', 'l/ckpt-1', 'BOTH', 3, limits)).toEqual(uncached);
        expect(statements).toBe(3);
        // The first walk expanded the samples downwards only: a walk down from one reads nothing,
        // a walk up reads the sample's parents once.
        expect(await repository.walk('alpha', children[0], 'DOWN', 1, limits)).toEqual(await new LineageRepository(store).walk('alpha', children[0], 'DOWN', 1, limits));
        expect(statements).toBe(3);
        expect(await repository.walk('alpha', children[0], 'UP', 1, limits)).toEqual(await new LineageRepository(store).walk('alpha', children[0], 'UP', 1, limits));
        expect(statements).toBe(4);
        // Another team's walk never sees the cached nodes.
        expect((await repository.walk('beta', 'l/ckpt-1', 'BOTH', 3, limits)).nodes).toHaveLength(1);
      });

      it('serves a narrower fan-out from a wider one and reads again for a wider one', async () => {
        const wide = await repository.walk('alpha', 'l/ckpt-1', 'DOWN', 1, { nodes: 300, fanOut: 20 });
        const narrow = await repository.walk('alpha', 'l/ckpt-1', 'DOWN', 1, { nodes: 300, fanOut: 5 });
        expect(statements).toBe(1);
        expect(narrow.nodes.map((n) => n.id)).toEqual(wide.nodes.slice(0, 6).map((n) => n.id));
        expect(narrow.nodes[0].omittedChildren).toBe(children.length - 5);
        await repository.walk('alpha', 'l/ckpt-1', 'DOWN', 1, { nodes: 300, fanOut: 30 });
        expect(statements).toBe(2);
      });

      it('sees new edges once the projector position moves', async () => {
        const leaf = 'l/s/00004/v';
        const before = await repository.walk('alpha', leaf, 'DOWN', 1, { nodes: 300, fanOut: 10 });
        expect(before.nodes).toHaveLength(1);
        await insert('lineage_edges', [edge(leaf, 'verification', 'l/note-1', 'note', 'annotates')]);
        // Under the same position the cached answer stands: the projector has not committed the write.
        expect((await repository.walk('alpha', leaf, 'DOWN', 1, { nodes: 300, fanOut: 10 })).nodes).toHaveLength(1);
        offsets = [8];
        const after = await repository.walk('alpha', leaf, 'DOWN', 1, { nodes: 300, fanOut: 10 });
        expect(after.nodes.map((n) => n.id)).toEqual([leaf, 'l/note-1']);
        expect(statements).toBe(2);
      });
    });

    it('is not truncated when the graph ends within the depth', async () => {
      const leaf = await new LineageRepository(store).walk('alpha', 'l/s/00001/v', 'DOWN', 3, { nodes: 300, fanOut: 10 });
      expect(leaf).toEqual({ nodes: [{ id: 'l/s/00001/v', kind: 'unknown', runId: null, distance: 0, omittedParents: null, omittedChildren: 0 }], edges: [], truncated: false });
    });
  });

  describe('samples filtered by verdict', () => {
    const ids = Array.from({ length: 120 }, (_, i) => `run-r/s/${String(i).padStart(3, '0')}`);
    const verdictOf = (i: number) => (i % 3 === 0 ? 'correct' : 'incorrect');

    beforeAll(async () => {
      await insert('samples', ids.map((sample_id, i) => ({
        ...envelope(i), sample_id, problem_id: `p${i % 7}`, benchmark: 'arith', checkpoint_id: i < 60 ? 'c1' : 'c2', iteration: i < 60 ? 1 : 2,
        attempt: i, output: String(i), tokens: 1, logprob: -1, seed: i, temperature: 1,
      })));
      const verdicts = ids.map((sample_id, i) => ({
        ...envelope(1000 + i), sample_id, problem_id: `p${i % 7}`, benchmark: 'arith', checkpoint_id: i < 60 ? 'c1' : 'c2',
        iteration: i < 60 ? 1 : 2, verifier_id: 'exact', verifier_version: '1', verdict: verdictOf(i), answer: String(i), details: '{}',
      }));
      // A second verifier agrees on sample 0: the page must not list it twice.
      await insert('verifications', [...verdicts, { ...verdicts[0], ...envelope(2000), verifier_id: 'other' }]);
    });

    it('pages in sample order with the other filters', async () => {
      const samples = new SamplesRepository(store);
      const correct = ids.filter((_, i) => verdictOf(i) === 'correct');
      const first = await samples.page('alpha', 'run-r', { verdict: 'correct' }, undefined, 25);
      expect(first.map((s) => s.sample_id)).toEqual(correct.slice(0, 25));
      const rest = await samples.page('alpha', 'run-r', { verdict: 'correct' }, first[first.length - 1].sample_id, 25);
      expect(rest.map((s) => s.sample_id)).toEqual(correct.slice(25));
      const filtered = await samples.page('alpha', 'run-r', { verdict: 'incorrect', checkpointId: 'c2', problemId: 'p1' }, undefined, 50);
      expect(filtered.map((s) => s.sample_id)).toEqual(ids.filter((_, i) => verdictOf(i) === 'incorrect' && i >= 60 && i % 7 === 1));
      expect(first[0]).toMatchObject({ run_id: 'run-r', problem_id: 'p0', checkpoint_id: 'c1', output: '0' });
    });

    it('still fills the page when a verdict names a sample the run does not have', async () => {
      await insert('verifications', [{
        ...envelope(3000), sample_id: 'run-r/s/000a', problem_id: 'p0', benchmark: 'arith', checkpoint_id: 'c1', iteration: 1,
        verifier_id: 'exact', verifier_version: '1', verdict: 'correct', answer: '', details: '{}',
      }]);
      const page = await new SamplesRepository(store).page('alpha', 'run-r', { verdict: 'correct' }, undefined, 3);
      expect(page.map((s) => s.sample_id)).toEqual(['run-r/s/000', 'run-r/s/003', 'run-r/s/006']);
    });
  });

  describe('leaderboard', () => {
    it('leaves out majority votes and rewards when not asked for', async () => {
      await insert('verifications', [{
        ...envelope(4000, 'run-b'), sample_id: 'b/s/0', problem_id: 'p0', benchmark: 'bench-p', checkpoint_id: 'cb', iteration: 1,
        verifier_id: 'exact', verifier_version: '1', verdict: 'correct', answer: '1', details: '{}',
      }]);
      const options = { team: 'alpha', benchmark: 'bench-p', k: 1, groupBy: 'checkpoint' as const, majority: false, meanReward: false };
      expect(leaderboardQuery(options).query).not.toMatch(/answer_votes|leaderboard_rewards/);
      expect(await queryLeaderboard(store.client, options)).toEqual([
        { group_id: 'cb', problems: 1, attempts: 1, correct: 1, solved: 1, min_attempts: 1, problems_below_k: 0, pass_at_k: 1, majority_correct: null, mean_reward: null },
      ]);
    });
  });

  describe('results cached under the projector position', () => {
    it('answers from the cache until the committed offsets move', async () => {
      let offsets = [3, 5];
      const log = { committedOffsets: async () => offsets } as unknown as EventLog;
      const cache = new ProjectionCache<Promise<number>>(log);
      let computed = 0;
      const compute = async () => ++computed;
      expect(await cache.get('a', compute)).toBe(1);
      expect(await cache.get('a', compute)).toBe(1);
      expect(await cache.get('b', compute)).toBe(2);
      offsets = [4, 5];
      expect(await cache.get('a', compute)).toBe(3);
      await expect(cache.get('c', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await cache.get('c', compute)).toBe(4);
    });

    it('keeps no result read under a position that has since moved, and evicts the oldest past its capacity', async () => {
      let offsets = [1];
      const log = { committedOffsets: async () => offsets } as unknown as EventLog;
      const cache = new ProjectionCache<string>(log, 3);
      const first = (await cache.sync())!;
      cache.remember('a', 'A', first, 2);
      offsets = [2];
      const second = (await cache.sync())!;
      cache.remember('late', 'read under [1]', first);
      expect(cache.lookup('a')).toBeUndefined();
      expect(cache.lookup('late')).toBeUndefined();
      cache.remember('b', 'B', second, 2);
      cache.remember('c', 'C', second, 1);
      cache.remember('d', 'D', second, 1);
      expect([cache.lookup('b'), cache.lookup('c'), cache.lookup('d')]).toEqual([undefined, 'C', 'D']);
    });

    it('following writes, keeps across a move the entries no seen write touched', async () => {
      let offsets = [5, 0];
      const log = { committedOffsets: async () => offsets } as unknown as EventLog;
      const writes = new ProjectedWrites();
      const touched = new Map<string, string[]>([['0:5', ['a']]]);
      const cache = new ProjectionCache<string>(log);
      cache.followWrites(writes, ({ range }) => touched.get(`${range.partition}:${range.fromOffset}`) ?? []);
      const write = (partition: number, fromOffset: number, toOffset: number) => writes.publish({ range: { partition, fromOffset, toOffset }, events: [] });
      const first = (await cache.sync())!;
      for (const key of ['a', 'b', 'c']) cache.remember(key, key.toUpperCase(), first);

      // Visible before it is committed: what it touched goes at once, and reads begun before it are not kept.
      write(0, 5, 9);
      expect([cache.lookup('a'), cache.lookup('b')]).toEqual([undefined, 'B']);
      cache.remember('late', 'read before the write', first);
      expect(cache.lookup('late')).toBeUndefined();
      offsets = [10, 0];
      const second = (await cache.sync())!;
      expect([cache.lookup('b'), cache.lookup('c')]).toEqual(['B', 'C']);
      cache.remember('a', 'A2', second);

      // Partitions are followed separately; a move waits for the writes it covers.
      write(1, 0, 3);
      offsets = [10, 4];
      await cache.sync();
      expect([cache.lookup('a'), cache.lookup('b')]).toEqual(['A2', 'B']);

      // Records this process never saw written (offsets 10 and 11): the move empties the cache.
      write(0, 12, 15);
      offsets = [16, 4];
      const third = (await cache.sync())!;
      expect(cache.lookup('b')).toBeUndefined();
      cache.remember('b', 'B3', third);
      write(0, 16, 19);
      offsets = [20, 4];
      await cache.sync();
      expect(cache.lookup('b')).toBe('B3');

      // Offsets that went back (the projections were rebuilt) empty it too.
      offsets = [0, 0];
      await cache.sync();
      expect(cache.lookup('b')).toBeUndefined();
    });

    it('answers without the cache when the log cannot say where the projector stands', async () => {
      const log = { committedOffsets: async () => Promise.reject(new Error('broker down')) } as unknown as EventLog;
      const cache = new ProjectionCache<Promise<string>>(log);
      expect(await cache.get('a', async () => 'fresh')).toBe('fresh');
    });
  });
  describe('metric series downsampled on the server', () => {
    const point = (name: string, step: number, value: number | null, runId = 'run-m') => ({
      team: 'alpha', experiment_id: 'exp', run_id: runId, event_id: randomUUID(), occurred_at: '2026-11-01 12:00:00.000', step, name, value,
    });
    // A smooth loss over 10,000 steps with one spike up at step 7,777 and one dip at 2,222.
    const loss = (step: number) => (step === 7777 ? 50 : step === 2222 ? -5 : 1 + Math.sin(step / 500));

    beforeAll(async () => {
      await insert('metrics', [
        ...Array.from({ length: 10_000 }, (_, step) => point('loss', step, loss(step))),
        ...Array.from({ length: 100 }, (_, step) => point('lr', step * 10, step === 50 ? null : 1e-5)),
        point('loss', 3, 9, 'run-other'),
      ]);
    });

    it('keeps each bucket\'s lowest and highest point, so spikes survive, within maxPoints', async () => {
      const [series] = await new MetricSeriesRepository(store).series('alpha', 'run-m', ['loss'], 200);
      expect(series).toMatchObject({ name: 'loss', count: 10_000, downsampled: true });
      expect(series.points.length).toBeLessThanOrEqual(200);
      expect(series.points.length).toBeGreaterThan(150);
      expect(series.points).toContainEqual({ step: 7777, value: 50 });
      expect(series.points).toContainEqual({ step: 2222, value: -5 });
      const steps = series.points.map((p) => p.step);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      for (const p of series.points) expect(p.value).toBe(loss(p.step));
      // 100 buckets of 100 steps: every bucket is represented.
      expect(new Set(steps.map((step) => Math.floor(step / 100))).size).toBe(100);
    });

    it('returns a series whole, nulls included, when it fits in maxPoints, and only the team\'s run', async () => {
      const repo = new MetricSeriesRepository(store);
      const [lr] = await repo.series('alpha', 'run-m', ['lr'], 100);
      expect(lr).toMatchObject({ name: 'lr', count: 100, downsampled: false });
      expect(lr.points).toHaveLength(100);
      expect(lr.points[50]).toEqual({ step: 500, value: null });
      expect((await repo.series('alpha', 'run-m', undefined, 1000)).map((s) => [s.name, s.count])).toEqual([['loss', 10_000], ['lr', 100]]);
      expect(await repo.series('beta', 'run-m', undefined, 1000)).toEqual([]);
    });
  });
});
