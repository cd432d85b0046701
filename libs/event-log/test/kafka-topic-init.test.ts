import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog, MIN_MAX_MESSAGE_BYTES, TOPIC_MAX_MESSAGE_BYTES, topicPlan, type TopicSettings } from '../src';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** The product's three topics under names of this test only. */
function uniquePlan(settings: TopicSettings) {
  const id = randomUUID();
  return topicPlan(settings, { events: `xp-test-events-${id}`, deadLetter: `xp-test-dlq-${id}`, loopScanFrom: `xp-test-scan-${id}` });
}

describe('Kafka topics as the operator creates them (xp kafka init) and services check them at start-up', () => {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  const logs: KafkaEventLog[] = [];
  const open = async (createTopics = true) => {
    const log = await KafkaEventLog.connect({ brokers, createTopics });
    logs.push(log);
    return log;
  };
  const configsOf = async (topic: string) => {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  };
  const partitionsOf = async (topic: string) => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length;

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(logs.map((l) => l.close()));
    await admin.disconnect();
  });

  it('creates every topic with its partitions, replication, retention and limits, and a second run changes nothing', async () => {
    const plan = uniquePlan({ eventsPartitions: 3, replicationFactor: 1, minInsyncReplicas: 1 });
    const [events, deadLetter, scanFrom] = plan.map((t) => t.name);
    const log = await open(false);

    const first = await log.initTopics(plan);
    expect(first).toEqual({ created: [events, deadLetter, scanFrom], matching: [], mismatches: [] });
    expect(await partitionsOf(events)).toBe(3);
    expect(await partitionsOf(scanFrom)).toBe(1);
    expect(await configsOf(events)).toMatchObject({
      'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete', 'min.insync.replicas': '1', 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES),
    });
    expect(await configsOf(scanFrom)).toMatchObject({ 'cleanup.policy': 'compact' });

    const again = await log.initTopics(plan);
    expect(again).toEqual({ created: [], matching: [events, deadLetter, scanFrom], mismatches: [] });
    // A service configured the same way starts.
    await expect(log.requireTopics(plan)).resolves.toBeUndefined();
  });

  it('reports every setting of an existing topic that differs, with its fix, and alters nothing', async () => {
    const plan = uniquePlan({ eventsPartitions: 3 });
    const events = plan[0].name;
    // As an application creating the topic itself would: 2 partitions, the broker's 7-day retention, a 1 MB limit.
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: events, numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: '1048588' }] }] });
    const log = await open(false);

    const report = await log.initTopics(plan);
    expect(report.created).toEqual([plan[1].name, plan[2].name]);
    expect(report.matching).not.toContain(events);
    const byName = Object.fromEntries(report.mismatches.map((m) => [m.setting, m]));
    expect(Object.keys(byName).sort()).toEqual(['max.message.bytes', 'partitions', 'retention.ms']);
    expect(byName.partitions).toMatchObject({ topic: events, expected: '3', actual: '2' });
    expect(byName.partitions.fix).toMatch(/set XP_EVENTS_PARTITIONS=2 to match the topic; or, only while it is still empty, delete it and recreate it with 3/);
    expect(byName['retention.ms']).toMatchObject({ expected: '-1', actual: '604800000' });
    expect(byName['retention.ms'].fix).toBe(`kafka-configs.sh --bootstrap-server ${brokers.join(',')} --alter --entity-type topics --entity-name ${events} --add-config retention.ms=-1`);
    expect(byName['max.message.bytes']).toMatchObject({ expected: `at least ${MIN_MAX_MESSAGE_BYTES} (ingest admits events up to 1048576 bytes)`, actual: '1048588' });
    expect(await partitionsOf(events)).toBe(2);
    expect((await configsOf(events))['retention.ms']).toBe('604800000');
  });

  it('stops a service at start-up when a partition count differs from the configured one, naming the topic, both counts and the fix', async () => {
    const plan = uniquePlan({ eventsPartitions: 4 });
    const events = plan[0].name;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: events, numPartitions: 6 }] });
    const log = await open(true);
    await expect(log.requireTopics(plan)).rejects.toThrow(
      new RegExp(`^topic ${events} has 6 partition\\(s\\), but this deployment expects 4: set XP_EVENTS_PARTITIONS=6 to match the topic`),
    );
    expect(await partitionsOf(events)).toBe(6);
  });

  it('stops a service at start-up when a topic is missing and it may not create topics; creates it as planned when it may', async () => {
    const plan = uniquePlan({ eventsPartitions: 2 });
    const events = plan[0].name;
    await expect((await open(false)).requireTopics(plan)).rejects.toThrow(
      new RegExp(`Kafka topic\\(s\\) ${events}, ${plan[1].name}, ${plan[2].name} do not exist, .*create them with \`xp kafka init\``),
    );
    expect(await admin.listTopics()).not.toContain(events);

    const log = await open(true);
    await log.requireTopics(plan);
    expect(await partitionsOf(events)).toBe(2);
    expect(await configsOf(events)).toMatchObject({ 'retention.ms': '-1', 'max.message.bytes': '1048588' });
    // The count read at start-up is the one appends use.
    const [position] = await log.append(events, [{ key: 'run-a', value: Buffer.from('x') }]);
    expect(position.partition).toBe(await log.partitionFor(events, 'run-a'));
  });
});
