import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type Producer, type RecordMetadata, type Transaction } from 'kafkajs';
import { ConflictError, UnavailableError, UsageError } from '@xp/events';
import {
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_PARTITIONS,
  type EventLog,
  type LogMessage,
  type LogRecord,
  type RecordPosition,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
} from '../port';
import { partitionForKey } from '../partitioner';
import { recordBytes } from '../record-size';
import { KafkaSubscription } from './kafka-subscription';
import { OpenSubscriptions } from '../open-subscriptions';
import { PartitionReader } from './partition-reader';
import type { KafkaClientSecurity } from './kafka-client-config';
import { initTopics, requireTopics, waitForLeaders, type TopicInitReport } from './kafka-topics';
import type { PlannedTopic } from './topic-plan';
import { compressionOverhead, compressionType, DEFAULT_KAFKA_COMPRESSION, type KafkaCompression } from './kafka-compression';

export interface KafkaLogOptions extends KafkaClientSecurity {
  brokers: string[];
  /** How long to wait for a broker connection before failing (default 5000 ms). */
  connectionTimeoutMs?: number;
  /** Partitions of topics this log creates itself (default 4). */
  defaultPartitions?: number;
  /**
   * Most bytes of one partition per produce request, as a record batch counts them (keys, values,
   * headers and a per-record allowance for the framing). A partition's share of a request is one
   * record batch, which the broker refuses above `message.max.bytes` (1,048,588 by default); the
   * default stays just under it, so whatever the broker accepts whole is still sent whole.
   */
  maxBatchBytes?: number;
  /**
   * How long the group coordinator waits for a consumer's heartbeat before evicting it (default
   * 30000 ms). Consumers heartbeat while a batch handler works, so a long handler does not need more.
   */
  sessionTimeoutMs?: number;
  /**
   * Whether missing topics are created (default true: tests, `xp up`). Production sets it false
   * (XP_KAFKA_CREATE_TOPICS=false): topics come from the KafkaTopic manifests, with the retention and
   * limits the log needs, and a missing one is a start-up error rather than a race with the operator.
   */
  createTopics?: boolean;
  /** How long a topic's partition count is trusted before it is read again (default 30000 ms). */
  partitionCountTtlMs?: number;
  /** How produced record batches are compressed (KAFKA_COMPRESSION; default lz4). */
  compression?: KafkaCompression;
}

const DEFAULT_MAX_BATCH_BYTES = 1_000_000;
/** A record batch's header: what `max.message.bytes` counts besides the records. */
const RECORD_BATCH_HEADER_BYTES = 61;
/** Topic limits change rarely (an operator's config change); re-read them after this long. */
const TOPIC_LIMIT_TTL_MS = 60_000;
const PARTITION_COUNT_TTL_MS = 30_000;

/**
 * The production event log on Apache Kafka (kafkajs): idempotent producer with acks=all, partitions
 * chosen by the same murmur2 partitioner as the embedded log, consumer groups committing only after
 * the handler finished.
 */
