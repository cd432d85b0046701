import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ConflictError, UnavailableError } from '@xp/events';
import { DEFAULT_MAX_READ_BYTES, type LogMessage, type LogRecord, type RecordPosition } from '../port';
import { partitionForKey } from '../partitioner';
import { decodeFrame, encodeFrame } from './record-frame';

type RecordKey = [number, number];

/**
 * The embedded log's storage: one LMDB environment under `<dataDir>/log`, shared safely by several
 * processes (LMDB serializes writers across processes, readers never block). Each topic is a database
 * keyed by [partition, offset]; `heads` holds each partition's next offset; `offsets` holds the
 * committed offsets of consumer groups.
 */
export class LogStore {
  private readonly topicDbs = new Map<string, Database<Buffer, RecordKey>>();
  private readonly meta: Database<{ partitions: number }, string>;
  private readonly heads: Database<number, [string, number]>;
  private readonly offsets: Database<number, [string, string, number]>;
  readonly leases: Database<{ owner: string; pid: number; expiresAt: number }, [string, string]>;

  private constructor(private readonly root: RootDatabase) {
    this.meta = root.openDB({ name: 'topics', encoding: 'msgpack' });
    this.heads = root.openDB({ name: 'heads', encoding: 'msgpack' });
    this.offsets = root.openDB({ name: 'offsets', encoding: 'msgpack' });
    this.leases = root.openDB({ name: 'leases', encoding: 'msgpack' });
  }

  static open(dataDir: string): LogStore {
    const path = join(dataDir, 'log');
    try {
      mkdirSync(path, { recursive: true });
      // Flushing inside the commit (no overlapping sync) keeps the meta pages consistent when another
      // process sharing the log is killed in the middle of its own commit.
      const root = open({ path, maxDbs: 256, mapSize: 64 * 1024 ** 3, commitDelay: 0, overlappingSync: false });
      return new LogStore(root);
    } catch (error) {
      throw new UnavailableError(`cannot open the embedded event log at ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  partitionsOf(topic: string): number | undefined {
    return this.meta.get(topic)?.partitions;
  }

  async createTopic(topic: string, partitions: number): Promise<number> {
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new ConflictError(`topic ${topic}: partition count must be a positive integer, got ${partitions}`);
    }
    await this.meta.ifNoExists(topic, () => {
      this.meta.put(topic, { partitions });
    });
    return this.partitionsOf(topic)!;
  }

  async append(topic: string, partitions: number, messages: LogMessage[]): Promise<RecordPosition[]> {
    const db = this.topicDb(topic);
    const partitionOf = new Map<string, number>();
    const positions: RecordPosition[] = messages.map((m) => {
      let partition = partitionOf.get(m.key);
      if (partition === undefined) partitionOf.set(m.key, (partition = partitionForKey(m.key, partitions)));
      return { partition, offset: -1 };
    });
    const timestamp = Date.now();
    const frames = messages.map((m) => encodeFrame(m.key, m.value, m.headers, timestamp));
    // The callback runs inside LMDB's write transaction, so reading the heads and advancing them is atomic
    // even when other processes append to the same log.
    await this.root.transaction(() => {
      const next = new Map<number, number>();
      frames.forEach((frame, i) => {
        const partition = positions[i].partition;
        const offset = next.get(partition) ?? this.heads.get([topic, partition]) ?? 0;
        db.put([partition, offset], frame);
        positions[i].offset = offset;
        next.set(partition, offset + 1);
      });
      for (const [partition, offset] of next) this.heads.put([topic, partition], offset);
    });
    return positions;
  }

  read(topic: string, partition: number, fromOffset: number, limit: number, maxBytes = DEFAULT_MAX_READ_BYTES): LogRecord[] {
    const records: LogRecord[] = [];
    let bytes = 0;
    const range = this.topicDb(topic).getRange({ start: [partition, fromOffset], end: [partition + 1, 0], limit });
    for (const { key, value } of range) {
      const record = decodeFrame(value, topic, partition, key[1]);
      bytes += record.value.length;
      if (bytes > maxBytes && records.length > 0) break;
      records.push(record);
    }
    return records;
  }

  endOffset(topic: string, partition: number): number {
    return this.heads.get([topic, partition]) ?? 0;
  }

  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.offsets.get([groupId, topic, partition]);
  }

  async commit(groupId: string, topic: string, partition: number, nextOffset: number): Promise<void> {
    await this.offsets.put([groupId, topic, partition], nextOffset);
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  private topicDb(topic: string): Database<Buffer, RecordKey> {
    let db = this.topicDbs.get(topic);
    if (!db) {
      db = this.root.openDB<Buffer, RecordKey>({ name: `topic:${topic}`, encoding: 'binary' });
      this.topicDbs.set(topic, db);
    }
    return db;
  }
}
