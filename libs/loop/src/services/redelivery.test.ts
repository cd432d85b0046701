/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import type { EventLog, SubscribeOptions, Subscription } from '@xp/event-log';
import { TOPICS } from '@xp/event-log';
import { readRunEvents } from '../loop/run-history';
import { runLoop } from '../loop/run-loop';
import { verifyReplay } from '../loop/verify-replay';
import { openTempLog, SMALL_LOOP, type TempLog } from '../testing/loop-fixtures';
import { loopServiceGroup, startLoopService, type LoopDecision } from './loop-service';
import { comparableRun, startAllServices } from './services-testing';
import { startRunForServices, waitForRunFinished } from './start-run';

const RUN = { runId: 'again', seed: 23, iterations: 2, curriculum: 'drop-solved' as const, config: SMALL_LOOP };

class SimulatedCrash extends Error {}

/**
 * A service's view of the log in which the service dies right after each of its appends, before
 * its consumer commits: the decision is in the log, and the batch that led to it is delivered again.
 */
function crashingAfterAppend(inner: EventLog, onCrash: (crashes: number) => void = () => {}): EventLog {
  let appended = false;
  let crashes = 0;
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'append') {
        return async (...args: Parameters<EventLog['append']>) => {
          const positions = await target.append(...args);
          appended = args[0] === TOPICS.events;
          return positions;
        };
      }
      if (property === 'subscribe') {
        return (options: SubscribeOptions) => target.subscribe({
          ...options,
          handler: async (batch, context) => {
            const outcome = await options.handler(batch, context);
            if (!appended) return outcome;
            appended = false;
            onCrash(++crashes);
            throw new SimulatedCrash(`crash #${crashes} after appending, before committing`);
          },
        });
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

describe('loop services under redelivery', () => {
  let orchestrated: TempLog;
  let choreographed: TempLog;
  let services: Subscription[] = [];
  beforeEach(async () => {
    orchestrated = await openTempLog();
    choreographed = await openTempLog();
    await runLoop({ ...RUN, log: orchestrated.log, dataDir: orchestrated.dir });
  });
  afterEach(async () => {
    await Promise.all(services.map((s) => s.stop()));
    services = [];
    await orchestrated.dispose();
    await choreographed.dispose();
  });

  it('append each decision once when every batch that led to one is delivered again', async () => {
    const decisions: LoopDecision[] = [];
    const errors: unknown[] = [];
    services = await startAllServices(() => crashingAfterAppend(choreographed.log), orchestrated.dir, decisions, errors);
    await startRunForServices({ ...RUN, log: choreographed.log });
    await waitForRunFinished(choreographed.log, RUN.runId, { timeoutMs: 50000 });

    expect(errors.length).toBe(decisions.length);
    expect(errors.every((e) => e instanceof SimulatedCrash)).toBe(true);
    expect(await comparableRun(choreographed.log, RUN.runId)).toEqual(await comparableRun(orchestrated.log, RUN.runId));
    expect(await verifyReplay(choreographed.log, RUN.runId)).toMatchObject({ status: 'identical' });
  });

  it('append no duplicate when a trainer dies mid-run after appending and a new one takes over', async () => {
    const { log } = choreographed;
    const dataDir = orchestrated.dir;
    let dying: Subscription | undefined;
    let died!: () => void;
    const stopped = new Promise<void>((resolve) => (died = resolve));
    // Its first append is the initial checkpoint, its second iteration 1's model.updated: it dies then.
    const trainerLog = crashingAfterAppend(log, (crashes) => crashes === 2 && void dying!.stop().then(died));
    dying = await startLoopService('trainer', { log: trainerLog, dataDir });
    services = await Promise.all((['curriculum', 'sampler', 'replay', 'evaluator'] as const).map((name) => startLoopService(name, { log, dataDir })));
    await startRunForServices({ ...RUN, log });
    await stopped;

    const partition = await log.partitionFor(TOPICS.events, RUN.runId);
    const committed = (await log.committedOffsets(loopServiceGroup('trainer'), TOPICS.events))[partition];
    const models = (await readRunEvents(log, RUN.runId)).filter((e) => e.event.type === 'model.updated');
    expect(models).toHaveLength(2);
    expect(committed).toBeLessThan(models[1].offset);

    const decisions: LoopDecision[] = [];
    services.push(await startLoopService('trainer', { log, dataDir, onDecision: (d) => decisions.push(d) }));
    await waitForRunFinished(log, RUN.runId, { timeoutMs: 50000 });
    expect(decisions.map((d) => `${d.kind}:${d.iteration}`)).toEqual(['training:2']);
    expect(await comparableRun(log, RUN.runId)).toEqual(await comparableRun(orchestrated.log, RUN.runId));
  });
});
