/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import type { XpEvent } from '@xp/events';
import { KafkaEventLog, namespacedLog, type EventLog, type Subscription } from '@xp/event-log';
import { hashCanonical } from '../canonical-hash';
import { readRunEvents } from '../loop/run-history';
import { runLoop } from '../loop/run-loop';
import { verifyReplay } from '../loop/verify-replay';
import { openTempLog, SMALL_LOOP, type TempLog } from '../testing/loop-fixtures';
import { startAllServices } from './services-testing';
import { startRunForServices, waitForRunFinished } from './start-run';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** Decision hashes, checkpoints, samples and evaluations: what must not depend on the log adapter or the run id. */
async function decisionFingerprint(log: EventLog, runId: string): Promise<string[]> {
  return (await readRunEvents(log, runId)).flatMap(({ event }: { event: XpEvent }) => {
    if (event.type === 'curriculum.decided' || event.type === 'replay.batch') return [`${event.type}:${event.payload.outputHash}:${event.payload.seed}`];
    if (event.type === 'model.updated') return [`checkpoint:${event.payload.sha256}`];
    if (event.type === 'sample.generated') return [`sample:${hashCanonical([event.payload.seed, event.payload.output])}`];
    if (event.type === 'evaluation.completed') return [`evaluation:${hashCanonical(event.payload)}`];
    return [];
  });
}

describe('loop services on Kafka', () => {
  let embedded: TempLog;
  let broker: KafkaEventLog;
  let kafka: EventLog;
  let services: Subscription[] = [];
  beforeAll(async () => {
    embedded = await openTempLog();
    broker = await KafkaEventLog.connect({ brokers });
    // Topics and groups of this test alone: other test runs on the shared broker run loop services in the same groups.
    kafka = namespacedLog(broker, `kafka-services-${Date.now()}`);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await broker.close();
    await embedded.dispose();
  });

  it('drive a run to the decisions runLoop makes on the embedded log', async () => {
    const run = { seed: 5, iterations: 1, config: SMALL_LOOP };
    // The broker outlives the test run, so each run needs an id of its own.
    const runId = `kafka-services-${Date.now()}`;
    await runLoop({ ...run, runId: 'reference', log: embedded.log, dataDir: embedded.dir });
    const errors: unknown[] = [];
    services = await startAllServices(() => kafka, embedded.dir, [], errors);
    await startRunForServices({ ...run, runId, log: kafka });
    expect(await waitForRunFinished(kafka, runId, { timeoutMs: 90000 })).toMatchObject({ status: 'succeeded', iterations: 1 });
    expect(errors).toEqual([]);
    expect(await decisionFingerprint(kafka, runId)).toEqual(await decisionFingerprint(embedded.log, 'reference'));
    expect(await verifyReplay(kafka, runId)).toMatchObject({ status: 'identical' });
  }, 120000);
});
