import type { Admin, Consumer, Kafka } from 'kafkajs';
import { UnavailableError } from '@xp/events';
import { runBatch } from '../batch-runner';
import { DEFAULT_MAX_READ_BYTES, type LogMessage, type SubscribeOptions, type Subscription } from '../port';
import { batchEnd } from '../batch-bytes';
import { toRecord } from './kafka-records';

const JOIN_TIMEOUT_MS = 60_000;
const COMMIT_INTERVAL_MS = 500;
/** Fetch room per partition for a full batch of records of up to this size (kafkajs's 1 MiB default caps a batch at ~2,500 events). */
const FETCH_BYTES_PER_RECORD = 1024;
const MAX_FETCH_BYTES_PER_PARTITION = 32 * 1024 * 1024;
const DEFAULT_SESSION_TIMEOUT_MS = 30_000;

/**
 * A Kafka consumer-group member: each chunk of a fetched batch is handed to the handler, and its offset
 * is resolved (so committable) only after the handler (and dead-lettering) finished.
 */
export class KafkaSubscription implements Subscription {
  private running = true;
  private crashed?: Error;

  private constructor(private readonly consumer: Consumer) {}

  static async start(
    kafka: Kafka,
    admin: Admin,
    options: SubscribeOptions & { sessionTimeoutMs?: number },
    append: (topic: string, messages: LogMessage[]) => Promise<unknown>,
  ): Promise<KafkaSubscription> {
    const maxBatch = options.maxBatchSize ?? 5000;
    const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_READ_BYTES;
    const maxBytesPerPartition = Math.min(MAX_FETCH_BYTES_PER_PARTITION, maxBatchBytes, Math.max(1024 * 1024, maxBatch * FETCH_BYTES_PER_RECORD));
    const consumer = kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: options.maxWaitMs ?? 50,
      maxBytesPerPartition,
      maxBytes: maxBytesPerPartition * 4,
      sessionTimeout: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.floor((options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS) / 10),
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
    });
    const subscription = new KafkaSubscription(consumer);
    // kafkajs restarts a consumer after a retriable crash; after any other it stays down.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) subscription.crashed = payload.error;
    });
    if (options.fromBeginning === false) await pinStartToEnd(admin, options.groupId, options.topic);
    // Every join may have moved partitions: a new assignment number for the handler's per-partition state.
    let assignment = 0;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => {
      assignment++;
      resolve();
    }));
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      // Only offsets resolved after the handler finished are ever committed; committing them on an
      // interval instead of after every chunk saves a broker round trip per chunk.
      autoCommit: true,
      autoCommitInterval: COMMIT_INTERVAL_MS,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        const context = { topic: batch.topic, partition: batch.partition, highWatermark: Number(batch.highWatermark), assignment };
        for (let start = 0, end = 0; start < batch.messages.length; start = end) {
          if (!isRunning() || isStale() || !subscription.running) return;
          end = batchEnd(batch.messages, start, maxBatch, maxBatchBytes);
          const records = batch.messages.slice(start, end).map((m) => toRecord(batch.topic, batch.partition, m));
          // kafkajs heartbeats only when asked: keep asking while the handler works (a loop service's
          // decision can outlast the session timeout), or the coordinator evicts this member.
          const done = await whileHeartbeating(heartbeat, (options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS) / 10, () => runBatch(records, context, {
            handler: options.handler,
            groupId: options.groupId,
            deadLetterTopic: options.deadLetterTopic ?? `${options.topic}.dlq`,
            appendDeadLetters: append,
            onError: options.onError,
            isRunning: () => subscription.running && isRunning() && !isStale(),
          }));
          if (!done) return;
          resolveOffset(String(records[records.length - 1].offset));
          await commitOffsetsIfNecessary();
          await heartbeat();
        }
      },
    });
    // Resolve once partitions are assigned, so records appended after subscribe() are seen even when
    // the group starts at the end of the topic.
    await withTimeout(joined, JOIN_TIMEOUT_MS, `consumer group ${options.groupId} did not join within ${JOIN_TIMEOUT_MS} ms`);
    return subscription;
  }

  failure(): Error | undefined {
    return this.crashed;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
  }
}

/**
 * A new group that wants only new records starts at the end as of subscribe(), not as of its first
 * fetch (Kafka's auto.offset.reset=latest), so records appended right after subscribe() are not skipped.
 */
async function pinStartToEnd(admin: Admin, groupId: string, topic: string): Promise<void> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const uncommitted = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition));
  if (uncommitted.size === 0) return;
  const ends = await admin.fetchTopicOffsets(topic);
  const partitions = ends.filter((e) => uncommitted.has(e.partition)).map((e) => ({ partition: e.partition, offset: e.high }));
  await admin.setOffsets({ groupId, topic, partitions });
}

async function whileHeartbeating<T>(heartbeat: () => Promise<void>, everyMs: number, work: () => Promise<T>): Promise<T> {
  // A failed heartbeat (a rebalance under way) surfaces at the commit after the batch; nothing to do here.
  const timer = setInterval(() => heartbeat().catch(() => undefined), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

async function withTimeout(promise: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new UnavailableError(message)), ms)));
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
