/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import type { EventOf, XpEvent } from '@xp/events';
import type { Subscription } from '@xp/event-log';
import { loadRunHistory } from '../loop/run-history';
import { attemptSeed, trainingSampleId } from '../loop/stages/sampling-stage';
import { startLoopService } from '../services/loop-service';
import { RunView } from '../services/run-view';
import { driveRun, FakeExternalLoop } from '../testing/external-loop-fixture';
import { openTempLog, type TempLog } from '../testing/loop-fixtures';
import { DecisionFeed, type DeliveredDecision } from './decision-feed';
import { resolveExternalConfig } from './external-config';

/**
 * The feed's deliveries computed the plain way, from the run's full history at once: the first
 * registration, report, verdict and reward of each fact, joined into each decision.
 */
async function deliveriesFromFullHistory(feed: DecisionFeed, runId: string): Promise<DeliveredDecision[]> {
  const entries = (await loadRunHistory(feed['log'], runId)).entries;
  const start = entries.find((e) => e.own)!.event as EventOf<'run.started'>;
  const config = resolveExternalConfig(start.payload.config);
  const firstOf = <T extends XpEvent['type']>(type: T, key: (e: EventOf<T>) => string) => {
    const found = new Map<string, EventOf<T>>();
    for (const { event } of entries) if (event.type === type && !found.has(key(event as EventOf<T>))) found.set(key(event as EventOf<T>), event as EventOf<T>);
    return found;
  };
  const problems = firstOf('problem.registered', (e) => e.payload.problemId);
  const samples = firstOf('sample.generated', (e) => e.payload.sampleId);
  const verdicts = firstOf('sample.verified', (e) => e.payload.sampleId);
  const rewards = firstOf('reward.assigned', (e) => e.payload.sampleId);
  return entries.filter((e) => e.own && ['curriculum.decided', 'replay.batch', 'run.finished'].includes(e.event.type)).map(({ event, offset }): DeliveredDecision => {
    if (event.type === 'curriculum.decided') {
      const { iteration } = event.payload;
      return {
        offset, type: event.type, event,
        problems: event.payload.problemIds.map((problemId, index) => {
          const { benchmark, difficulty, statement } = problems.get(problemId)!.payload;
          const attempts = Array.from({ length: config.attemptsPerProblem }, (_, attempt) => {
            const sampleId = trainingSampleId(runId, iteration, index, attempt);
            return { sampleId, attempt, seed: attemptSeed(start.payload.seed, 'train', iteration, index, attempt), reported: samples.has(sampleId) && verdicts.has(sampleId) && rewards.has(sampleId) };
          });
          return { index, problemId, benchmark, difficulty, statement, attempts };
        }),
      };
    }
    if (event.type === 'replay.batch') {
      return {
        offset, type: event.type, event,
        samples: event.payload.sampleIds.map((sampleId, i) => ({
          sampleId, problemId: samples.get(sampleId)!.payload.problemId, output: samples.get(sampleId)!.payload.output, reward: rewards.get(sampleId)!.payload.value,
          ...(event.payload.probabilities ? { probability: event.payload.probabilities[i] } : {}),
        })),
      };
    }
    return { offset, type: 'run.finished', event };
  });
}

/** What the run waits for, computed from its full history (as the services see it). */
async function standingFromFullHistory(feed: DecisionFeed, runId: string) {
  const progress = new RunView(runId, (await loadRunHistory(feed['log'], runId)).entries).externalProgress();
  return { finished: progress.finished, waiting: progress.waiting };
}

describe('the decision feed follows runs incrementally', () => {
  let temp: TempLog;
  let services: Subscription[] = [];
  beforeEach(async () => {
    temp = await openTempLog();
    services = await Promise.all((['curriculum', 'replay'] as const).map((name) => startLoopService(name, { log: temp.log, dataDir: temp.dir })));
  });
  afterEach(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await temp.dispose();
  });

  it('delivers what the full history gives, and says what the run waits for after every report', async () => {
    const loop = new FakeExternalLoop(temp.log, 'ext-incremental');
    await loop.start();
    const standings: unknown[][] = [];
    await driveRun(loop, async () => {
      const latest = await loop.feed.latest('default', 'ext-incremental');
      standings.push([{ finished: latest.finished, waiting: latest.waiting }, await standingFromFullHistory(loop.feed, 'ext-incremental')]);
    });
    // Every stage of the run was seen: the trainer, the evaluator, the sampler and a finished run.
    expect(new Set(standings.map(([live]) => (live as { waiting?: { stage: string } }).waiting?.stage ?? 'finished'))).toEqual(new Set(['evaluator', 'sampler', 'trainer', 'curriculum', 'replay', 'finished']));
    for (const [live, full] of standings) expect(live).toEqual(full);

    const expected = await deliveriesFromFullHistory(loop.feed, 'ext-incremental');
    expect(expected.map((d) => d.type)).toEqual(['curriculum.decided', 'replay.batch', 'replay.batch', 'curriculum.decided', 'replay.batch', 'replay.batch', 'run.finished']);
    // The feed that followed the run, and one started afresh on the same log (a restarted API).
    expect((await loop.feed.read('default', 'ext-incremental', 0)).decisions).toEqual(expected);
    expect((await new DecisionFeed(temp.log).read('default', 'ext-incremental', 0)).decisions).toEqual(expected);
  }, 60000);

  it('keeps recent outputs up to its budget and reads older ones back from the log', async () => {
    const loop = new FakeExternalLoop(temp.log, 'ext-small-cache');
    await loop.start();
    await driveRun(loop);
    // Outputs are `answer N` (8 or 9 characters): a budget of 40 keeps the last four or five.
    const feed = new DecisionFeed(temp.log, { outputCacheChars: 40 });
    expect((await feed.read('default', 'ext-small-cache', 0)).decisions).toEqual(await deliveriesFromFullHistory(feed, 'ext-small-cache'));
    expect(feed.held().outputChars).toBeGreaterThan(30);
    expect(feed.held().outputChars).toBeLessThanOrEqual(40);
  }, 60000);

  it('drops a finished run to a summary and rebuilds it from the log when its earlier decisions are read again', async () => {
    const loop = new FakeExternalLoop(temp.log, 'ext-finished');
    await loop.start();
    await driveRun(loop);
    const other = new FakeExternalLoop(temp.log, 'ext-running');
    await other.start();
    // No output cache: every delivered output is read back from the log.
    const feed = new DecisionFeed(temp.log, { outputCacheChars: 0 });
    const { decisions: [finish] } = await feed.read('default', 'ext-finished', (await loop.feed.latest('default', 'ext-finished')).end - 1);
    expect(finish?.type).toBe('run.finished');
    await feed.latest('default', 'ext-running');
    expect(feed.held()).toEqual({ running: 1, finished: 1, rebuilt: 0, outputChars: 0 });
    expect(await feed.latest('default', 'ext-finished')).toMatchObject({ finished: true, iteration: 2 });

    expect((await feed.read('default', 'ext-finished', 0)).decisions).toEqual(await deliveriesFromFullHistory(feed, 'ext-finished'));
    expect(feed.held()).toEqual({ running: 1, finished: 1, rebuilt: 1, outputChars: 0 });
  }, 60000);
});
