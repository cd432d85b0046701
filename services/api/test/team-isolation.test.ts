/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TOPICS } from '@xp/event-log';
import { InProcessLoopControl } from '../../cli/src/loop-control';
import { exampleEvents, openApiFixture, type ApiFixture } from './api-fixture';

const MISSING_RUN = 'run-that-never-was';

describe("another team's runs, through the mutations and graphql-ws", () => {
  let fx: ApiFixture;
  const loopFailures: unknown[] = [];
  /** A run of team alpha, trained by the loop in this process; beta's key must find nothing of it, through any door. */
  let ALPHA_RUN: string;

  beforeAll(async () => {
    fx = await openApiFixture({ loop: (log, dir) => new InProcessLoopControl(log, dir, (_runId, error) => loopFailures.push(error)) });
    const started = await fx.graphql('mutation { startRun(input: { iterations: 1, seed: 5 }) { id } }', undefined, fx.keys.alpha);
    ALPHA_RUN = started.body.data.startRun.id;
    const deadline = Date.now() + 60_000;
    for (;;) {
      await fx.projected();
      const { body } = await fx.graphql(`{ run(id: "${ALPHA_RUN}") { status } }`, undefined, fx.keys.alpha);
      if (body.data.run?.status === 'SUCCEEDED') break;
      if (Date.now() > deadline || loopFailures.length > 0) throw new Error(`run ${ALPHA_RUN} did not succeed: ${JSON.stringify(body)} ${loopFailures}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);
  afterAll(() => fx.dispose());

  const appended = async () => (await fx.log.endOffsets(TOPICS.events)).reduce((a, b) => a + b, 0);
  /** The errors an operation gets, with the run id made generic, so another team's run and a missing one compare equal. */
  const errorsOf = async (query: string, runId: string, key: string) => {
    const { body } = await fx.graphql(query.replace('RUN', runId), undefined, key);
    return { data: body.data, errors: body.errors?.map((e) => ({ message: e.message.replace(runId, 'RUN'), code: e.extensions?.code })) };
  };

  it('replayRun answers the owner and treats another team as if the run did not exist', async () => {
    const replay = 'mutation { replayRun(id: "RUN") { runId identical } }';
    const own = await fx.graphql(replay.replace('RUN', ALPHA_RUN), undefined, fx.keys.alpha);
    expect(own.body).toEqual({ data: { replayRun: { runId: ALPHA_RUN, identical: true } } });
    const foreign = await errorsOf(replay, ALPHA_RUN, fx.keys.beta);
    expect(foreign).toEqual({ data: null, errors: [{ message: "run 'RUN' not found", code: 'NOT_FOUND' }] });
    expect(foreign).toEqual(await errorsOf(replay, MISSING_RUN, fx.keys.beta));
  });

  it('forkRun refuses another team as if the run did not exist, and appends nothing', async () => {
    const fork = 'mutation { forkRun(id: "RUN", atOffset: 3, curriculum: "uniform") { id } }';
    const before = await appended();
    const foreign = await errorsOf(fork, ALPHA_RUN, fx.keys.beta);
    expect(foreign).toEqual({ data: null, errors: [{ message: "run 'RUN' not found", code: 'NOT_FOUND' }] });
    expect(foreign).toEqual(await errorsOf(fork, MISSING_RUN, fx.keys.beta));
    expect(await appended()).toBe(before);
    expect(loopFailures).toEqual([]);
  });

  it("ingestEvents rejects events of another team with the reason, appending none of them", async () => {
    const [event] = exampleEvents();
    const before = await appended();
    const { body } = await fx.graphql(
      `mutation($events: [JSON!]!) { ingestEvents(events: $events) { accepted rejected { index reasons } } }`,
      { events: [{ ...event, eventId: '0193a1b2-c3d4-7eee-8abc-000000000eee', runId: ALPHA_RUN }] },
      fx.keys.beta,
    );
    expect(body.data.ingestEvents).toEqual({ accepted: 0, rejected: [{ index: 1, reasons: ["/team must be 'beta', the team of your API key"] }] });
    expect(await appended()).toBe(before);
  });

  describe('graphql-ws', () => {
    const subscribe = (authorization: string | undefined, runId: string) => {
      const client = createClient({
        url: fx.url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: authorization === undefined ? {} : { authorization },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
      });
      const messages: unknown[] = [];
      const outcome = new Promise<{ completed: true } | { error: unknown }>((resolve) => {
        client.subscribe(
          { query: `subscription { runProgress(runId: "${runId}") { runId iteration finished } }` },
          { next: (m) => messages.push(m), error: (error) => resolve({ error }), complete: () => resolve({ completed: true }) },
        );
      });
      return { messages, outcome: outcome.finally(() => client.dispose()) };
    };
    const closeCode = (outcome: { error?: unknown }) => (outcome.error as { code?: number } | undefined)?.code;

    it('refuses a socket without a key or with a wrong one', async () => {
      const missing = subscribe(undefined, ALPHA_RUN);
      const wrong = subscribe('Bearer xp_wrong', ALPHA_RUN);
      expect(closeCode(await missing.outcome)).toBe(4403);
      expect(closeCode(await wrong.outcome)).toBe(4403);
      expect([missing.messages, wrong.messages]).toEqual([[], []]);
    });

    it("answers runProgress on another team's run as on a run that does not exist, and ends", async () => {
      const foreign = subscribe(`Bearer ${fx.keys.beta}`, ALPHA_RUN);
      const missing = subscribe(`Bearer ${fx.keys.beta}`, MISSING_RUN);
      const own = subscribe(`Bearer ${fx.keys.alpha}`, ALPHA_RUN);
      expect(await foreign.outcome).toEqual({ completed: true });
      expect(await missing.outcome).toEqual({ completed: true });
      const generic = (messages: unknown[], runId: string) => JSON.parse(JSON.stringify(messages).replaceAll(runId, 'RUN'));
      expect(generic(foreign.messages, ALPHA_RUN)).toEqual([{ data: null, errors: [expect.objectContaining({ message: "run 'RUN' not found" })] }]);
      expect(generic(foreign.messages, ALPHA_RUN)).toEqual(generic(missing.messages, MISSING_RUN));
      expect(await own.outcome).toEqual({ completed: true });
      expect(own.messages).toEqual([
        { data: { runProgress: { runId: ALPHA_RUN, iteration: 0, finished: false } } },
        { data: { runProgress: { runId: ALPHA_RUN, iteration: 1, finished: false } } },
        { data: { runProgress: { runId: ALPHA_RUN, iteration: 1, finished: true } } },
      ]);
    }, 90_000);
  });
});
