import type { Command } from 'commander';
import { TOPICS } from '@xp/event-log';
import { caughtUp, PROJECTOR_GROUP, rebuildProjections, startProjector } from '@xp/projector';
import type { BusFlags } from '../config';
import { withBusOptions } from '../bus-options';
import { progressBar } from '../progress';
import { openAnalyticsStack, untilSignal } from '../stack';

export function registerProject(program: Command): void {
  withBusOptions(
    program
      .command('project')
      .description('project the event log into the analytics store (ClickHouse); stops when caught up unless --follow')
      .option('--follow', 'keep consuming new events until interrupted')
      .option('--json', 'print the result as JSON'),
  ).action(async (flags: BusFlags & { follow?: boolean; json?: boolean }) => {
    const stack = await openAnalyticsStack(flags);
    let projected = 0;
    let rejected = 0;
    try {
      const projector = await startProjector({
        log: stack.log,
        store: stack.store,
        onBatch: (_batch, stats) => {
          projected += stats.projected;
          rejected += stats.rejected;
        },
        onError: (error) => process.stderr.write(`xp project: batch failed, retrying: ${(error as Error).message}\n`),
      });
      if (flags.follow) {
        process.stderr.write('projecting; Ctrl-C to stop\n');
        await untilSignal();
      } else {
        await caughtUp(stack.log, PROJECTOR_GROUP);
      }
      await projector.stop();
      const result = { projected, rejected };
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `projected ${projected} events, dead-lettered ${rejected}\n`);
    } finally {
      await stack.close();
    }
  });

  withBusOptions(
    program
      .command('rebuild')
      .description('drop the projections and rebuild them from offset 0 of the log')
      .option('--json', 'print the report as JSON'),
  ).action(async (flags: BusFlags & { json?: boolean }) => {
    const stack = await openAnalyticsStack(flags);
    try {
      const total = (await stack.log.endOffsets(TOPICS.events)).reduce((a, b) => a + b, 0);
      const bar = progressBar('rebuild', total);
      const done = new Map<number, number>();
      const report = await rebuildProjections({
        log: stack.log,
        store: stack.store,
        onProgress: ({ partition, nextOffset }) => {
          done.set(partition, nextOffset);
          bar?.update([...done.values()].reduce((a, b) => a + b, 0));
        },
      });
      bar?.stop();
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(report)}\n`
          : `rebuilt from ${report.records} records: projected ${report.projected}, skipped ${report.rejected} invalid, in ${(report.elapsedMs / 1000).toFixed(1)} s\n`,
      );
    } finally {
      await stack.close();
    }
  });
}
