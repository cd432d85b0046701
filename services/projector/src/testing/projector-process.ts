import { join } from 'node:path';
import { migrate, openAnalyticsStore } from '@xp/analytics';
import { EmbeddedEventLog } from '@xp/event-log';
import { startProjector } from '../projector';

/**
 * A projector as its own process, for the crash test:
 * `node projector-process.js DATA_DIR BATCH_SIZE [HOLD_AFTER_BATCH]`.
 * Prints `ready` once consuming, then `written PARTITION LAST_OFFSET` for every batch whose rows are
 * visible in ClickHouse, before its offsets are committed. With HOLD_AFTER_BATCH = n it stops dead
 * after printing the n-th such line, so a kill is sure to land between that write and its commit.
 * Runs until killed.
 */
async function main(): Promise<void> {
  const [dir, batchSize, holdAfter] = process.argv.slice(2);
  const log = EmbeddedEventLog.open({ dir });
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  let batches = 0;
  await startProjector({
    log,
    store,
    maxBatchSize: Number(batchSize),
    maxWaitMs: 5,
    onBatch: (batch, stats) => {
      // stdout on a pipe is synchronous on Linux: the line is out before the commit can start.
      process.stdout.write(`written ${stats.partition} ${batch[batch.length - 1].offset}\n`);
      if (++batches === Number(holdAfter)) holdUntilKilled();
    },
  });
  process.stdout.write('ready\n');
}

/** Blocks the event loop, so nothing after this point (the offset commit) ever runs. */
function holdUntilKilled(): never {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
