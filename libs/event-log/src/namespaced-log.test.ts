import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventLog } from './embedded/embedded-log';
import { checkLogNamespace, namespacedLog } from './namespaced-log';
import type { LogRecord } from './port';

const NAMES = { topicPrefix: 'XP_KAFKA_TOPIC_PREFIX', groupPrefix: 'XP_KAFKA_GROUP_PREFIX' };

/** Two deployments sharing one log through different prefixes, as they share a Kafka cluster. */
describe('namespaced log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-namespaced-'));
  let shared: EmbeddedEventLog;
  beforeAll(async () => {
    shared = await EmbeddedEventLog.open({ dir });
  });
  afterAll(async () => {
    await shared.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps each namespace to its own topics and groups, under the names callers use', async () => {
    const blue = namespacedLog(shared, { topicPrefix: 'blue.', groupPrefix: 'blue-' });
    const green = namespacedLog(shared, { topicPrefix: 'green.', groupPrefix: 'green-' });
    await blue.ensureTopics([{ name: 'xp.events', partitions: 1 }]);
    await green.ensureTopics([{ name: 'xp.events', partitions: 1 }]);
    await blue.append('xp.events', [{ key: 'run-a', value: Buffer.from('blue event') }]);

    expect((await blue.read('xp.events', 0, 0, 10)).map((r) => [r.topic, r.value.toString()])).toEqual([['xp.events', 'blue event']]);
    expect(await green.read('xp.events', 0, 0, 10)).toEqual([]);
    expect((await shared.read('blue.xp.events', 0, 0, 10)).map((r) => r.value.toString())).toEqual(['blue event']);

    const seen: Array<{ topic: string; records: LogRecord[] }> = [];
    let consumed!: () => void;
    const done = new Promise<void>((resolve) => (consumed = resolve));
    const subscription = await blue.subscribe({
      topic: 'xp.events',
      groupId: 'xp-loop-curriculum',
      maxWaitMs: 10,
      handler: async (records, context) => {
        seen.push({ topic: context.topic, records });
        consumed();
      },
    });
    await done;
    await subscription.stop();
    expect(seen.map((b) => [b.topic, b.records.map((r) => r.topic)])).toEqual([['xp.events', ['xp.events']]]);
    // The group's position is the prefixed group's: the same group name in the other namespace, or bare, has none.
    expect(await blue.committedOffsets('xp-loop-curriculum', 'xp.events')).toEqual([1]);
    expect(await shared.committedOffsets('blue-xp-loop-curriculum', 'blue.xp.events')).toEqual([1]);
    expect(await shared.committedOffsets('xp-loop-curriculum', 'blue.xp.events')).toEqual([0]);
  });

  it('is the log itself when no prefix is set', () => {
    expect(namespacedLog(shared, {})).toBe(shared);
  });

  it('refuses a prefix Kafka would refuse, naming the setting', () => {
    expect(() => checkLogNamespace({ topicPrefix: 'team a/' }, NAMES)).toThrow(/XP_KAFKA_TOPIC_PREFIX may hold only letters, digits/);
    expect(() => checkLogNamespace({ groupPrefix: 'x'.repeat(10) + '*' }, NAMES)).toThrow(/XP_KAFKA_GROUP_PREFIX/);
    expect(() => checkLogNamespace({ topicPrefix: 'a'.repeat(201) }, NAMES)).toThrow(/201 characters/);
    expect(checkLogNamespace({ topicPrefix: 'ci-42.', groupPrefix: 'ci-42-' }, NAMES)).toEqual({ topicPrefix: 'ci-42.', groupPrefix: 'ci-42-' });
  });
});
