import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog } from '../src';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('KafkaEventLog.read', () => {
  let log: KafkaEventLog;
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  beforeAll(async () => {
    log = await KafkaEventLog.connect({ brokers });
    await admin.connect();
  });
  afterAll(async () => {
    await log.close();
    await admin.disconnect();
  });

  it('reads a range of a partition without joining or leaving behind a consumer group', async () => {
    const topic = `xp-test-read-${randomUUID()}`;
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
    const positions = await log.append(topic, Array.from({ length: 30 }, (_, i) => ({ key: 'run-a', value: Buffer.from(`v${i}`) })));
    const partition = positions[0].partition;
    const groupsBefore = new Set((await admin.listGroups()).groups.map((g) => g.groupId));

    const records = await log.read(topic, partition, 10, 5);
    expect(records.map((r) => r.value.toString())).toEqual(['v10', 'v11', 'v12', 'v13', 'v14']);
    expect(records.map((r) => r.offset)).toEqual([10, 11, 12, 13, 14].map((i) => positions[0].offset + i));
    expect(await log.read(topic, partition, positions[0].offset + 28, 100)).toHaveLength(2);

    const newGroups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !groupsBefore.has(g));
    expect(newGroups).toEqual([]);
  });
});
