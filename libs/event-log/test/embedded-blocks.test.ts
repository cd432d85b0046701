import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { EmbeddedEventLog, type BlockCodecName, type LogMessage, type LogRecord } from '../src';
import { prose } from './prose';

const message = (i: number, bytes: number, key = 'run-b'): LogMessage => ({ key, value: Buffer.from(`${i}|${prose(i, bytes)}`), headers: i % 3 === 0 ? { n: String(i) } : undefined });

describe('embedded log record blocks', () => {
  const dirs: string[] = [];
  const logs: EmbeddedEventLog[] = [];
  const openLog = (dir = mkdtempSync(join(tmpdir(), 'xp-blocks-')), compression?: BlockCodecName) => {
    dirs.push(dir);
    const log = EmbeddedEventLog.open({ dir, compression });
    logs.push(log);
    return { log, dir };
  };
  afterAll(async () => {
    await Promise.all(logs.map((l) => l.close()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every offset on its own and every window across block boundaries', async () => {
    const { log } = openLog();
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    // 300 records of about 1 KB in one append: three blocks of 128 KB.
    const messages = Array.from({ length: 300 }, (_, i) => message(i, 500 + ((i * 37) % 1000)));
    await log.append('t', messages.slice(0, 1));
    await log.append('t', messages.slice(1));
    const check = (record: LogRecord) => {
      expect(record.value.toString()).toBe(messages[record.offset].value.toString());
      expect(record.headers).toEqual(messages[record.offset].headers);
      expect(record.key).toBe('run-b');
    };
    for (let offset = 0; offset < 300; offset++) {
      const [record, ...rest] = await log.read('t', 0, offset, 1);
      expect(rest).toEqual([]);
      expect(record.offset).toBe(offset);
      check(record);
    }
    for (let offset = 0; offset < 300; offset += 13) {
      const window = await log.read('t', 0, offset, 70);
      expect(window.map((r) => r.offset)).toEqual(Array.from({ length: Math.min(70, 300 - offset) }, (_, i) => offset + i));
      window.forEach(check);
    }
    expect(await log.read('t', 0, 300, 10)).toEqual([]);
    // A byte bound inside a block still cuts the batch after the record that crosses it.
    const bounded = await log.read('t', 0, 5, 1000, 3000);
    expect(bounded.reduce((sum, r) => sum + r.value.length, 0) - bounded[bounded.length - 1].value.length).toBeLessThanOrEqual(3000);
    expect(bounded.length).toBeGreaterThanOrEqual(2);
    expect(bounded[0].offset).toBe(5);
  });

  it('stores kilobyte text in fewer bytes than uncompressed blocks, and reads what either wrote', async () => {
    const messages = Array.from({ length: 400 }, (_, i) => message(i, 4096, `run-${i % 5}`));
    const sizes: Record<string, number> = {};
    for (const compression of ['none', 'lz4'] as const) {
      const { log, dir } = openLog(undefined, compression);
      await log.append('t', messages);
      sizes[compression] = statSync(join(dir, 'log', 'data.mdb')).size;
    }
    expect(sizes.lz4).toBeLessThan(0.6 * sizes.none);

    // One data dir written in turn with each codec reads back whole.
    const { log: first, dir } = openLog(undefined, 'lz4');
    await first.append('t', messages.slice(0, 200));
    await first.close();
    const { log: second } = openLog(dir, 'none');
    await second.append('t', messages.slice(200));
    const values: string[] = [];
    for (let p = 0; p < 4; p++) values.push(...(await second.read('t', p, 0, 1000)).map((r) => r.value.toString()));
    expect(values.sort()).toEqual(messages.map((m) => m.value.toString()).sort());
  });

  it('resumes a consumer group from an offset inside a block, without losing or repeating a record', async () => {
    const { log } = openLog();
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    // 150 records of 100 bytes: one block.
    await log.append('t', Array.from({ length: 150 }, (_, i) => message(i, 100)));
    const first: number[] = [];
    let firstBatch!: () => void;
    const handled = new Promise<void>((resolve) => (firstBatch = resolve));
    const subscription = await log.subscribe({ topic: 't', groupId: 'g', maxBatchSize: 7, maxWaitMs: 10, handler: async (batch) => {
      first.push(...batch.map((r) => r.offset));
      firstBatch();
    } });
    await handled;
    await subscription.stop();
    const [committed] = await log.committedOffsets('g', 't');
    expect(committed).toBe(first.length);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(150);

    const second: LogRecord[] = [];
    const resumed = await log.subscribe({ topic: 't', groupId: 'g', maxWaitMs: 10, handler: async (batch) => void second.push(...batch) });
    const deadline = Date.now() + 10_000;
    while (first.length + second.length < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await resumed.stop();
    expect([...first, ...second.map((r) => r.offset)]).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(second[0].value.toString()).toBe(message(committed, 100).value.toString());
  });

  it('opens a data dir of the per-record format 1 in place: old records read by offset, new ones appended after them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-format-1-'));
    cpSync(join(__dirname, 'fixtures/format-1-data-dir'), dir, { recursive: true });
    // What the fixture holds: 60 records `record i of format 1`, keys run-(i % 6), a header on every tenth.
    const old = Array.from({ length: 60 }, (_, i) => ({ key: `run-${i % 6}`, value: `record ${i} of format 1`, headers: i % 10 === 0 ? { tenth: String(i) } : undefined }));
    let { log } = openLog(dir);
    expect(await log.endOffsets('xp.events')).toEqual([10, 40, 0, 10]);
    const partitionOf = async (key: string) => log.partitionFor('xp.events', key);
    const inPartition: (typeof old)[] = [[], [], [], []];
    for (const m of old) inPartition[await partitionOf(m.key)].push(m);
    for (let p = 0; p < 4; p++) {
      const expected = inPartition[p];
      const records = await log.read('xp.events', p, 0, 100);
      expect(records.map((r) => ({ key: r.key, value: r.value.toString(), headers: r.headers }))).toEqual(expected);
      expect(records.map((r) => r.offset)).toEqual(expected.map((_, i) => i));
    }
    const busy = await partitionOf('run-1');
    const appended = await log.append('xp.events', [{ key: 'run-1', value: Buffer.from('format 2, first') }, { key: 'run-1', value: Buffer.from('format 2, second') }]);
    expect(appended).toEqual([{ partition: busy, offset: 40 }, { partition: busy, offset: 41 }]);
    await log.close();

    // Reopened (now marked format 2), a read across the boundary and a consumer from the start see both.
    ({ log } = openLog(dir));
    expect((await log.read('xp.events', busy, 38, 10)).map((r) => r.value.toString())).toEqual([...inPartition[busy].slice(38).map((m) => m.value), 'format 2, first', 'format 2, second']);
    expect((await log.read('xp.events', busy, 39, 2)).map((r) => r.offset)).toEqual([39, 40]);
    const seen: string[] = [];
    const subscription = await log.subscribe({ topic: 'xp.events', groupId: 'after-upgrade', maxBatchSize: 9, maxWaitMs: 10, handler: async (batch) => void seen.push(...batch.map((r) => r.value.toString())) });
    const deadline = Date.now() + 10_000;
    while (seen.length < 62 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await subscription.stop();
    expect(seen).toHaveLength(62);
    expect(seen.filter((v) => v.startsWith('format 2'))).toEqual(['format 2, first', 'format 2, second']);
  });

  it('refuses a log written in a newer format, naming the format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-format-3-'));
    dirs.push(dir);
    const root = open({ path: join(dir, 'log'), maxDbs: 256 });
    await root.openDB<number, string>({ name: 'format', encoding: 'msgpack' }).put('version', 3);
    await root.close();
    expect(() => EmbeddedEventLog.open({ dir })).toThrow(/the embedded log at .* is in format 3, and this version of xp reads formats 1 to 2/);
  });
});
