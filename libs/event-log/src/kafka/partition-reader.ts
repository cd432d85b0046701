import type { Kafka, KafkaMessage } from 'kafkajs';
import { UnavailableError } from '@xp/events';
import { DEFAULT_MAX_READ_BYTES, type LogRecord } from '../port';
import { toRecord } from './kafka-records';

/** kafkajs's view of the cluster (metadata, broker connections); not in its public types. */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  fetchTopicsOffset(topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[]):
    Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
  findBroker(options: { nodeId: string }): Promise<KafkajsBroker>;
}

interface KafkajsBroker {
  fetch(request: {
    replicaId: number; isolationLevel: number; maxWaitTime: number; minBytes: number; maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: FetchedPartition[] }[] }>;
}

type FetchedMessage = KafkaMessage & { isControlRecord?: boolean };
interface FetchedPartition {
  partition: number;
  highWatermark: string;
  lastStableOffset: string;
  messages: FetchedMessage[];
  abortedTransactions: { producerId: string; firstOffset: string }[];
}

// kafkajs's own filter, as its consumer applies it: drops records of transactions the fetch lists as aborted.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const filterAbortedMessages: (fetched: { messages: FetchedMessage[]; abortedTransactions: FetchedPartition['abortedTransactions'] }) => FetchedMessage[] =
  require('kafkajs/src/consumer/filterAbortedMessages');

/** Fetch room per request: a batch is returned whole even when larger, so this only bounds the usual case. */
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const CONSUMER_REPLICA_ID = -1;
/** Appends of several requests are transactions: read only what committed, as group consumers do. */
const READ_COMMITTED = 1;
const ATTEMPTS = 6;
/** How long a read waits for a committed transaction's markers before it returns what is stable: 20 x 50 ms. */
const STABLE_WAITS = 20;
const STABLE_WAIT_MS = 50;

/**
 * Reads ranges of partitions the way a consumer with assigned partitions does: a fetch from the
 * partition's leader at an offset, no consumer group. A group per read costs a join, at least
 * `group.initial.rebalance.delay.ms` on a cluster configured like Strimzi's (3 s), and leaves a
 * group behind on the broker for every read.
 */
export class PartitionReader {
  private connected?: Promise<void>;

  private constructor(private readonly cluster: KafkajsCluster) {}

  /** kafkajs keeps its cluster factory private; its fetch is the one a consumer uses. */
  static of(kafka: Kafka): PartitionReader {
    const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
    if (!factory) throw new Error('kafkajs has no cluster factory under private:Kafka:createCluster (was kafkajs upgraded past 2.2?)');
    const create = (kafka as unknown as Record<symbol, (options: object) => KafkajsCluster>)[factory];
    return new PartitionReader(create({ allowAutoTopicCreation: false, metadataMaxAge: 300000 }));
  }

  /**
   * Records of [from, to) of one partition, in offset order; fewer when the rest is not readable yet
   * (a transaction still open below `to`) or when they would pass `maxBytes` of values (the first
   * record always comes).
   */
  async read(topic: string, partition: number, from: number, to: number, maxBytes = DEFAULT_MAX_READ_BYTES): Promise<LogRecord[]> {
    await (this.connected ??= this.cluster.connect());
    await this.cluster.addTargetTopic(topic);
    const records: LogRecord[] = [];
    let next = from;
    let failures = 0;
    let unstable = 0;
    let bytes = 0;
    while (next < to) {
      let fetched: Fetched;
      try {
        fetched = await this.fetch(topic, partition, next);
      } catch (error) {
        // A leader moved or a broker died: learn the new leader and fetch again.
        if (++failures >= ATTEMPTS) throw new UnavailableError(`cannot read ${topic}/${partition} at offset ${next}: ${(error as Error).message}`, { cause: error });
        await this.backOff(failures);
        continue;
      }
      if (fetched.lastOffset < next) {
        if (fetched.lastStableOffset <= next && fetched.highWatermark >= to) {
          // A transaction below `to`: a committed one becomes readable once its markers are written, a
          // moment after the commit returned (an append read back at once), so wait for that briefly;
          // one still open leaves the rest unreadable for now.
          if (++unstable > STABLE_WAITS) break;
          await new Promise((resolve) => setTimeout(resolve, STABLE_WAIT_MS));
          continue;
        }
        // Stale metadata sent the fetch to a replica that is behind (a follower serves reads up to its own
        // high watermark): learn the leader again.
        if (++failures >= ATTEMPTS) throw new UnavailableError(`cannot read ${topic}/${partition} at offset ${next}: the replica asked is at ${fetched.highWatermark}, short of ${to}`);
        await this.backOff(failures);
        continue;
      }
      failures = 0;
      for (const message of fetched.messages) {
        const offset = Number(message.offset);
        // A fetch returns whole record batches, which may begin before `next`; markers are no records.
        if (offset < next || offset >= to || message.isControlRecord) continue;
        const record = toRecord(topic, partition, message);
        bytes += record.value.length;
        if (bytes > maxBytes && records.length > 0) return records;
        records.push(record);
      }
      // Past aborted records too, which the filter dropped.
      next = Math.min(to, fetched.lastOffset + 1);
    }
    return records;
  }

