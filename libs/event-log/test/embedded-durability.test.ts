import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventLog, type LogRecord } from '../src';

const fixture = join(__dirname, 'fixtures/append-until-killed.js');

describe('embedded log durability and sharing between processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-durable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged append after the writer is killed with SIGKILL, without holes', async () => {
    const child = spawn(process.execPath, [fixture, dir, 'run-k'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
        if (acknowledged >= 2000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => child.on('exit', resolve));

    const log = EmbeddedEventLog.open({ dir });
    try {
      const partition = await log.partitionFor('durability', 'run-k');
      const end = (await log.endOffsets('durability'))[partition];
      expect(end).toBeGreaterThan(acknowledged);
      const records: LogRecord[] = [];
      for (let from = 0; from < end; from += 5000) records.push(...(await log.read('durability', partition, from, 5000)));
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: end }, (_, i) => i));
      // Whole batches only: a batch is one transaction, so the log never ends halfway through one.
      expect(end % 100).toBe(0);
      expect(records[end - 1].value.toString()).toBe(`${end / 100 - 1}:99`);
    } finally {
      await log.close();
    }
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
