import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog } from '../src';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('Kafka topics in production', () => {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  const logs: KafkaEventLog[] = [];
  const open = async (options: Partial<Parameters<typeof KafkaEventLog.connect>[0]>) => {
    const log = await KafkaEventLog.connect({ brokers, ...options });
    logs.push(log);
    return log;
  };
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(logs.map((l) => l.close()));
    await admin.disconnect();
  });

  it('are never created by the application when it must not create topics; a missing one is a clear error', async () => {
    const topic = `xp-test-missing-${randomUUID()}`;
    const log = await open({ createTopics: false });
    await expect(log.ensureTopics([{ name: topic, partitions: 4 }])).rejects.toThrow(
      new RegExp(`Kafka topic\\(s\\) ${topic} do not exist, and this deployment does not create topics \\(XP_KAFKA_CREATE_TOPICS=false\\): apply the KafkaTopic manifests`),
    );
    await expect(log.append(topic, [{ key: 'k', value: Buffer.from('v') }])).rejects.toThrow(/do not exist/);
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('have their partition count read again, and a count changed under a running process stops its appends', async () => {
    const topic = `xp-test-grown-${randomUUID()}`;
    const log = await open({ partitionCountTtlMs: 0 });
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
    await log.append(topic, [{ key: 'run-a', value: Buffer.from('before') }]);
    await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
    await expect(log.append(topic, [{ key: 'run-a', value: Buffer.from('after') }])).rejects.toThrow(
      new RegExp(`topic ${topic} now has 3 partitions, not the 2 this process started with: runs are keyed to partitions`),
    );
    await expect(log.partitionFor(topic, 'run-a')).rejects.toThrow(/now has 3 partitions/);
  });
});
