/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { Kafka, type Producer, type ProducerRecord } from 'kafkajs';
import { KafkaEventLog, namespacedLog, type EventLog, type Subscription } from '@xp/event-log';
import { readRunEvents, runLoop, startRunForServices, verifyReplay, waitForRunFinished } from '@xp/loop';
import { startAllServices } from '../../libs/loop/src/services/services-testing';
import { openTempLog, SMALL_LOOP, type TempLog } from '../../libs/loop/src/testing/loop-fixtures';
import { ensureKafkaCluster, releaseCluster, takeCluster } from '../setup/kafka-cluster';

const RUN = { seed: 41, iterations: 1, config: SMALL_LOOP };

/**
 * Fails, once, the produce request that follows the first request of a sampling decision (one
 * starting with a sample.generated event) in the same transaction: a decision cut into several
 * requests by a small split size loses its second request, as when a broker or the network fails in
 * between. Other appends of the process (run starts, scan starts) go by untouched.
 */
function failSecondRequestOnce(): { failures: () => number } {
  let failures = 0;
  const original = Kafka.prototype.producer;
  jest.spyOn(Kafka.prototype, 'producer').mockImplementation(function (this: Kafka, ...args: Parameters<Kafka['producer']>) {
    const producer: Producer = original.apply(this, args);
    const transaction = producer.transaction.bind(producer);
    producer.transaction = async () => {
      const tx = await transaction();
      const txSend = tx.send.bind(tx);
      let armed = false;
      tx.send = async (record: ProducerRecord) => {
        if (armed && failures === 0) {
          failures++;
          throw new Error('injected failure of the second produce request');
        }
        if (failures === 0 && (record.messages[0]?.value?.toString() ?? '').includes('"type":"sample.generated"')) armed = true;
        return txSend(record);
      };
      return tx;
    };
    return producer;
  });
  return { failures: () => failures };
}

describe('a decision cut into several produce requests, on the three-broker cluster', () => {
  let embedded: TempLog;
  let kafka: KafkaEventLog;
  let services: Subscription[] = [];
  let brokers: string[];
  beforeAll(async () => {
    brokers = ensureKafkaCluster();
    await takeCluster();
    embedded = await openTempLog();
  }, 400000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await kafka?.close();
    await embedded?.dispose();
    jest.restoreAllMocks();
    releaseCluster();
  });

  it('lands whole or not at all when its second request fails, and the run finishes', async () => {
    const injected = failSecondRequestOnce();
    kafka = await KafkaEventLog.connect({ brokers, maxBatchBytes: 16_000 });
    // Topics and groups of this test alone: other tests on the cluster run loop services in the same groups.
    const log = namespacedLog(kafka, `large-decision-${Date.now()}`);
    await runLoop({ ...RUN, runId: 'reference', log: embedded.log, dataDir: embedded.dir });
    const runId = `large-decision-${Date.now()}`;
    services = await startAllServices(() => log, embedded.dir);
    await startRunForServices({ ...RUN, runId, log });

    expect(await waitForRunFinished(log, runId, { timeoutMs: 60000 })).toMatchObject({ status: 'succeeded', iterations: 1 });
    expect(injected.failures()).toBe(1);
    const samples = async (log: EventLog, id: string) =>
      (await readRunEvents(log, id)).filter((e) => e.event.type === 'sample.generated' || e.event.type === 'reward.assigned')
        .map((e) => `${e.event.type}:${JSON.stringify(e.event.payload).replaceAll(id, 'RUN')}`);
    expect(await samples(log, runId)).toEqual(await samples(embedded.log, 'reference'));
    expect(await verifyReplay(log, runId)).toMatchObject({ status: 'identical' });
  }, 120000);
});
