import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Subscription } from '@xp/event-log';
import { DecisionFeed, externalConfigIssue, startLoopService } from '@xp/loop';
import { EXTERNAL_CONFIG, FakeExternalLoop } from '../../../libs/loop/src/testing/external-loop-fixture';
import { openApiFixture, type ApiFixture } from './api-fixture';

/** The decisions long poll over HTTP, on real parts: embedded log, chDB, the curriculum and replay services. */
describe('GET /v1/runs/{runId}/decisions', () => {
  let api: ApiFixture;
  let services: Subscription[];
  let loop: FakeExternalLoop;
  const get = (path: string, key = api.keys.alpha) => fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const lines = async (response: Response) => (await response.text()).trim().split('\n').map((l) => JSON.parse(l));

  beforeAll(async () => {
    api = await openApiFixture({ decisions: (log) => new DecisionFeed(log), admitEvent: externalConfigIssue });
    services = await Promise.all((['curriculum', 'replay'] as const).map((name) => startLoopService(name, { log: api.log, dataDir: api.dir })));
    loop = new FakeExternalLoop(api.log, 'http-ext', 'alpha');
    await loop.start();
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await api.dispose();
  });

  it('answers 204 after the wait with what the run waits for, then delivers a decision the moment it is appended', async () => {
    const empty = await get('/v1/runs/http-ext/decisions?after=0&wait=1');
    expect(empty.status).toBe(204);
    expect(empty.headers.get('x-xp-waiting')).toBe('waiting for the trainer: no first checkpoint (model.updated) reported yet');

    const poll = get('/v1/runs/http-ext/decisions?after=0&wait=20');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await loop.append(loop.modelUpdated(), loop.evaluation(0.1));
    const started = Date.now();
    const response = await poll;
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const [decision] = await lines(response);
    expect(decision).toMatchObject({ type: 'curriculum.decided', event: { producer: 'xp-loop/curriculum', payload: { iteration: 1 } } });
    expect(decision.problems).toHaveLength(4);

    const latest = await (await get('/v1/runs/http-ext/decisions/latest')).json();
    expect(latest).toMatchObject({ offset: decision.offset, iteration: 1, finished: false, waiting: { stage: 'sampler', done: 0, expected: 8 } });
  });

  it('hides other teams\' runs, and refuses bad parameters and a shard taken twice', async () => {
    expect((await get('/v1/runs/http-ext/decisions?after=0', api.keys.beta)).status).toBe(404);
    expect((await get('/v1/runs/http-ext/decisions?after=0')).status).toBe(200);
    expect((await get('/v1/runs/http-ext/decisions?after=-1')).status).toBe(400);
    expect((await get('/v1/runs/http-ext/decisions?after=0&shard=0&of=2')).status).toBe(400);

    const [mine] = await lines(await get('/v1/runs/http-ext/decisions?after=0&shard=1&of=2&worker=a'));
    expect(mine.problems.map((p: { index: number }) => p.index)).toEqual([1, 3]);
    const taken = await get('/v1/runs/http-ext/decisions?after=0&shard=1&of=2&worker=b');
    expect(taken.status).toBe(409);
    expect((await taken.json()).error).toMatch(/shard 1 of 2 of iteration 1 is already taken by worker a/);
    expect((await get('/v1/runs/http-ext/decisions?after=0&shard=1&of=2&worker=a')).status).toBe(200);
    expect((await get('/v1/runs/http-ext/decisions?after=0&shard=0&of=3&worker=c')).status).toBe(400);
  });

  it('refuses at ingest an external run.started whose stages cannot work, naming the field', async () => {
    const bad = loop.event('run.started', { config: { ...EXTERNAL_CONFIG, stages: { sampler: 'external', verifier: 'builtin' } }, seed: 1, codeVersion: 'x' });
    const response = await fetch(`${api.url}/v1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${api.keys.alpha}`, 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify({ ...bad, runId: 'other-run' })}\n`,
    });
    expect(response.status).toBe(400);
    expect((await response.json()).rejected[0].reasons[0]).toMatch(/^\/payload\/config config.stages.trainer must be "external"/);
  });

  it('answers the decisions query, shows what a run waits for, and streams decisions over graphql-ws', async () => {
    await api.projected();
    const { body } = await api.graphql('{ decisions(runId: "http-ext") { offset type problems } run(id: "http-ext") { waitingFor { stage message done expected } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.decisions).toHaveLength(1);
    expect(body.data.decisions[0]).toMatchObject({ type: 'curriculum.decided', problems: expect.arrayContaining([expect.objectContaining({ index: 0 })]) });
    expect(body.data.run.waitingFor).toEqual({ stage: 'sampler', message: 'waiting for the sampler: 0 of 8 attempts verified and rewarded', done: 0, expected: 8 });
    expect((await api.graphql('{ decisions(runId: "http-ext") { offset } }', undefined, api.keys.beta)).body.errors?.[0].message).toMatch(/not found/);

    const client = createClient({ url: api.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${api.keys.alpha}` }, retryAttempts: 0 });
    const received: Array<{ type: string; offset: number }> = [];
    const streamed = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: `subscription { runDecisions(runId: "http-ext", after: ${body.data.decisions[0].offset + 1}) { offset type samples } }` },
        { next: (m) => { received.push(m.data?.runDecisions as never); if (received.length === 2) resolve(); }, error: reject, complete: resolve },
      );
    });
    const [curriculum] = (await loop.feed.read('alpha', 'http-ext', 0)).decisions;
    const iteration = (curriculum.event.payload as { iteration: number }).iteration;
    await loop.append(...curriculum.problems!.flatMap((p) => p.attempts.flatMap((a) => loop.attempt(a.sampleId, p.problemId, iteration, a.attempt, a.seed, a.attempt === 0))));
    await streamed;
    await loop.append(loop.modelUpdated()); // the partition moves on: the subscription reads again, and each decision comes once
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.dispose();
    expect(received.map((d) => d.type)).toEqual(['replay.batch', 'replay.batch']);
    expect(received[1].offset).toBe(received[0].offset + 1);
  });
});
