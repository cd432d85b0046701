import type { Command } from 'commander';
import { TOPICS, decodeEvent, openEventLog, type EventLog, type LogRecord } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { eventLogConfig, nonNegativeInt, type BusFlags } from '../config';
import { withBusOptions } from '../bus-options';

const PAGE = 5000;

export function registerEvents(program: Command): void {
  withBusOptions(
    program
      .command('events')
      .description("print a run's events in log order (offsets are positions in the run's partition)")
      .requiredOption('--run <runId>', 'the run')
      .option('--from <offset>', 'first offset to print', '0')
      .option('--limit <n>', 'print at most this many events')
      .option('--json', 'one JSON object per line: {"offset": N, "event": {...}}'),
  ).action(async (flags: BusFlags & { run: string; from: string; limit?: string; json?: boolean }) => {
    const from = nonNegativeInt('--from', flags.from, 0);
    const limit = nonNegativeInt('--limit', flags.limit, Number.MAX_SAFE_INTEGER);
    const log = await openEventLog(eventLogConfig(flags));
    try {
      let printed = 0;
      for await (const record of runRecords(log, flags.run, from)) {
        if (printed >= limit) break;
        const event = decodeEvent(record) as XpEvent;
        process.stdout.write(flags.json ? `${JSON.stringify({ offset: record.offset, event })}\n` : `${formatLine(record, event)}\n`);
        printed++;
      }
      if (printed === 0 && !flags.json) process.stderr.write(`no events for run ${flags.run} from offset ${from}\n`);
    } finally {
      await log.close();
    }
  });
}

/** The run's records from `from` on: its partition, filtered by key (other runs share the partition). */
export async function* runRecords(log: EventLog, runId: string, from: number): AsyncGenerator<LogRecord> {
  if ((await log.endOffsets(TOPICS.events)).length === 0) return;
  const partition = await log.partitionFor(TOPICS.events, runId);
  for (let offset = from; ; ) {
    const page = await log.read(TOPICS.events, partition, offset, PAGE);
    for (const record of page) if (record.key === runId) yield record;
    if (page.length === 0) return;
    offset = page[page.length - 1].offset + 1;
  }
}

function formatLine(record: LogRecord, event: XpEvent): string {
  return [String(record.offset).padStart(8), event.occurredAt, event.type.padEnd(20), `seq=${event.seq}`, event.eventId, summarize(event)].join('  ');
}

function summarize(event: XpEvent): string {
  switch (event.type) {
    case 'sample.generated':
      return `${event.payload.sampleId} problem=${event.payload.problemId} checkpoint=${event.payload.checkpointId}`;
    case 'sample.verified':
      return `${event.payload.sampleId} ${event.payload.verdict} (${event.payload.verifierId}@${event.payload.verifierVersion})`;
    case 'reward.assigned':
      return `${event.payload.sampleId} reward=${event.payload.value}`;
    case 'curriculum.decided':
      return `iteration=${event.payload.iteration} ${event.payload.strategy} problems=${event.payload.problemIds.length}`;
    case 'replay.batch':
      return `${event.payload.batchId} ${event.payload.strategy} samples=${event.payload.sampleIds.length}`;
    case 'model.updated':
      return `${event.payload.checkpointId} step=${event.payload.step} loss=${event.payload.loss ?? '(not reported)'}`;
    case 'evaluation.completed':
      return `${event.payload.checkpointId} ${event.payload.benchmark} pass@1=${event.payload.passAt1}`;
    case 'problem.registered':
      return `${event.payload.problemId} ${event.payload.benchmark} d=${event.payload.difficulty} ${event.payload.split}`;
    case 'run.started':
      return `seed=${event.payload.seed}${event.payload.parentRunId ? ` fork of ${event.payload.parentRunId}@${event.payload.forkedAtOffset}` : ''}`;
    case 'run.finished':
      return `${event.payload.status} iterations=${event.payload.iterations}`;
    case 'metrics.logged':
      return `step=${event.payload.step} ${Object.entries(event.payload.metrics).slice(0, 4).map(([name, value]) => `${name}=${value}`).join(' ')}`;
  }
}
