import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAnalyticsStore, type AnalyticsStore } from '../analytics-store';
import { migrate } from '../migrations/migrate';

/**
 * A migrated chDB store in a fresh temp dir, for tests. chDB binds one data dir per process, so a
 * test file opens one store, and `dispose` closes it and releases the dir for the next file.
 */
export async function openTempStore(): Promise<{ store: AnalyticsStore; dir: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-analytics-'));
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  return {
    store,
    dir,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
