import type { Database } from 'lmdb';
import { blockBodyBytes, blockRecordCount, decodeBlock } from './record-block';

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

  /**
   * The frames of up to `limit` records from `fromOffset` on, in offset order, from blocks holding no
   * more than about `maxBytes` beyond the first block (a block's uncompressed size bounds its values').
   * The blocks are decompressed in parallel.
   */
  async read(fromOffset: number, limit: number, maxBytes: number): Promise<{ frame: Buffer; offset: number }[]> {
    const { partition } = this;
    let start = fromOffset;
    for (const key of this.db.getKeys({ start: [partition, fromOffset], end: [partition], reverse: true, limit: 1 })) start = key[1];
    const blocks: { first: number; value: Buffer }[] = [];
    let records = 0;
    let bytes = 0;
    for (const { key, value } of this.db.getRange({ start: [partition, start], end: [partition + 1, 0] })) {
      const count = blockRecordCount(value);
      if (key[1] + count <= fromOffset) continue;
      if (blocks.length > 0 && bytes + blockBodyBytes(value) > maxBytes) break;
      blocks.push({ first: key[1], value });
      records += count - Math.max(0, fromOffset - key[1]);
      bytes += blockBodyBytes(value);
      if (records >= limit) break;
    }
    const decoded = await Promise.all(blocks.map((b) => decodeBlock(b.value, `${this.topic}/${partition}@${b.first}`)));
    const out: { frame: Buffer; offset: number }[] = [];
    decoded.forEach((frames, b) => {
      for (let i = Math.max(0, fromOffset - blocks[b].first); i < frames.length && out.length < limit; i++) out.push({ frame: frames[i], offset: blocks[b].first + i });
    });
    return out;
  }
}
