import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ConflictError, UnavailableError } from '@xp/events';
import { DEFAULT_MAX_READ_BYTES, type LogMessage, type LogRecord, type RecordPosition } from '../port';
import { partitionForKey } from '../partitioner';
import { decodeFrame, prepareFrame } from './record-frame';
import { encodeBlocks, type BlockCodecName } from './record-block';
import { BlockReader } from './block-reader';
import { FORMAT_1_TOPIC_PREFIX, LogFormat, type TopicMeta } from './log-format';

type RecordKey = [number, number];

/**
 * The embedded log's storage: one LMDB environment under `<dataDir>/log`, shared safely by several
 * processes (LMDB serializes writers across processes, readers never block). Each topic is a database
 * of record blocks keyed by [partition, offset of the block's first record] (`record-block.ts`);
 * `heads` holds each partition's next offset; `offsets` holds the committed offsets of consumer groups.
 */
export class LogStore {
  private readonly topicDbs = new Map<string, Database<Buffer, RecordKey>>();
  /** Per topic, its format-1 records' database, or null when it has none (decided once: only an upgrade marks topics). */
  private readonly format1Dbs = new Map<string, Database<Buffer, RecordKey> | null>();
  private readonly meta: Database<TopicMeta, string>;
  private readonly heads: Database<number, [string, number]>;
  private readonly offsets: Database<number, [string, string, number]>;
  readonly leases: Database<{ owner: string; pid: number; expiresAt: number }, [string, string]>;

  private constructor(
    private readonly root: RootDatabase,
    private readonly codec: BlockCodecName,
  ) {
    this.meta = root.openDB({ name: 'topics', encoding: 'msgpack' });
    this.heads = root.openDB({ name: 'heads', encoding: 'msgpack' });
    this.offsets = root.openDB({ name: 'offsets', encoding: 'msgpack' });
    this.leases = root.openDB({ name: 'leases', encoding: 'msgpack' });
  }

  static open(dataDir: string, codec: BlockCodecName): LogStore {
    const path = join(dataDir, 'log');
    let store: LogStore;
    try {
      mkdirSync(path, { recursive: true });
      // Flushing inside the commit (no overlapping sync) keeps the meta pages consistent when another
      // process sharing the log is killed in the middle of its own commit.
      const root = open({ path, maxDbs: 256, mapSize: 64 * 1024 ** 3, commitDelay: 0, overlappingSync: false });
      store = new LogStore(root, codec);
    } catch (error) {
      throw new UnavailableError(`cannot open the embedded event log at ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      LogFormat.upgrade(store.root, store.meta, path);
    } catch (error) {
      void store.close();
      throw error;
    }
    return store;
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
    const byPartition = new Map<number, number[]>();
    messages.forEach((m, i) => {
      let partition = partitionOf.get(m.key);
      if (partition === undefined) partitionOf.set(m.key, (partition = partitionForKey(m.key, partitions)));
      const indexes = byPartition.get(partition);
      if (indexes) indexes.push(i);
      else byPartition.set(partition, [i]);
    });
    const timestamp = Date.now();
    // Blocks are built (and compressed) before the write transaction, which other processes wait on.
    const blocks = await Promise.all([...byPartition].map(async ([partition, indexes]) => ({
      partition,
      indexes,
      blocks: await encodeBlocks(indexes.map((i) => prepareFrame(messages[i].key, messages[i].value, messages[i].headers)), timestamp, this.codec),
    })));
    const positions: RecordPosition[] = new Array(messages.length);
    // The callback runs inside LMDB's write transaction, so reading the heads and advancing them is atomic
    // even when other processes append to the same log.
    await this.root.transaction(() => {
      for (const { partition, indexes, blocks: encoded } of blocks) {
        const head = this.heads.get([topic, partition]) ?? 0;
        for (const block of encoded) db.put([partition, head + block.first], block.value);
        indexes.forEach((messageIndex, i) => (positions[messageIndex] = { partition, offset: head + i }));
        this.heads.put([topic, partition], head + indexes.length);
      }
    });
    return positions;
  }

  async read(topic: string, partition: number, fromOffset: number, limit: number, maxBytes = DEFAULT_MAX_READ_BYTES): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    let bytes = 0;
    const take = (record: LogRecord): boolean => {
      bytes += record.value.length;
      if (records.length >= limit || (bytes > maxBytes && records.length > 0)) return false;
      records.push(record);
      return true;
    };
    let from = fromOffset;
    const format1 = this.format1Db(topic);
    if (format1) {
      for (const { key, value } of format1.getRange({ start: [partition, from], end: [partition + 1, 0], limit })) {
        if (!take(decodeFrame(value, topic, partition, key[1]))) return records;
        from = key[1] + 1;
      }
    }
    if (records.length >= limit) return records;
    const frames = await new BlockReader(this.topicDb(topic), topic, partition).read(from, limit - records.length, maxBytes - bytes);
    for (const { frame, offset } of frames) if (!take(decodeFrame(frame, topic, partition, offset))) break;
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
      db = this.root.openDB<Buffer, RecordKey>({ name: `blocks:${topic}`, encoding: 'binary' });
      this.topicDbs.set(topic, db);
    }
    return db;
  }

  /** The topic's records written one per value by format 1, when it has any. */
  private format1Db(topic: string): Database<Buffer, RecordKey> | null {
    let db = this.format1Dbs.get(topic);
    if (db === undefined) {
      db = this.meta.get(topic)?.format1Records ? this.root.openDB<Buffer, RecordKey>({ name: `${FORMAT_1_TOPIC_PREFIX}${topic}`, encoding: 'binary' }) : null;
      this.format1Dbs.set(topic, db);
    }
    return db;
  }
}
