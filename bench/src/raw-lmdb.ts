import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { LogMessage } from '@xp/event-log';
import { timed } from './bench-table';

export interface RawLmdbTimes {
  putSeconds: number;
  readSeconds: number;
  diskBytes: number;
}

/**
 * The messages' values as one LMDB value each (the embedded log's format-1 layout, without its
 * framing), put in transactions of `chunk` and read back in one range: what the embedded log is
 * measured against.
 */
export async function rawLmdbRoundTrip(messages: LogMessage[], chunk: number, partitions: number): Promise<RawLmdbTimes> {
  const n = messages.length;
  const dir = mkdtempSync(join(tmpdir(), 'xp-bench-raw-'));
  try {
    const root = open({ path: dir, maxDbs: 4, mapSize: 16 * 1024 ** 3 });
    const db = root.openDB<Buffer, [number, number]>({ name: 'raw', encoding: 'binary' });
    const putSeconds = await timed(async () => {
      for (let i = 0; i < n; i += chunk) {
        await root.transaction(() => {
          for (let j = i; j < Math.min(n, i + chunk); j++) db.put([j % partitions, j], messages[j].value);
        });
      }
    });
    const readSeconds = await timed(async () => {
      let count = 0;
      for (const _ of db.getRange({})) count++;
      if (count !== n) throw new Error(`raw read saw ${count} of ${n}`);
    });
    await root.close();
    return { putSeconds, readSeconds, diskBytes: statSync(join(dir, 'data.mdb')).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
