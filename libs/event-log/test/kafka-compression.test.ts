import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog, recordBytes, type KafkaCompression, type LogMessage, type LogRecord } from '../src';
import { prose } from './prose';

// The jest globalSetup starts the local broker (infra/kafka) when none answers; its log dirs are on this machine.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('Kafka batch compression on the broker', () => {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  const logs: KafkaEventLog[] = [];
  const connect = async (compression: KafkaCompression, maxBatchBytes?: number) => {
    const log = await KafkaEventLog.connect({ brokers, compression, maxBatchBytes });
    logs.push(log);
    return log;
  };
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(logs.map((l) => l.close()));
    await admin.disconnect();
  });

  /** Bytes of the topic's partition 0 in the broker's log segments. */
  async function bytesOnBroker(topic: string): Promise<number> {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['log.dirs'] }] });
    const dir = join(resources[0].configEntries.find((e) => e.configName === 'log.dirs')!.configValue.split(',')[0], `${topic}-0`);
    return readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  }

  it('stores 4 KB text records in under 0.6x of their bytes with lz4 and gzip, and reads them back as written', async () => {
    const messages: LogMessage[] = Array.from({ length: 100 }, (_, i) => ({ key: 'run-z', value: Buffer.from(prose(i, 4096)), headers: { n: String(i) } }));
    const stored: Record<string, number> = {};
    for (const compression of ['none', 'lz4', 'gzip'] as const) {
      const topic = `xp-test-compression-${compression}-${randomUUID()}`;
      const log = await connect(compression);
      await log.ensureTopics([{ name: topic, partitions: 1 }]);
      await log.append(topic, messages);
      const read = await log.read(topic, 0, 0, 1000);
      expect(read.map((r) => [r.offset, r.value.toString(), r.headers])).toEqual(messages.map((m, i) => [i, m.value.toString(), m.headers]));
      stored[compression] = await bytesOnBroker(topic);
    }
    expect(stored.none).toBeGreaterThan(100 * 4096);
    expect(stored.lz4).toBeLessThan(0.6 * stored.none);
    expect(stored.gzip).toBeLessThan(0.6 * stored.none);
  });

  it.each(['lz4', 'gzip'] as const)(
    'accepts an incompressible record at the size the topic is said to take, inside a transactional multi-request append (%s)',
    async (compression) => {
      const topic = `xp-test-limit-${compression}-${randomUUID()}`;
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '200000' }] }] });
      const limit = (await (await connect(compression)).maxRecordBytes(topic))!;
      expect(limit).toBeLessThan(200000 - 61);
      const atLimit: LogMessage = { key: 'run-l', value: Buffer.alloc(0) };
      atLimit.value = randomBytes(limit - recordBytes(atLimit));
      expect(recordBytes(atLimit)).toBe(limit);
      const text = (i: number): LogMessage => ({ key: 'run-l', value: Buffer.from(prose(i, 4096)) });
      const messages = [...Array.from({ length: 30 }, (_, i) => text(i)), atLimit, ...Array.from({ length: 30 }, (_, i) => text(100 + i))];
      // Requests bounded by the limit: the text goes in batches around the record that fills one alone.
      const log = await connect(compression, limit);
      const positions = await log.append(topic, messages);
      expect(positions.map((p) => p.offset)).toEqual(messages.map((_, i) => i));
      // A transaction's records become readable once the broker wrote its commit markers: read until they are.
      const read: LogRecord[] = [];
      for (const deadline = Date.now() + 10_000; read.length < messages.length && Date.now() < deadline; ) {
        read.push(...(await log.read(topic, 0, read.length, 1000, 10_000_000)));
      }
      expect(read.map((r) => r.value.equals(messages[r.offset].value))).toEqual(messages.map(() => true));
    },
  );
});
