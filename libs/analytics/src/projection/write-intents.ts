import type { AnalyticsStore } from '../analytics-store';
import { encodeRows } from '../encode-rows';
import { resultRows } from '../result-rows';

/** A write the projector announced: records [fromOffset, toOffset] of one partition. */
export interface WriteRange {
  partition: number;
  fromOffset: number;
  toOffset: number;
}

/**
 * Announcements of writes, made before each write (table `projector_writes`). The log redelivers
 * uncommitted records from the committed offset, but not necessarily in the same batch sizes; to
 * rebuild the interrupted batch identically (same rows, same deduplication token) the projector
 * asks where the last announced write of the partition ended.
 *
 * What this process announced is remembered per partition only for as long as it holds the
 * partition: once the partition may have moved (another `assignment`), another projector may have
 * announced a write since, so the store is asked again. Rebuilding from a forgotten range would
 * insert that projector's interrupted write under a different token, and the summed aggregates
 * would count it twice.
 */
export class WriteIntents {
  /** The last range announced per partition by this process, with the assignment it was announced under. */
  private readonly announced = new Map<number, { range: WriteRange; assignment: number }>();

  constructor(
    private readonly store: AnalyticsStore,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  async announce(range: WriteRange, assignment: number): Promise<void> {
    this.announced.set(range.partition, { range, assignment });
    await this.store.insertEncoded({
      table: 'projector_writes',
      format: 'JSONCompactEachRow',
      columns: ['group_id', 'topic', 'log_partition', 'from_offset', 'to_offset'],
      body: encodeRows([[this.groupId, this.topic, range.partition, range.fromOffset, range.toOffset]]),
      settings: { insert_deduplication_token: this.token(range) },
    });
  }

  /** The last write announced for a partition, if any, as seen by a holder of the partition's `assignment`. */
  async last(partition: number, assignment: number): Promise<WriteRange | undefined> {
    const known = this.announced.get(partition);
    if (known?.assignment === assignment) return known.range;
    this.announced.delete(partition);
    const [row] = await resultRows<{ from_offset: string | number; to_offset: string | number }>(await this.store.client.query({
      query: `SELECT from_offset, to_offset FROM projector_writes
              WHERE group_id = {group:String} AND topic = {topic:String} AND log_partition = {partition:UInt32}
              ORDER BY from_offset DESC LIMIT 1`,
      query_params: { group: this.groupId, topic: this.topic, partition },
      format: 'JSONEachRow',
    }));
    return row ? { partition, fromOffset: Number(row.from_offset), toOffset: Number(row.to_offset) } : undefined;
  }

  /** The deduplication token of every insert of one write: identical for an identical retry. */
  token(range: WriteRange): string {
    return `${this.groupId}/${this.topic}/${range.partition}/${range.fromOffset}-${range.toOffset}`;
  }
}
