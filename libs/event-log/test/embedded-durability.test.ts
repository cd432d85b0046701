import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventLog, type LogRecord } from '../src';

const fixture = join(__dirname, 'fixtures/append-until-killed.js');

describe('embedded log durability and sharing between processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-durable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the appending fixture until `atLeast` records were acknowledged, SIGKILLs it, and returns the last acknowledged offset. */
  async function appendUntilKilled(args: string[], atLeast: number, delayMs = 0): Promise<number> {
    const child = spawn(process.execPath, [fixture, dir, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acknowledged = -1;
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) acknowledged = Math.max(acknowledged, Number(line));
    });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (acknowledged >= atLeast) {
          clearInterval(poll);
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, delayMs);
        }
      }, 5);
    });
    await new Promise((resolve) => child.on('exit', resolve));
    return acknowledged;
  }

  /** Every record of the key's partition, checked to be whole appends of 100 without holes; returns them. */
  async function readWholeAppends(key: string, acknowledged: number): Promise<LogRecord[]> {
    const log = EmbeddedEventLog.open({ dir });
    try {
      const partition = await log.partitionFor('durability', key);
      const end = (await log.endOffsets('durability'))[partition];
      expect(end).toBeGreaterThan(acknowledged);
      const records: LogRecord[] = [];
      for (let from = 0; from < end; from += 5000) records.push(...(await log.read('durability', partition, from, 5000)));
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: end }, (_, i) => i));
      // Whole batches only: a batch is one transaction, so the log never ends halfway through one.
      expect(end % 100).toBe(0);
      return records.filter((r) => r.key === key);
    } finally {
      await log.close();
    }
  }

  it('keeps every acknowledged append after the writer is killed with SIGKILL, without holes', async () => {
    const acknowledged = await appendUntilKilled(['run-k'], 2000);
    const records = await readWholeAppends('run-k', acknowledged);
    expect(records[records.length - 1].value.toString()).toBe(`${records.length / 100 - 1}:99`);
  });

  it('keeps whole appends of several compressed blocks each after SIGKILL, every record readable', async () => {
    // 100 records of 3 KB per append: 3 blocks of 128 KB, all written in the append's transaction.
    // Kills land at several moments of an append (compressing, writing, committing), one restart after another.
    let records: LogRecord[] = [];
    for (const delayMs of [0, 2, 5, 9, 14]) {
      const acknowledged = await appendUntilKilled(['run-blocks', '3000'], records.length + 300, delayMs);
      records = await readWholeAppends('run-blocks', acknowledged);
    }
    records.forEach((record, n) => {
      const [batch, index] = record.value.toString().split(' ')[0].split(':');
      expect(index).toBe(String(n % 100));
      expect(batch).toBe(records[n - (n % 100)].value.toString().split(':')[0]);
      expect(record.value).toHaveLength(3000);
    });
  });

  it('lets a consumer in one process see what another process appends', async () => {
    const consumerLog = EmbeddedEventLog.open({ dir });
    const seen: string[] = [];
    const subscription = await consumerLog.subscribe({
      topic: 'shared',
      groupId: 'g-cross-process',
      maxWaitMs: 20,
      handler: async (batch) => void seen.push(...batch.map((r) => r.value.toString())),
    });
    const child = spawn(
      process.execPath,
      ['-e', `const { EmbeddedEventLog } = require(${JSON.stringify(join(__dirname, '../dist'))});
       const log = EmbeddedEventLog.open({ dir: ${JSON.stringify(dir)} });
       log.append('shared', [{ key: 'r', value: Buffer.from('from another process') }]).then(() => log.close());`],
      { stdio: 'inherit' },
    );
    await new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await subscription.stop();
    await consumerLog.close();
    expect(seen).toEqual(['from another process']);
  });
});
