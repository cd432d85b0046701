import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { formatIssue, SchemaRegistry, UsageError } from '@xp/events';
import { openEventLog } from '@xp/event-log';
import { ingestNdjson } from '@xp/ingest';
import { externalConfigIssue } from '@xp/loop';
import { eventLogConfig, type BusFlags } from '../config';
import { withBusOptions } from '../bus-options';
import { progressBar } from '../progress';

/** Exit code when some lines were rejected (the valid ones were still appended). */
export const EXIT_REJECTED = 1;

export function registerIngest(program: Command): void {
  withBusOptions(
    program
      .command('ingest')
      .argument('<file>', 'NDJSON file, one event per line ("-" reads standard input)')
      .description('validate events and append the valid ones to the log')
      .option('--json', 'print the report as JSON'),
  ).action(async (file: string, flags: BusFlags & { json?: boolean }) => {
    const config = eventLogConfig(flags);
    const size = file === '-' ? undefined : fileSize(file);
    const input = file === '-' ? process.stdin : createReadStream(file);
    const log = await openEventLog(config);
    const bar = progressBar('ingest', size);
    try {
      const report = await ingestNdjson(input, {
        log,
        registry: new SchemaRegistry(),
        admit: externalConfigIssue,
        onProgress: ({ bytes }) => bar?.update(bytes),
      });
      bar?.stop();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ accepted: report.accepted, rejected: report.rejected.map((r) => ({ line: r.line, reasons: r.issues.map(formatIssue) })) })}\n`);
      } else {
        process.stdout.write(`accepted ${report.accepted}, rejected ${report.rejected.length}\n`);
        for (const { line, issues } of report.rejected) process.stdout.write(`line ${line}: ${issues.map(formatIssue).join('; ')}\n`);
      }
      if (report.rejected.length > 0) process.exitCode = EXIT_REJECTED;
    } finally {
      bar?.stop();
      await log.close();
    }
  });
}

function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}
