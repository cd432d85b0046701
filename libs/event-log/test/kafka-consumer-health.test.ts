import { randomUUID } from 'node:crypto';
import { Kafka, KafkaJSNonRetriableError, type Consumer } from 'kafkajs';
import { KafkaEventLog, type Subscription } from '../src';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('a Kafka consumer that died', () => {
  let log: KafkaEventLog;
  let subscription: Subscription | undefined;
  afterAll(async () => {
    await subscription?.stop();
    await log.close();
    jest.restoreAllMocks();
  });

  it('says why, so the service health check can fail', async () => {
    // A commit refused for good (as an authorization failure would be): kafkajs does not restart the consumer.
    const original = Kafka.prototype.consumer;
    jest.spyOn(Kafka.prototype, 'consumer').mockImplementation(function (this: Kafka, ...args: Parameters<Kafka['consumer']>) {
      const consumer: Consumer = original.apply(this, args);
      const run = consumer.run.bind(consumer);
      consumer.run = (config) => run({
        ...config,
        eachBatch: (payload) => config!.eachBatch!({ ...payload, commitOffsetsIfNecessary: async () => { throw new KafkaJSNonRetriableError('commit refused'); } }),
      });
      return consumer;
    });
    log = await KafkaEventLog.connect({ brokers });
    const topic = `xp-test-health-${randomUUID()}`;
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    subscription = await log.subscribe({ topic, groupId: `xp-test-health-${randomUUID()}`, handler: async () => undefined });
    expect(subscription.failure?.()).toBeUndefined();

    await log.append(topic, [{ key: 'k', value: Buffer.from('v') }]);
    for (const deadline = Date.now() + 10000; !subscription.failure?.() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    expect(subscription.failure?.()?.message).toMatch(/commit refused/);
  });
});
