/**
 * The event-log port. Two adapters implement it (embedded LMDB, Kafka) and pass one contract suite
 * (contract.ts). A log is a set of topics; a topic has numbered partitions; a record's offset is its
 * position in its partition. Records with the same key land in the same partition, in append order.
 */

export interface LogMessage {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface LogRecord extends LogMessage {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch when the log accepted the record. */
  timestamp: number;
}

export interface RecordPosition {
  partition: number;
  offset: number;
}

/** A record the handler refuses for good; the consumer parks it in the dead-letter topic with the reason. */
export interface DeadLetter {
  record: LogRecord;
  reason: string;
}

/**
 * What a batch handler reports. Records not named in `deadLetters` count as processed.
 * Throwing instead means "nothing in this batch was processed": the batch is delivered again.
 */
export interface BatchOutcome {
  deadLetters?: DeadLetter[];
}

export interface BatchContext {
  topic: string;
  partition: number;
  /** Next offset the partition will receive once this batch was read: lag = highWatermark - last offset - 1. */
  highWatermark: number;
  /**
   * Changes whenever this consumer's hold on the partition may have changed (a rebalance, a lease
   * taken again): state a handler keeps per partition is valid only within one assignment, since
   * another consumer may have handled the partition in between.
   */
  assignment: number;
}

export type BatchHandler = (batch: LogRecord[], context: BatchContext) => Promise<BatchOutcome | void>;

export interface SubscribeOptions {
  topic: string;
  groupId: string;
  handler: BatchHandler;
  /** Where a group without a committed offset starts: the oldest record (default) or only new records. */
  fromBeginning?: boolean;
  /** Most records handed to the handler at once (default 5000). */
  maxBatchSize?: number;
  /**
   * Most bytes of record values handed to the handler at once (default `DEFAULT_MAX_READ_BYTES`); a
   * batch holds at least one record. With kilobyte events the count alone lets a batch reach hundreds
   * of megabytes.
   */
  maxBatchBytes?: number;
  /**
   * How many partitions' batches may be in the handler at once (default 1). A handler that waits on
   * a sink (an insert) lets another partition's batch be decoded meanwhile; each partition still
   * sees its batches one at a time, in order, and commits only its own.
   */
  partitionsConsumedConcurrently?: number;
  /** How long an idle consumer waits for more records before polling again (default 50 ms). */
  maxWaitMs?: number;
  /** Where rejected records go (default `${topic}.dlq`). */
  deadLetterTopic?: string;
  /** Called when a batch failed and will be retried; the consumer keeps running. */
  onError?: (error: unknown, context: BatchContext) => void;
}

export interface Subscription {
  /** Stops fetching, waits for the batch in flight to finish and commit. */
  stop(): Promise<void>;
  /** Why the consumer stopped consuming for good on its own (it will not restart), if it did: health checks report it. */
  failure?(): Error | undefined;
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface EventLog {
  readonly kind: 'embedded' | 'kafka';
  /** Creates missing topics; existing topics are left as they are. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Appends durably (acknowledged by all in-sync replicas, or fsync-safe on disk) and returns positions in input order. */
  append(topic: string, messages: LogMessage[]): Promise<RecordPosition[]>;
  /**
   * Reads up to `limit` records of one partition starting at `fromOffset`, in offset order, and no more
   * than `maxBytes` of values (default `DEFAULT_MAX_READ_BYTES`) beyond the first record: fewer than
   * `limit` records does not mean the partition ended.
   */
  read(topic: string, partition: number, fromOffset: number, limit: number, maxBytes?: number): Promise<LogRecord[]>;
  /** The next offset of each partition (its high watermark), indexed by partition. */
  endOffsets(topic: string): Promise<number[]>;
  /**
   * The largest record (key, value, headers and framing, as `recordBytes` counts them) the topic
   * accepts, or undefined when the log sets no limit. A larger one is refused by the log.
   */
  maxRecordBytes(topic: string): Promise<number | undefined>;
  /** The partition a key maps to. */
  partitionFor(topic: string, key: string): Promise<number>;
  /** Offsets the group committed, indexed by partition (the next offset to read; 0 when none). */
  committedOffsets(groupId: string, topic: string): Promise<number[]>;
  /** Consumes in batches; commits a batch's offsets only after its handler resolved and its dead letters were appended. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/** Topic names used by the product. */
export const TOPICS = {
  events: 'xp.events',
  deadLetter: 'xp.events.dlq',
  /** Where loop services start reading a partition (one partition, compacted). */
  loopScanFrom: 'xp.loop.scan-from',
} as const;

export const DEFAULT_PARTITIONS = 4;

/** Bytes of record values one read or one consumed batch holds at most (besides its first record). */
export const DEFAULT_MAX_READ_BYTES = 16 * 1024 * 1024;

/** Headers set on every dead-lettered record. */
export const DEAD_LETTER_HEADERS = {
  reason: 'xp-dlq-reason',
  topic: 'xp-dlq-topic',
  partition: 'xp-dlq-partition',
  offset: 'xp-dlq-offset',
  group: 'xp-dlq-group',
} as const;
