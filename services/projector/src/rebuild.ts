import { migrate, ProjectionSink, revertAll, type AnalyticsStore } from '@xp/analytics';
import { TOPICS, type EventLog } from '@xp/event-log';
import { SchemaRegistry } from '@xp/events';
import { DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_SIZE, PROJECTOR_GROUP } from './projector';
import { decodeRecords } from './record-decoder';
import { rangeOf } from './write-plan';

export interface RebuildOptions {
  log: EventLog;
  store: AnalyticsStore;
  /** Records per write (default 20000). */
  maxBatchSize?: number;
  /** Bytes of events per write (default 4 MiB). */
  maxBatchBytes?: number;
  onProgress?: (progress: { partition: number; nextOffset: number; endOffset: number }) => void;
}

export interface RebuildReport {
  /** Records read from the log. */
  records: number;
  /** Events written to the projections (duplicates and invalid records excluded). */
  projected: number;
  /** Invalid records skipped; the live projector already dead-lettered them. */
  rejected: number;
  elapsedMs: number;
}

/**
 * Drops every projection and projects the whole log again from offset 0, partition by partition,
 * through the same sink as the live projector, so the result equals the live projections row for
 * row. Run it with no projector running (on chDB the store's lock makes sure). The live group's
 * committed offsets stay; records it later re-reads are already in the ledger and are skipped.
 */
export async function rebuildProjections(options: RebuildOptions): Promise<RebuildReport> {
  const started = Date.now();
  const { log, store } = options;
  const topic = TOPICS.events;
  const limit = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const registry = new SchemaRegistry();
  await revertAll(store);
  await migrate(store);
  const sink = new ProjectionSink(store, { groupId: PROJECTOR_GROUP, topic });
  const report: RebuildReport = { records: 0, projected: 0, rejected: 0, elapsedMs: 0 };
  const partitions = (await log.endOffsets(topic)).length;
  for (let partition = 0; partition < partitions; partition++) {
    let nextOffset = 0;
    // The end is re-read after each write: events appended meanwhile are part of the rebuild.
    for (let end = await endOf(log, topic, partition); nextOffset < end; end = await endOf(log, topic, partition)) {
      const records = await log.read(topic, partition, nextOffset, limit, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
      if (records.length === 0) break;
      const { events, rejected } = decodeRecords(records, registry);
      // One process rebuilds alone: every write is under the same assignment.
      report.projected += (await sink.write(rangeOf(records), events, 0)).length;
      report.records += records.length;
      report.rejected += rejected.length;
      nextOffset = records[records.length - 1].offset + 1;
      options.onProgress?.({ partition, nextOffset, endOffset: end });
    }
  }
  report.elapsedMs = Date.now() - started;
  return report;
}

async function endOf(log: EventLog, topic: string, partition: number): Promise<number> {
  return (await log.endOffsets(topic))[partition] ?? 0;
}
