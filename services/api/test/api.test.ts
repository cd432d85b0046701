import { gzipSync } from 'node:zlib';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { exampleEvents, openApiFixture, type ApiFixture } from './api-fixture';

const MAX_INGEST = 64 * 1024;

function ndjson(events: unknown[]): string {
  return events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n';
}

async function postEvents(fx: ApiFixture, body: string | Buffer, key: string | null = fx.keys.alpha, encoding?: string) {
  const response = await fetch(`${fx.url}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-ndjson',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(encoding ? { 'content-encoding': encoding } : {}),
    },
    body,
  });
  return { status: response.status, body: await response.json() };
}

/** Verdicts for a pass@k case computed by hand: problem p1 has n=3, c=1; p2 has n=1 (< k=2). */
function leaderboardEvents(): unknown[] {
  const [template] = exampleEvents().filter((e) => e.type === 'sample.verified');
  const samples = exampleEvents().filter((e) => e.type === 'sample.generated');
  const [problem] = exampleEvents().filter((e) => e.type === 'problem.registered');
  const events: unknown[] = ['lb/p1', 'lb/p2'].map((problemId, i) => ({
    ...problem,
    eventId: `0193a1b2-c3d4-7${(90 + i).toString(16).padStart(3, '0')}-8abc-000000000${(90 + i).toString(16).padStart(3, '0')}`,
    runId: 'lb-run',
    payload: { ...problem.payload, problemId },
  }));
  const attempts: Array<[string, number, 'correct' | 'incorrect']> = [
    ['lb/p1', 0, 'correct'],
    ['lb/p1', 1, 'incorrect'],
    ['lb/p1', 2, 'incorrect'],
    ['lb/p2', 0, 'incorrect'],
  ];
  attempts.forEach(([problemId, attempt, verdict], i) => {
    const sampleId = `lb-run/s/${problemId}/${attempt}`;
    const hex = (100 + i).toString(16).padStart(3, '0');
    events.push({
      ...samples[0],
      eventId: `0193a1b2-c3d4-7${hex}-8abc-000000000${hex}`,
      runId: 'lb-run',
      payload: { ...samples[0].payload, sampleId, problemId, checkpointId: 'ckpt-lb', attempt, output: String(attempt) },
    });
    events.push({
      ...template,
      eventId: `0193a1b2-c3d4-7${hex}-9abc-000000000${hex}`,
      runId: 'lb-run',
      payload: { ...template.payload, sampleId, problemId, verdict, details: { value: attempt } },
    });
  });
  return events;
}

describe('API over real projections', () => {
  let fx: ApiFixture;

  beforeAll(async () => {
    fx = await openApiFixture({ maxIngestBytes: MAX_INGEST });
    const ingest = await postEvents(fx, ndjson([...exampleEvents(), ...leaderboardEvents()]));
    expect(ingest).toEqual({ status: 200, body: { accepted: exampleEvents().length + 10, rejected: [] } });
    await fx.projected();
  });
  afterAll(() => fx.dispose());

  describe('POST /v1/events', () => {
    it('answers 401 without a valid key', async () => {
      expect((await postEvents(fx, ndjson(exampleEvents()), null)).status).toBe(401);
      expect((await postEvents(fx, ndjson(exampleEvents()), 'xp_not-a-key')).status).toBe(401);
    });

    it('answers 400 with line-numbered reasons and still appends the good lines', async () => {
      const [good] = exampleEvents();
      const fresh = { ...good, eventId: '0193a1b2-c3d4-7eee-8abc-000000000eee', runId: 'run-http' };
      const result = await postEvents(fx, ndjson(['{broken', fresh, { ...fresh, team: 'beta' }]));
      expect(result.status).toBe(400);
      expect(result.body.accepted).toBe(1);
      expect(result.body.rejected).toEqual([
        { line: 1, reasons: [expect.stringMatching(/^not valid JSON/)] },
        { line: 3, reasons: ["/team must be 'alpha', the team of your API key"] },
      ]);
    });

    it('answers 413 over the size limit', async () => {
      const result = await postEvents(fx, 'x'.repeat(MAX_INGEST + 1));
      expect(result.status).toBe(413);
      expect(result.body.error).toMatch(/over the 65536-byte limit/);
    });

    it('takes gzip bodies, answering per line as for plain ones', async () => {
      const [good] = exampleEvents();
      const fresh = { ...good, eventId: '0193a1b2-c3d4-7eef-8abc-000000000eef', runId: 'run-gzip' };
      const result = await postEvents(fx, gzipSync(ndjson([fresh, { ...fresh, team: 'beta' }])), fx.keys.alpha, 'gzip');
      expect(result).toEqual({ status: 400, body: { accepted: 1, rejected: [{ line: 2, reasons: ["/team must be 'alpha', the team of your API key"] }] } });
    });

    it('refuses a gzip body that inflates past the size limit, one that does not inflate, and unknown encodings', async () => {
      const bomb = gzipSync(Buffer.alloc(MAX_INGEST * 4, 'x'));
      expect(bomb.length).toBeLessThan(MAX_INGEST);
      const tooLarge = await postEvents(fx, bomb, fx.keys.alpha, 'gzip');
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body.error).toMatch(/over the 65536-byte limit \(decompressed\)/);
      const corrupt = await postEvents(fx, 'not gzip at all', fx.keys.alpha, 'gzip');
      expect(corrupt.status).toBe(400);
      expect(corrupt.body.error).toMatch(/^request body is not valid gzip: /);
      const unknown = await postEvents(fx, 'abc', fx.keys.alpha, 'compress');
      expect(unknown.status).toBe(415);
      expect(unknown.body.error).toMatch(/unsupported content encoding "compress"/);
    });
  });

  describe('GraphQL', () => {
    it('lists experiments and runs with their iterations', async () => {
      const { body } = await fx.graphql(`{
        experiments { id runCount }
        run(id: "run-001") { id experimentId status seed config iterations { iteration samples trainPassRate loss checkpointId } }
        runs(filter: { experimentId: "exp-arith" }) { id status }
      }`);
      expect(body.errors).toBeUndefined();
      expect(body.data.experiments).toEqual([{ id: 'exp-arith', runCount: body.data.runs.length }]);
      expect(body.data.run).toMatchObject({ id: 'run-001', experimentId: 'exp-arith', status: 'SUCCEEDED', seed: 42 });
      expect(body.data.run.config.curriculum.strategy).toBe('success-band');
      expect(body.data.run.iterations).toEqual([
        { iteration: 1, samples: 1, trainPassRate: 1, loss: 0.693, checkpointId: 'ckpt-b3b3b3b3b3b3' },
      ]);
      expect(body.data.runs.map((r: { id: string }) => r.id)).toContain('run-001');
    });

    it("serves a run's logged metrics by name", async () => {
      const { body } = await fx.graphql(`{ run(id: "run-001") { metrics(names: ["loss", "kl", "absent"]) { name count downsampled points { step value } } } }`);
      expect(body.errors).toBeUndefined();
      expect(body.data.run.metrics).toEqual([
        { name: 'kl', count: 1, downsampled: false, points: [{ step: 120, value: null }] },
        { name: 'loss', count: 1, downsampled: false, points: [{ step: 120, value: 0.41 }] },
      ]);
      const all = await fx.graphql(`{ run(id: "run-001") { metrics { name } } }`);
      expect(all.body.data.run.metrics.map((m: { name: string }) => m.name)).toEqual(['grad_norm', 'kl', 'loss', 'lr', 'moe/expert_load/3']);
      const bad = await fx.graphql(`{ run(id: "run-001") { metrics(maxPoints: 1) { name } } }`);
      expect(bad.body.errors?.[0].message).toMatch(/maxPoints must be between 2 and 10000, got 1/);
    });

    it('pages samples with cursors and filters, with verdicts and rewards', async () => {
      const first = await fx.graphql(`{ samples(runId: "lb-run", first: 3) { edges { cursor node { id attempt verdict } } pageInfo { hasNextPage endCursor } } }`);
      expect(first.body.errors).toBeUndefined();
      const page1 = first.body.data.samples;
      expect(page1.edges).toHaveLength(3);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const second = await fx.graphql(`query($after: String) { samples(runId: "lb-run", first: 3, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`, {
        after: page1.pageInfo.endCursor,
      });
      expect(second.body.data.samples.edges).toHaveLength(1);
      expect(second.body.data.samples.pageInfo.hasNextPage).toBe(false);
      const correct = await fx.graphql(`{ samples(runId: "lb-run", filter: { verdict: CORRECT }) { edges { node { id verdict problemId } } } }`);
      expect(correct.body.data.samples.edges).toEqual([{ node: { id: 'lb-run/s/lb/p1/0', verdict: 'CORRECT', problemId: 'lb/p1' } }]);
      const judged = await fx.graphql(`{ samples(runId: "run-001") { edges { node { verdict reward verifierId } } } }`);
      expect(judged.body.data.samples.edges).toEqual([{ node: { verdict: 'CORRECT', reward: 1, verifierId: 'arith-exact' } }]);
      const bad = await fx.graphql(`{ samples(runId: "lb-run", after: "!!") { edges { cursor } } }`);
      expect(bad.body.errors?.[0].message).toMatch(/is not a cursor returned by this API/);
    });

    it('walks lineage up and down from a checkpoint', async () => {
      const { body } = await fx.graphql(`{ lineage(id: "ckpt-b3b3b3b3b3b3", direction: UP, depth: 3) { nodes { id kind distance } edges { parentId childId relation } truncated } }`);
      expect(body.errors).toBeUndefined();
      const nodes = Object.fromEntries(body.data.lineage.nodes.map((n: { id: string; kind: string; distance: number }) => [n.id, [n.kind, n.distance]]));
      expect(nodes).toMatchObject({
        'ckpt-b3b3b3b3b3b3': ['CHECKPOINT', 0],
        'run-001/batch/1/0': ['REPLAY_BATCH', 1],
        'ckpt-0': ['CHECKPOINT', 1],
        'run-001/s/1/arith-train-0001/0': ['SAMPLE', 2],
        'arith/train/0001': ['PROBLEM', 3],
      });
      expect(body.data.lineage.edges).toContainEqual({ parentId: 'run-001/batch/1/0', childId: 'ckpt-b3b3b3b3b3b3', relation: 'trained_on' });
      const down = await fx.graphql(`{ lineage(id: "arith/train/0001", direction: DOWN, depth: 1) { nodes { id kind } truncated } }`);
      expect(down.body.data.lineage.nodes.map((n: { id: string }) => n.id)).toContain('run-001/s/1/arith-train-0001/0');
      expect(down.body.data.lineage.truncated).toBe(true);
      const tooDeep = await fx.graphql(`{ lineage(id: "x", depth: 11) { truncated } }`);
      expect(tooDeep.body.errors?.[0].message).toBe('depth must be between 1 and 10, got 11');
      const tooWide = await fx.graphql(`{ lineage(id: "x", fanOut: 0) { truncated } }`);
      expect(tooWide.body.errors?.[0].message).toBe('fanOut must be between 1 and 5000, got 0');
      const tooMany = await fx.graphql(`{ lineage(id: "x", limit: 5001) { truncated } }`);
      expect(tooMany.body.errors?.[0].message).toBe('limit must be between 1 and 5000, got 5001');
    });

    it('follows fanOut neighbours per node and says how many it left out', async () => {
      const { body } = await fx.graphql(`{ lineage(id: "arith/train/0001", direction: DOWN, depth: 1, fanOut: 1) {
        nodes { id distance omittedParents omittedChildren } truncated } }`);
      expect(body.errors).toBeUndefined();
      const [root, ...rest] = body.data.lineage.nodes;
      expect(root).toMatchObject({ id: 'arith/train/0001', distance: 0, omittedParents: null });
      expect(root.omittedChildren).toBeGreaterThan(0);
      expect(rest).toEqual([expect.objectContaining({ distance: 1, omittedParents: null, omittedChildren: null })]);
      expect(body.data.lineage.truncated).toBe(true);
    });

    it('ranks checkpoints by unbiased pass@k and says when n < k', async () => {
      const { body } = await fx.graphql(`{ leaderboard(benchmark: "arith", metric: PASS_AT_K, k: 2) { rows { rank checkpointId value problems minAttempts solved note } } }`);
      expect(body.errors).toBeUndefined();
      const row = body.data.leaderboard.rows.find((r: { checkpointId: string }) => r.checkpointId === 'ckpt-lb');
      // p1: n=3, c=1, k=2 -> 1 - C(2,2)/C(3,2) = 2/3; p2 has n=1 < k and is left out.
      expect(row.value).toBeCloseTo(2 / 3, 10);
      expect(row).toMatchObject({ problems: 2, minAttempts: 1, solved: 1, note: '1 of 2 problems have fewer than k=2 attempts and are left out' });
      const k5 = await fx.graphql(`{ leaderboard(benchmark: "arith", metric: PASS_AT_K, k: 5) { rows { checkpointId value note } } }`);
      expect(k5.body.data.leaderboard.rows.find((r: { checkpointId: string }) => r.checkpointId === 'ckpt-lb')).toEqual({
        checkpointId: 'ckpt-lb',
        value: null,
        note: 'every problem has fewer than k=5 attempts',
      });
      const solved = await fx.graphql(`{ leaderboard(benchmark: "arith", metric: SOLVED, groupBy: RUN) { rows { runId value } } }`);
      expect(solved.body.data.leaderboard.rows).toContainEqual({ runId: 'lb-run', value: 1 });
    });

    it("hides other teams' data entirely", async () => {
      const { body } = await fx.graphql(
        `{ experiments { id } run(id: "run-001") { id } runs { id } samples(runId: "run-001") { edges { cursor } }
           lineage(id: "ckpt-0", depth: 2) { nodes { id } }
           leaderboard(benchmark: "arith", metric: PASS_AT_K) { rows { checkpointId } } }`,
        undefined,
        fx.keys.beta,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({
        experiments: [],
        run: null,
        runs: [],
        samples: { edges: [] },
        lineage: { nodes: [{ id: 'ckpt-0' }] },
        leaderboard: { rows: [] },
      });
    });

    it('refuses requests without a valid key', async () => {
      const result = await fx.graphql('{ experiments { id } }', undefined, 'xp_wrong');
      expect(result.status).toBe(401);
      expect(result.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('rejects queries that are too costly, with a clear error', async () => {
      const modest = await fx.graphql(`{ runs(first: 20) { id iterations { iteration loss } } }`);
      expect(modest.body.errors).toBeUndefined();
      const costly = await fx.graphql(`{ runs(first: 500) { id iterations { iteration samples trainPassRate heldOutPassAt1 meanReward loss checkpointId } } }`);
      expect(costly.status).toBe(400);
      expect(costly.body.errors?.[0].message).toMatch(/^query cost \d+ exceeds the limit of 50000; ask for fewer items/);
    });

    it('ingests events through a mutation with per-event results', async () => {
      const [good] = exampleEvents();
      const { body } = await fx.graphql(`mutation($events: [JSON!]!) { ingestEvents(events: $events) { accepted rejected { index reasons } } }`, {
        events: [{ ...good, eventId: '0193a1b2-c3d4-7ddd-8abc-000000000ddd', runId: 'run-gql' }, { ...good, seq: -1 }],
      });
      expect(body.data.ingestEvents).toEqual({ accepted: 1, rejected: [{ index: 2, reasons: ['/seq must be >= 0'] }] });
    });

    it('streams run progress over graphql-ws to authenticated clients', async () => {
      const client = createClient({ url: fx.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${fx.keys.alpha}` }, retryAttempts: 0 });
      const messages: any[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: 'subscription { runProgress(runId: "run-001") { runId iteration trainPassRate finished } }' },
          { next: (m) => messages.push(m.data?.runProgress), error: reject, complete: resolve },
        );
      });
      await client.dispose();
      expect(messages).toEqual([
        { runId: 'run-001', iteration: 1, trainPassRate: 1, finished: false },
        { runId: 'run-001', iteration: 1, trainPassRate: 1, finished: true },
      ]);
    });
  });

  describe('operations endpoints', () => {
    it('serves health, readiness and Prometheus metrics', async () => {
      expect((await fetch(`${fx.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${fx.url}/readyz`)).json()).toEqual({ status: 'ready' });
      const metrics = await (await fetch(`${fx.url}/metrics`)).text();
      expect(metrics).toMatch(/^xp_events_ingested_total\{source="http"\} \d+/m);
      expect(metrics).toMatch(/^xp_graphql_request_duration_seconds_bucket/m);
    });
  });
});
