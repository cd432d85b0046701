import { randomUUID } from 'node:crypto';
import { KafkaEventLog, type Subscription } from '../src';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const SESSION_TIMEOUT_MS = 6000;

describe('a Kafka consumer whose handler runs past the session timeout', () => {
  let log: KafkaEventLog;
  let subscription: Subscription | undefined;
  beforeAll(async () => {
    log = await KafkaEventLog.connect({ brokers, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  });
  afterAll(async () => {
    await subscription?.stop();
    await log.close();
  });

  it('keeps its membership (heartbeats while the handler works), so the batch is not delivered twice', async () => {
    const topic = `xp-test-heartbeat-${randomUUID()}`;
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    await log.append(topic, [{ key: 'k', value: Buffer.from('slow') }]);
    const deliveries: number[] = [];
    let released!: () => void;
    const done = new Promise<void>((resolve) => (released = resolve));
    subscription = await log.subscribe({
      topic,
      groupId: `xp-test-heartbeat-${randomUUID()}`,
      handler: async (batch) => {
        deliveries.push(...batch.map((r) => r.offset));
        if (deliveries.length === 1) await new Promise((resolve) => setTimeout(resolve, SESSION_TIMEOUT_MS * 1.7));
        released();
      },
    });
    await done;
    // An evicted member rejoins and is handed its uncommitted batch again within a few seconds.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(deliveries).toEqual([0]);
  }, 40000);
});