  private async backOff(failures: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** failures));
    await this.cluster.refreshMetadata().catch(() => undefined);
  }

  /**
   * The next offset of each partition, asked of its leader. kafkajs's admin gives up at once when
   * the leader it asks no longer leads (seen while a killed broker came back: "This server is not the
   * leader for that topic-partition"), which failed a wait for a run; here a retriable failure
   * learns the leaders again and asks again, as reads do.
   */
  async endOffsets(topic: string): Promise<number[]> {
    await (this.connected ??= this.cluster.connect());
    for (let failures = 0; ;) {
      try {
        await this.cluster.addTargetTopic(topic);
        await this.cluster.refreshMetadataIfNecessary();
        const partitions = this.cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }));
        const [offsets] = await this.cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }]);
        const ends: number[] = [];
        for (const { partition, offset } of offsets?.partitions ?? []) ends[partition] = Number(offset);
        return ends;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || ++failures >= ATTEMPTS) throw error;
        await this.backOff(failures);
      }
    }
  }

  /** The topic's partition count, from metadata fetched now (kafkajs's admin answers from its cache). */
  async partitionCount(topic: string): Promise<number> {
    await (this.connected ??= this.cluster.connect());
    for (let failures = 0; ;) {
      try {
        await this.cluster.addTargetTopic(topic);
        await this.cluster.refreshMetadata();
        return this.cluster.findTopicPartitionMetadata(topic).length;
      } catch (error) {
        // A topic just created is not yet known to every broker of a cluster ("does not host this
        // topic-partition"): a retriable answer, so ask again.
        if (!(error as { retriable?: boolean }).retriable || ++failures >= ATTEMPTS) throw error;
        await this.backOff(failures);
      }
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.cluster.disconnect();
  }

  private async fetch(topic: string, partition: number, offset: number): Promise<Fetched> {
    const leaders = this.cluster.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) throw new Error(`no leader known for ${topic}/${partition}`);
    const broker = await this.cluster.findBroker({ nodeId });
    const response = await broker.fetch({
      replicaId: CONSUMER_REPLICA_ID,
      isolationLevel: READ_COMMITTED,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: FETCH_MAX_BYTES,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: FETCH_MAX_BYTES }] }],
    });
    const fetched = response.responses.flatMap((r) => r.partitions.filter((p) => p.partition === partition))[0];
    if (!fetched) throw new Error(`the fetch answered nothing for ${topic}/${partition}`);
    return {
      messages: filterAbortedMessages({ messages: fetched.messages, abortedTransactions: fetched.abortedTransactions }),
      lastOffset: fetched.messages.length > 0 ? Number(fetched.messages[fetched.messages.length - 1].offset) : -1,
      lastStableOffset: Number(fetched.lastStableOffset),
      highWatermark: Number(fetched.highWatermark),
    };
  }
}

interface Fetched {
  messages: FetchedMessage[];
  /** Offset of the last record fetched, aborted ones included (-1 when none). */
  lastOffset: number;
  lastStableOffset: number;
  highWatermark: number;
}
