import { once } from 'node:events';
import type { Command } from 'commander';
import { openEventLog } from '@xp/event-log';
import { UsageError } from '@xp/events';
import { eventLogConfig, type BusFlags } from '../config';
import { withBusOptions } from '../bus-options';
import { runRecords } from './events';

export function registerExport(program: Command): void {
  withBusOptions(
    program
      .command('export')
      .description("write runs' events as NDJSON, one event per line as the log holds it, for `xp ingest` elsewhere")
      .requiredOption('--run <runId>', 'a run to export (repeat for several; a fork after its parent)', collect, [] as string[]),
  ).action(async (flags: BusFlags & { run: string[] }) => {
    const log = await openEventLog(eventLogConfig(flags));
    try {
      for (const runId of flags.run) {
        let exported = 0;
        for await (const record of runRecords(log, runId, 0)) {
          // The stored value is the event's JSON on one line: written as is, byte for byte.
          if (!process.stdout.write(Buffer.concat([record.value, NEWLINE]))) await once(process.stdout, 'drain');
          exported++;
        }
        if (exported === 0) throw new UsageError(`run '${runId}' has no events in this log`);
        process.stderr.write(`exported ${exported} events of run ${runId}\n`);
      }
    } finally {
      await log.close();
    }
  });
}

const NEWLINE = Buffer.from('\n');

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
