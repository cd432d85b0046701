import { join } from 'node:path';
import { migrate, openAnalyticsStore } from '@xp/analytics';
import { EmbeddedEventLog } from '@xp/event-log';
import { startProjector } from '../projector';

/**
 * A projector as its own process, for the crash test: `node projector-process.js DATA_DIR BATCH_SIZE`.
 * Prints `ready` once consuming; runs until killed.
 */
async function main(): Promise<void> {
  const [dir, batchSize] = process.argv.slice(2);
  const log = EmbeddedEventLog.open({ dir });
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  await startProjector({ log, store, maxBatchSize: Number(batchSize), maxWaitMs: 5 });
  process.stdout.write('ready\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
