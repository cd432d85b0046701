import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_HEADERS, type EventLog, type LogMessage, type LogRecord, type Subscription } from '../src';

/**
 * The behaviour every EventLog adapter must have. Each adapter's test file calls this with a factory
 * that opens a fresh log (and may be called several times to simulate a restarted process).
 */
export interface ContractTarget {
  open(): Promise<EventLog>;
  /** Opening a log whose backing system is unreachable must reject with an error that says so. */
  openUnreachable(): Promise<EventLog>;
  unreachableMessage: RegExp;
}

function messages(key: string, count: number, from = 0): LogMessage[] {
  return Array.from({ length: count }, (_, i) => ({ key, value: Buffer.from(`${key}:${from + i}`) }));
}

function values(records: LogRecord[]): string[] {
  return records.map((r) => r.value.toString());
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Collects everything a group receives on a topic. */
async function collect(log: EventLog, topic: string, groupId: string, seen: LogRecord[], extra: Partial<Parameters<EventLog['subscribe']>[0]> = {}): Promise<Subscription> {
  return log.subscribe({ topic, groupId, maxWaitMs: 20, handler: async (batch) => void seen.push(...batch), ...extra });
}

export function describeEventLogContract(name: string, target: ContractTarget): void {
  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;
    let topic: string;

    beforeEach(async () => {
      log = await target.open();
      topic = `contract-${randomUUID()}`;
      await log.ensureTopics([{ name: topic, partitions: 3 }]);
    });

    afterEach(async () => {
      await log.close();
    });

    it('keeps each key in one partition, in append order, across appends', async () => {
      for (let round = 0; round < 3; round++) {
        await log.append(topic, [...messages('run-a', 5, round * 5), ...messages('run-b', 5, round * 5), ...messages('run-c', 5, round * 5)]);
      }
      for (const key of ['run-a', 'run-b', 'run-c']) {
        const partition = await log.partitionFor(topic, key);
        const records = (await log.read(topic, partition, 0, 1000)).filter((r) => r.key === key);
        expect(values(records)).toEqual(Array.from({ length: 15 }, (_, i) => `${key}:${i}`));
        expect(records.every((r) => r.partition === partition)).toBe(true);
      }
    });

    it('returns the position of each appended record, readable at that offset with its key and headers', async () => {
      const positions = await log.append(topic, [
        { key: 'k1', value: Buffer.from('one'), headers: { h: 'x' } },
        { key: 'k2', value: Buffer.from('two') },
        { key: 'k1', value: Buffer.from('three') },
      ]);
      expect(positions).toHaveLength(3);
      expect(positions[2].partition).toBe(positions[0].partition);
      expect(positions[2].offset).toBe(positions[0].offset + 1);
      const [first] = await log.read(topic, positions[0].partition, positions[0].offset, 1);
      expect(first).toMatchObject({ key: 'k1', offset: positions[0].offset, headers: { h: 'x' } });
      expect(first.value.toString()).toBe('one');
      expect(first.timestamp).toBeGreaterThan(0);
    });

    it('appends several MiB in one call, in order, above a Kafka broker\'s 1 MiB batch limit', async () => {
      const big = Array.from({ length: 3000 }, (_, i) => ({ key: 'run-big', value: Buffer.from(`${i}:`.padEnd(1024, 'x')) }));
      const positions = await log.append(topic, big);
      const partition = await log.partitionFor(topic, 'run-big');
      expect(positions.every((p) => p.partition === partition)).toBe(true);
      expect(positions.map((p) => p.offset)).toEqual(Array.from({ length: 3000 }, (_, i) => positions[0].offset + i));
      const records = await log.read(topic, partition, positions[0].offset, 3000);
      expect(records.map((r) => r.value.toString().split(':')[0])).toEqual(Array.from({ length: 3000 }, (_, i) => String(i)));
    });

    it('reads a range from an offset and reports end offsets', async () => {
      await log.append(topic, messages('run-r', 20));
      const partition = await log.partitionFor(topic, 'run-r');
      expect(values(await log.read(topic, partition, 7, 5))).toEqual(['run-r:7', 'run-r:8', 'run-r:9', 'run-r:10', 'run-r:11']);
      expect(await log.read(topic, partition, 20, 5)).toEqual([]);
      const ends = await log.endOffsets(topic);
      expect(ends).toHaveLength(3);
      expect(ends[partition]).toBe(20);
    });

    it('bounds reads and consumed batches by bytes of values as well as by count', async () => {
      const kilobyte = (i: number) => ({ key: 'run-kb', value: Buffer.from(`${i}:`.padEnd(1000, 'x')) });
      await log.append(topic, Array.from({ length: 12 }, (_, i) => kilobyte(i)));
      const partition = await log.partitionFor(topic, 'run-kb');
      expect((await log.read(topic, partition, 0, 100, 3500)).map((r) => r.value.toString().split(':')[0])).toEqual(['0', '1', '2']);
      expect(await log.read(topic, partition, 11, 100, 10)).toHaveLength(1);
      const batches: number[][] = [];
      const subscription = await log.subscribe({
        topic, groupId: `bytes-${randomUUID()}`, maxWaitMs: 20, maxBatchSize: 100, maxBatchBytes: 3500,
        handler: async (batch) => void batches.push(batch.map((r) => Number(r.value.toString().split(':')[0]))),
      });
      await waitFor(() => batches.flat().length >= 12, 'all 12 records');
      await subscription.stop();
      expect(batches.flat()).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(3);
    });

    it('delivers every record to a group, commits, and resumes after the last commit', async () => {
      await log.append(topic, [...messages('run-a', 30), ...messages('run-b', 30)]);
      const seen: LogRecord[] = [];
      const first = await collect(log, topic, 'g-resume', seen);
      await waitFor(() => seen.length >= 60, '60 records');
      await waitFor(async () => sum(await log.committedOffsets('g-resume', topic)) === 60, 'commit of 60');
      await first.stop();

      await log.append(topic, messages('run-a', 10, 30));
      const resumed: LogRecord[] = [];
      const second = await collect(log, topic, 'g-resume', resumed);
      await waitFor(() => resumed.length >= 10, '10 new records');
      await second.stop();
      expect(values(resumed)).toEqual(Array.from({ length: 10 }, (_, i) => `run-a:${30 + i}`));
      expect(new Set(values(seen)).size).toBe(60);
    });

    it('hands several partitions to the handler at once when asked, each partition still in order', async () => {
      const keys = await keysInDistinctPartitions(log, topic, 2);
      await log.append(topic, keys.flatMap((key) => messages(key, 20)));
      const seen: LogRecord[] = [];
      let inHandler = 0;
      let mostInHandler = 0;
      let arrived: () => void = () => undefined;
      const secondArrived = new Promise<void>((resolve) => (arrived = resolve));
      const subscription = await log.subscribe({
        topic, groupId: 'g-concurrent', maxWaitMs: 20, partitionsConsumedConcurrently: 2,
        handler: async (batch) => {
          mostInHandler = Math.max(mostInHandler, ++inHandler);
          if (inHandler >= 2) arrived();
          // Holds the first batch until another partition's batch joins it (or gives up after a while).
          await Promise.race([secondArrived, new Promise((resolve) => setTimeout(resolve, 5000))]);
          seen.push(...batch);
          inHandler--;
        },
      });
      await waitFor(async () => sum(await log.committedOffsets('g-concurrent', topic)) === 40, 'commit of 40');
      await subscription.stop();
      expect(mostInHandler).toBe(2);
      for (const key of keys) {
        expect(values(seen.filter((r) => r.key === key))).toEqual(Array.from({ length: 20 }, (_, i) => `${key}:${i}`));
      }
    });

    it('redelivers a batch whose handler failed, so nothing is lost (at least once)', async () => {
      await log.append(topic, messages('run-f', 10));
      const delivered: string[] = [];
      let failures = 0;
      const errors: unknown[] = [];
      const subscription = await log.subscribe({
        topic,
        groupId: 'g-retry',
        maxWaitMs: 20,
        onError: (e) => errors.push(e),
        handler: async (batch) => {
          if (failures < 2) {
            failures++;
            throw new Error('sink down');
          }
          delivered.push(...values(batch));
        },
      });
      await waitFor(() => delivered.length >= 10, 'redelivery');
      await subscription.stop();
      expect(delivered).toEqual(Array.from({ length: 10 }, (_, i) => `run-f:${i}`));
      expect(errors).toHaveLength(2);
    });

    it('hands uncommitted records to the next member after a consumer stopped mid-batch', async () => {
      await log.append(topic, messages('run-c', 10));
      let release!: () => void;
      const blocked = new Promise<void>((r) => (release = r));
      let started = false;
      const crashed = await log.subscribe({
        topic,
        groupId: 'g-crash',
        maxWaitMs: 20,
        handler: async () => {
          started = true;
          await blocked;
          throw new Error('process died before the sink acknowledged');
        },
      });
      await waitFor(() => started, 'first delivery');
      const stopping = crashed.stop();
      release();
      await stopping;
      expect(sum(await log.committedOffsets('g-crash', topic))).toBe(0);

      const seen: LogRecord[] = [];
      const next = await collect(log, topic, 'g-crash', seen);
      await waitFor(() => seen.length >= 10, 'redelivery to the next member');
      await next.stop();
      expect(values(seen)).toEqual(Array.from({ length: 10 }, (_, i) => `run-c:${i}`));
    });

    it('parks rejected records in the dead-letter topic with the reason and keeps consuming', async () => {
      await log.append(topic, [...messages('run-d', 3), { key: 'run-d', value: Buffer.from('poison') }, ...messages('run-d', 3, 3)]);
      const dlq = `${topic}.dlq`;
      const accepted: string[] = [];
      const subscription = await log.subscribe({
        topic,
        groupId: 'g-dlq',
        deadLetterTopic: dlq,
        maxWaitMs: 20,
        handler: async (batch) => {
          const bad = batch.filter((r) => r.value.toString() === 'poison');
          accepted.push(...values(batch.filter((r) => !bad.includes(r))));
          return { deadLetters: bad.map((record) => ({ record, reason: 'payload is not JSON' })) };
        },
      });
      await waitFor(() => accepted.length >= 6, 'good records');
      await waitFor(async () => sum(await log.committedOffsets('g-dlq', topic)) === 7, 'commit past the poison record');
      await subscription.stop();
      const parked = await readAll(log, dlq);
      expect(parked).toHaveLength(1);
      expect(parked[0].value.toString()).toBe('poison');
      expect(parked[0].headers).toMatchObject({
        [DEAD_LETTER_HEADERS.reason]: 'payload is not JSON',
        [DEAD_LETTER_HEADERS.topic]: topic,
        [DEAD_LETTER_HEADERS.offset]: '3',
        [DEAD_LETTER_HEADERS.group]: 'g-dlq',
      });
    });

    it('starts a new group at the end when asked for new records only', async () => {
      await log.append(topic, messages('run-n', 5));
      const seen: LogRecord[] = [];
      const subscription = await collect(log, topic, 'g-latest', seen, { fromBeginning: false });
      await log.append(topic, messages('run-n', 2, 5));
      await waitFor(() => seen.length >= 2, 'new records');
      await subscription.stop();
      expect(values(seen)).toEqual(['run-n:5', 'run-n:6']);
    });

    it('fails with a clear error when the backing system is unreachable', async () => {
      await expect(target.openUnreachable()).rejects.toThrow(target.unreachableMessage);
    });
  });
}

/** `count` keys that the log maps to different partitions. */
async function keysInDistinctPartitions(log: EventLog, topic: string, count: number): Promise<string[]> {
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < count; i++) {
    const key = `run-${i}`;
    const partition = await log.partitionFor(topic, key);
    if (!byPartition.has(partition)) byPartition.set(partition, key);
  }
  return [...byPartition.values()];
}

async function readAll(log: EventLog, topic: string): Promise<LogRecord[]> {
  const ends = await log.endOffsets(topic);
  const out: LogRecord[] = [];
  for (let p = 0; p < ends.length; p++) if (ends[p] > 0) out.push(...(await log.read(topic, p, 0, ends[p])));
  return out;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
