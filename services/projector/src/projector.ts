import { ProjectionSink, type AnalyticsStore } from '@xp/analytics';
import { DEFAULT_PARTITIONS, TOPICS, type BatchContext, type DeadLetter, type EventLog, type LogRecord, type Subscription } from '@xp/event-log';
import { SchemaRegistry } from '@xp/events';
import type { ProjectedWrites } from './projected-writes';
import { decodeRecords } from './record-decoder';
import { planWrites, rangeOf, splitCompleted } from './write-plan';

export const PROJECTOR_GROUP = 'xp-projector';

export interface ProjectorOptions {
  log: EventLog;
  /** A migrated store (see `migrate`). */
  store: AnalyticsStore;
  /** Default `xp-projector`. */
  groupId?: string;
  /** Where a group without commits starts: the oldest record (default) or records appended from now on. */
  fromBeginning?: boolean;
  /** Most records per write (default 20000): ClickHouse prefers few large inserts. */
  maxBatchSize?: number;
  /**
   * Most bytes of events per write (default 4 MiB), whatever their size: with 16 KB outputs 20,000
   * records would hold 330 MB, several times over while decoded, projected and encoded.
   */
  maxBatchBytes?: number;
  /** Partitions projected at once (default 2): one batch is decoded while another one's inserts run. */
  partitionsConsumedConcurrently?: number;
  /** How long an idle consumer waits before polling again (default 50 ms). */
  maxWaitMs?: number;
  /** Called when a batch failed and will be retried. */
  onError?: (error: unknown, context: BatchContext) => void;
  /** Called after each batch is written (its rows visible), before its offsets are committed. */
  onBatch?: (batch: LogRecord[], stats: BatchStats) => void;
  /** Where each write is published once its rows are visible (for readers in this process). */
  writes?: ProjectedWrites;
  registry?: SchemaRegistry;
}

export interface BatchStats {
  partition: number;
  /** Events written for the first time (not duplicates, not dead letters). */
  projected: number;
  rejected: number;
  /** Records the partition held beyond this batch when it was read. */
  lag: number;
}

export const DEFAULT_MAX_BATCH_SIZE = 20_000;
export const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CONCURRENT_PARTITIONS = 2;

/**
 * The projector: consume `xp.events`, decode and validate, project into ClickHouse, and return, so
 * that the log commits the batch's offsets only after ClickHouse acknowledged every insert. Invalid
 * records go back to the log as dead letters with their reason.
 */
export async function startProjector(options: ProjectorOptions): Promise<Subscription> {
  const { log, store } = options;
  const topic = TOPICS.events;
  const groupId = options.groupId ?? PROJECTOR_GROUP;
  const registry = options.registry ?? new SchemaRegistry();
  const sink = new ProjectionSink(store, { groupId, topic });
  await log.ensureTopics([{ name: topic, partitions: DEFAULT_PARTITIONS }]);

  return log.subscribe({
    topic,
    groupId,
    fromBeginning: options.fromBeginning,
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
    maxWaitMs: options.maxWaitMs,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? DEFAULT_CONCURRENT_PARTITIONS,
    onError: options.onError,
    handler: async (batch, context) => {
      const lastOffset = batch[batch.length - 1].offset;
      const read = (from: number, limit: number) => log.read(topic, context.partition, from, limit, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
      const announced = await sink.intents.last(context.partition, context.assignment);
      const { completed, pending } = splitCompleted(batch, announced);
      const writes = await planWrites(pending, announced, read);
      // Written by a life that crashed before committing: only their dead letters are still owed.
      const deadLetters: DeadLetter[] = decodeRecords(completed, registry).rejected;
      let projected = 0;
      for (const records of writes) {
        const { events, rejected } = decodeRecords(records, registry);
        const range = rangeOf(records);
        const fresh = await sink.write(range, events, context.assignment);
        projected += fresh.length;
        options.writes?.publish({ range, events: fresh });
        // Records read past the batch are delivered again later; they are dead-lettered then.
        deadLetters.push(...rejected.filter((letter) => letter.record.offset <= lastOffset));
      }
      options.onBatch?.(batch, { partition: context.partition, projected, rejected: deadLetters.length, lag: context.highWatermark - lastOffset - 1 });
      return { deadLetters };
    },
  });
}