export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  private readonly partitionCounts = new Map<string, { count: number; readAt: number }>();
  private readonly subscriptions = new OpenSubscriptions();
  private readonly reader: PartitionReader;
  private readonly recordLimits = new Map<string, { bytes: number; readAt: number }>();
  private transactional?: Promise<Producer>;
  private transactions: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private producer: Producer,
    private readonly options: KafkaLogOptions,
  ) {
    this.reader = PartitionReader.of(kafka);
  }

  static async connect(options: KafkaLogOptions): Promise<KafkaEventLog> {
    const kafka = new Kafka({
      clientId: options.clientId ?? 'xp',
      brokers: options.brokers,
      ssl: options.ssl,
      sasl: options.sasl,
      connectionTimeout: options.connectionTimeoutMs ?? 5000,
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const admin = kafka.admin();
    const producer = idempotentProducer(kafka);
    try {
      await admin.connect();
      await producer.connect();
    } catch (error) {
      await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
      throw unreachable(options.brokers, error);
    }
    return new KafkaEventLog(kafka, admin, producer, options);
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return;
    if (this.options.createTopics === false) {
      throw new UnavailableError(
        `Kafka topic(s) ${missing.map((t) => t.name).join(', ')} do not exist, and this deployment does not create topics (XP_KAFKA_CREATE_TOPICS=false): ` +
          'apply the KafkaTopic manifests (k8s/base/kafka/topics.yaml) first',
      );
    }
    try {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: -1 })),
      });
    } catch (error) {
      // On a cluster, the broker kafkajs asks for leaders may not know a just-created topic yet
      // (kafkajs retries only LEADER_NOT_AVAILABLE); and another process may have created it first.
      const type = (error as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'TOPIC_ALREADY_EXISTS') throw error;
      await waitForLeaders(this.admin, missing.map((t) => t.name));
    }
  }

  /**
   * The start-up check of a service: the planned topics exist (created here only when this log may
   * create topics) and have the configured partition counts, read from the broker now.
   */
  async requireTopics(plan: PlannedTopic[]): Promise<void> {
    const counts = await requireTopics(this.admin, plan, this.options.createTopics !== false);
    for (const [topic, count] of counts) this.partitionCounts.set(topic, { count, readAt: Date.now() });
  }

  /** `xp kafka init`: creates what is missing of the plan and reports what differs. */
  initTopics(plan: PlannedTopic[]): Promise<TopicInitReport> {
    return initTopics(this.admin, plan, this.options.brokers.join(','));
  }

  /**
   * An append that fits one produce request is one record batch per partition, written all or
   * nothing. A larger one is sent as consecutive requests, in order, inside one transaction: it lands
   * whole or not at all (readers see only committed records), so a decision cut in two by a failure
   * never looks made.
   */
  async append(topic: string, messages: LogMessage[]): Promise<RecordPosition[]> {
    if (messages.length === 0) return [];
    const partitions = await this.partitionCount(topic);
    const assigned = messages.map((m) => partitionForKey(m.key, partitions));
    const requests = splitByBatchBytes(messages, assigned, this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
    const send = async (sender: Pick<Producer, 'send'>, request: number[]) => sender.send({
      topic,
      acks: -1,
      compression: compressionType(this.compression),
      messages: request.map((i) => ({ key: messages[i].key, value: messages[i].value, headers: messages[i].headers, partition: assigned[i] })),
    });
    if (requests.length === 1) {
      const producer = this.producer;
      try {
        return positionsOf(requests, [await send(producer, requests[0])], assigned);
      } catch (error) {
        if (!producerStateLost(error)) throw error;
        await this.replaceProducer(producer);
        throw new UnavailableError(
          `append to ${topic} failed: the broker no longer accepts this producer's sequence (${(error as Error).message}); ` +
            'a new producer takes over, so sending again succeeds, and callers that retry check the log before they append again',
        );
      }
    }
    return this.inTransaction(async (transaction) => {
      const sent = [];
      for (const request of requests) sent.push(await send(transaction, request));
      return positionsOf(requests, sent, assigned);
    });
  }

  /**
   * Swaps a producer whose idempotence state the broker refuses for a fresh one (a new producer id,
   * sequences from 0). kafkajs keeps such a producer's sequence as it was, so without the swap every
   * later append of this process would fail the same way, for ever. Concurrent failures swap it once.
   */
  private async replaceProducer(failed: Producer): Promise<void> {
    if (this.producer !== failed) return;
    const fresh = idempotentProducer(this.kafka);
    // Connected before it is handed out: appends meanwhile still fail on the old one and are retried.
    await fresh.connect();
    if (this.producer !== failed) {
      await fresh.disconnect();
      return;
    }
    this.producer = fresh;
    await failed.disconnect().catch(() => undefined);
  }

  /** Runs `work` in a transaction of the transactional producer, one at a time; aborts it when `work` fails. */
  private async inTransaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    const turn = this.transactions.then(async () => {
      this.transactional ??= this.connectTransactional();
      const transaction = await (await this.transactional).transaction();
      try {
        const result = await work(transaction);
        await transaction.commit();
        return result;
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        if (producerStateLost(error)) {
          // As for the idempotent producer: the next transaction starts on a fresh producer.
          const failed = this.transactional;
          this.transactional = undefined;
          await failed?.then((p) => p.disconnect()).catch(() => undefined);
        }
        throw error;
      }
    });
    this.transactions = turn.catch(() => undefined);
    return turn;
  }

  private async connectTransactional(): Promise<Producer> {
    // Each log instance is its own transactional producer: no two processes share an id, so none fences another.
    const producer = this.kafka.producer({
      transactionalId: `${this.options.clientId ?? 'xp'}-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false,
    });
    await producer.connect();
    return producer;
  }

  async read(topic: string, partition: number, fromOffset: number, limit: number, maxBytes = DEFAULT_MAX_READ_BYTES): Promise<LogRecord[]> {
    const partitions = await this.partitionCount(topic, false);
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
      throw new UsageError(`topic ${topic} has ${partitions} partition(s); partition ${partition} does not exist`);
    }
    const end = (await this.endOffsets(topic))[partition];
    const stopAt = Math.min(end, fromOffset + limit);
    if (fromOffset >= stopAt) return [];
    return this.reader.read(topic, partition, fromOffset, stopAt, maxBytes);
  }

  async endOffsets(topic: string): Promise<number[]> {
    if (!(await this.admin.listTopics()).includes(topic)) return [];
    return this.reader.endOffsets(topic);
  }

  /**
   * What the topic's `max.message.bytes` (the broker's `message.max.bytes` unless set per topic) leaves
   * for one record: the broker counts a batch as sent, compressed, so the codec's worst-case growth of
   * incompressible records is kept free too.
   */
  async maxRecordBytes(topic: string): Promise<number | undefined> {
    const known = this.recordLimits.get(topic);
    if (known && Date.now() - known.readAt < TOPIC_LIMIT_TTL_MS) return known.bytes;
    await this.partitionCount(topic);
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
    if (!Number.isInteger(value) || value <= 0) return undefined;
    const bytes = value - RECORD_BATCH_HEADER_BYTES - compressionOverhead(this.compression, value);
    this.recordLimits.set(topic, { bytes, readAt: Date.now() });
    return bytes;
  }

  private get compression(): KafkaCompression {
    return this.options.compression ?? DEFAULT_KAFKA_COMPRESSION;
  }

  async partitionFor(topic: string, key: string): Promise<number> {
    return partitionForKey(key, await this.partitionCount(topic));
  }

  async committedOffsets(groupId: string, topic: string): Promise<number[]> {
    const partitions = await this.partitionCount(topic, false);
    const [committed] = await retryingMoves(() => this.admin.fetchOffsets({ groupId, topics: [topic] }));
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return Array.from({ length: partitions }, (_, p) => Math.max(0, byPartition.get(p) ?? 0));
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.partitionCount(options.topic);
    return this.subscriptions.track(await KafkaSubscription.start(this.kafka, this.admin, { ...options, sessionTimeoutMs: this.options.sessionTimeoutMs }, (topic, messages) => this.append(topic, messages)));
  }

  async close(): Promise<void> {
    await this.subscriptions.stopAll();
    await this.transactions;
    const transactional = this.transactional?.then((p) => p.disconnect());
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.reader.close(), transactional]);
  }

  /**
   * Partition count of a topic, creating it with the default count when `create` and it is missing.
   * It is read again every `partitionCountTtlMs`: a run's events must stay in one partition, so a
   * count that changed under this process is an error, never a new mapping.
   */
  private async partitionCount(topic: string, create = true): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known && Date.now() - known.readAt < (this.options.partitionCountTtlMs ?? PARTITION_COUNT_TTL_MS)) return known.count;
    if (!known) {
      if (create) await this.ensureTopics([{ name: topic, partitions: this.options.defaultPartitions ?? DEFAULT_PARTITIONS }]);
      else if (!(await this.admin.listTopics()).includes(topic)) return 0;
    }
    const count = await this.reader.partitionCount(topic);
    if (known && count !== known.count) {
      throw new ConflictError(
        `topic ${topic} now has ${count} partitions, not the ${known.count} this process started with: runs are keyed to partitions, ` +
          'so a changed count would split runs across two partitions. Restore the count (recreate the topic from a copy) or keep the old one',
      );
    }
    this.partitionCounts.set(topic, { count, readAt: Date.now() });
    return count;
  }
}

/** Positions of the messages sent in `requests`: each partition's messages of a request follow its base offset in send order. */
function positionsOf(requests: number[][], sent: RecordMetadata[][], assigned: number[]): RecordPosition[] {
  const positions: RecordPosition[] = [];
  requests.forEach((request, r) => {
    const next = new Map(sent[r].map((m) => [m.partition, Number(m.baseOffset)]));
    for (const i of request) {
      const offset = next.get(assigned[i])!;
      next.set(assigned[i], offset + 1);
      positions.push({ partition: assigned[i], offset });
    }
  });
  return positions;
}

/**
 * Runs an admin request again while it fails retriably: kafkajs's admin gives up at once when the
 * group's coordinator moved ("This is not the correct coordinator for this group", seen just after
 * a killed broker came back); asking again finds the new one.
 */
async function retryingMoves<T>(request: () => Promise<T>): Promise<T> {
  for (let failures = 0; ;) {
    try {
      return await request();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || ++failures >= 6) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** failures));
    }
  }
}

function unreachable(brokers: string[], error: unknown): UnavailableError {
  return new UnavailableError(
    `cannot reach Kafka at ${brokers.join(',')}: ${(error as Error).message}. ` +
      'Start the local broker with `npm run kafka:start`, or set KAFKA_BROKERS to a reachable broker list.',
    { cause: error },
  );
}

/**
 * Cuts an append into consecutive produce requests (as message indexes) so that no partition gets
 * more than `maxBytes` in one request; a single larger message goes alone, for the broker to judge.
 */
export function splitByBatchBytes(messages: LogMessage[], partitions: number[], maxBytes: number): number[][] {
  const requests: number[][] = [];
  let current: number[] = [];
  let bytes = new Map<number, number>();
  messages.forEach((message, i) => {
    const size = recordBytes(message);
    const used = bytes.get(partitions[i]) ?? 0;
    if (used > 0 && used + size > maxBytes) {
      requests.push(current);
      current = [];
      bytes = new Map();
    }
    current.push(i);
    bytes.set(partitions[i], (bytes.get(partitions[i]) ?? 0) + size);
  });
  if (current.length > 0) requests.push(current);
  return requests;
}

function idempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
}

/**
 * Broker answers after which an idempotent producer cannot go on: its sequence no longer matches
 * the broker's (seen after a leader moved while a request's answer was lost) or the broker forgot
 * its id.
 */
const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

function producerStateLost(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { originalError?: unknown }).originalError) {
    if (PRODUCER_STATE_ERRORS.has((cause as { type?: string }).type ?? '')) return true;
  }
  return false;
}
