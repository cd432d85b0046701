import { EventEmitter } from 'node:events';
import { UsageError } from '@xp/events';
import {
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
import { EmbeddedConsumer } from './embedded-consumer';
import { OpenSubscriptions } from '../open-subscriptions';
import { LogStore } from './store';
import type { BlockCodecName } from './record-block';

export interface EmbeddedLogOptions {
  /** The data dir; the log lives in `<dir>/log`. */
  dir: string;
  /** Partitions of topics created implicitly by an append (default 4). */
  defaultPartitions?: number;
  /**
   * How new record blocks are compressed (default lz4). Reads handle every codec whatever this says,
   * so it can change between runs of the same data dir.
   */
  compression?: BlockCodecName;
}

/** The default event log: on local disk, no server, safe to share between processes on one machine. */
export class EmbeddedEventLog implements EventLog {
  readonly kind = 'embedded' as const;
  private readonly appends = new EventEmitter();
  private readonly subscriptions = new OpenSubscriptions();

  private constructor(
    private readonly store: LogStore,
    private readonly defaultPartitions: number,
  ) {
    this.appends.setMaxListeners(0);
  }

  static open(options: EmbeddedLogOptions): EmbeddedEventLog {
    return new EmbeddedEventLog(LogStore.open(options.dir, options.compression ?? 'lz4'), options.defaultPartitions ?? DEFAULT_PARTITIONS);
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const { name, partitions } of topics) await this.store.createTopic(name, partitions);
  }

  async append(topic: string, messages: LogMessage[]): Promise<RecordPosition[]> {
    if (messages.length === 0) return [];
    const positions = await this.store.append(topic, await this.partitionCount(topic), messages);
    this.appends.emit('append', topic);
    return positions;
  }

  async read(topic: string, partition: number, fromOffset: number, limit: number, maxBytes?: number): Promise<LogRecord[]> {
    await this.checkPartition(topic, partition);
    return this.store.read(topic, partition, fromOffset, limit, maxBytes);
  }

  async endOffsets(topic: string): Promise<number[]> {
    const partitions = this.store.partitionsOf(topic) ?? 0;
    return Array.from({ length: partitions }, (_, p) => this.store.endOffset(topic, p));
  }

  /** LMDB takes values far larger than any valid event; ingest's line limit bounds them. */
  async maxRecordBytes(): Promise<number | undefined> {
    return undefined;
  }

  async partitionFor(topic: string, key: string): Promise<number> {
    return partitionForKey(key, await this.partitionCount(topic));
  }

  async committedOffsets(groupId: string, topic: string): Promise<number[]> {
    const partitions = this.store.partitionsOf(topic) ?? 0;
    return Array.from({ length: partitions }, (_, p) => this.store.committedOffset(groupId, topic, p) ?? 0);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const partitions = await this.partitionCount(options.topic);
    return this.subscriptions.track(new EmbeddedConsumer(this.store, partitions, options, this.appends, (t, m) => this.append(t, m)));
  }

  async close(): Promise<void> {
    await this.subscriptions.stopAll();
    await this.store.close();
  }

  private async partitionCount(topic: string): Promise<number> {
    return this.store.partitionsOf(topic) ?? (await this.store.createTopic(topic, this.defaultPartitions));
  }

  private async checkPartition(topic: string, partition: number): Promise<void> {
    const partitions = this.store.partitionsOf(topic) ?? 0;
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
      throw new UsageError(`topic ${topic} has ${partitions} partition(s); partition ${partition} does not exist`);
    }
  }
}
