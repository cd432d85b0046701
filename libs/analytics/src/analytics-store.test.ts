import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ConflictError } from '@xp/events';
import { openAnalyticsStore } from './analytics-store';

/** A second process holding the chDB dir, as `xp up` would. */
function holdStore(path: string): ChildProcess {
  const script = `
    const { createChdbConnection } = require('chdb/connection');
    const conn = createChdbConnection({ path: ${JSON.stringify(path)} });
    conn.query({ query: 'SELECT 1' }).then(() => console.log('ready'));
    setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('openAnalyticsStore on chDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-store-'));
  const path = join(dir, 'analytics');
  let holder: ChildProcess | undefined;

  afterAll(() => {
    holder?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the store is in use by another process and where to query instead', async () => {
    holder = holdStore(path);
    const [chunk] = (await once(holder.stdout!, 'data')) as [Buffer];
    expect(chunk.toString()).toContain('ready');

    const opening = openAnalyticsStore({ kind: 'chdb', path, database: 'xp' });
    await expect(opening).rejects.toThrow(ConflictError);
    await expect(opening).rejects.toThrow(new RegExp(`in use by another xp process \\(pid ${holder.pid}\\).*xp up.*http://127\\.0\\.0\\.1:4000`));
  });
});
