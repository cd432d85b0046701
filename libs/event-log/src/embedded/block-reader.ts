import type { Database } from 'lmdb';
import { blockRecordCount, decodeBlock } from './record-block';

/**
 * Reads one partition's records from its blocks, starting at any offset: a seek finds the block
 * holding the offset (the last block whose first offset is not after it) and skips the records of
 * that block before it.
 */
export class BlockReader {
  constructor(
    private readonly db: Database<Buffer, [number, number]>,
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  /** Hands each record's frame from `fromOffset` on to `visit`, in offset order, until `visit` returns false or the partition ends. */
  readFrom(fromOffset: number, visit: (frame: Buffer, offset: number) => boolean): void {
    const { partition } = this;
    let start = fromOffset;
    for (const key of this.db.getKeys({ start: [partition, fromOffset], end: [partition], reverse: true, limit: 1 })) start = key[1];
    for (const { key, value } of this.db.getRange({ start: [partition, start], end: [partition + 1, 0] })) {
      const first = key[1];
      if (first + blockRecordCount(value) <= fromOffset) continue;
      const frames = decodeBlock(value, `${this.topic}/${partition}@${first}`);
      for (let i = Math.max(0, fromOffset - first); i < frames.length; i++) {
        if (!visit(frames[i], first + i)) return;
      }
    }
  }
}
