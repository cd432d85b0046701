import { Kafka, logLevel } from 'kafkajs';
import { tempDir, xp } from '../support/cli';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
/** A count no deployment on the shared test broker uses, so xp.events always differs from it. */
const ODD_COUNT = 97;

describe('topic checks of the CLI on the local broker', () => {
  const env = { XP_DATA_DIR: tempDir(), KAFKA_BROKERS: brokers, XP_BUS: 'kafka' };

  beforeAll(async () => {
    // Other tests on this broker may have made xp.events already, with whatever count they use.
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'xp.events', numPartitions: 4 }] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('a service whose configured partition count differs from the topic stops at start-up, naming the topic, both counts and the fix', () => {
    const result = xp(['serve', 'curriculum', '--health-port', '0'], { env: { ...env, XP_EVENTS_PARTITIONS: String(ODD_COUNT) } });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`^xp: topic xp\\.events has (\\d+) partition\\(s\\), but this deployment expects ${ODD_COUNT}: set XP_EVENTS_PARTITIONS=\\1 to match the topic`, 'm'));
  });

  it('xp kafka init reports a topic that differs, with the fix, and exits 1; bad settings are usage errors', () => {
    const result = xp(['kafka', 'init', '--partitions', String(ODD_COUNT)], { env });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^topic xp\\.events: partitions is (\\d+), expected ${ODD_COUNT}; fix: set XP_EVENTS_PARTITIONS=\\1`, 'm'));
    expect(result.stderr).toMatch(/setting\(s\) differ from what xp expects/);

    const bad = xp(['kafka', 'init', '--replication-factor', '1', '--min-insync-replicas', '2'], { env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/min.insync.replicas \(2\) cannot exceed the replication factor \(1\)/);
    expect(xp(['kafka', 'init', '--partitions', '0'], { env }).stderr).toMatch(/XP_EVENTS_PARTITIONS \(--partitions\) must be a positive integer, got '0'/);
  });
});
