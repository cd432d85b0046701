import { randomBytes } from 'node:crypto';
import { blockCodec, decodeBlock, encodeBlocks } from './record-block';
import { decodeFrame, prepareFrame } from './record-frame';

const values = Array.from({ length: 50 }, (_, i) => Buffer.from(`value ${i} `.repeat(1 + (i % 40))));
const frames = values.map((value, i) => prepareFrame(`run-${i % 3}`, value, i % 4 === 0 ? { n: String(i) } : undefined));
const TIMESTAMP = 1_700_000_000_000;

/** The records a block holds, as offset `first` onwards of topic t, partition 0. */
async function recordsOf(block: Buffer, first: number) {
  return (await decodeBlock(block, `t/0@${first}`)).map((frame, i) => decodeFrame(frame, 't', 0, first + i));
}

describe('record blocks', () => {
  it.each(['lz4', 'none'] as const)('keep every frame in order, cut into blocks of about the body size (%s)', async (codec) => {
    const blocks = await encodeBlocks(frames, TIMESTAMP, codec, 2000);
    expect(blocks.length).toBeGreaterThan(3);
    expect(blocks[0].first).toBe(0);
    const decoded = [];
    for (const [b, block] of blocks.entries()) {
      const inBlock = await decodeBlock(block.value, `t/0@${block.first}`);
      expect(block.first).toBe(decoded.length);
      // A block closes once its body reaches the size: all but its last frame fit under it.
      if (b < blocks.length - 1) expect(inBlock.slice(0, -1).reduce((s, f) => s + 4 + f.length, 0)).toBeLessThan(2000);
      decoded.push(...(await recordsOf(block.value, block.first)));
    }
    expect(decoded.map((r) => [r.offset, r.key, r.value.toString(), r.headers, r.timestamp])).toEqual(
      values.map((v, i) => [i, `run-${i % 3}`, v.toString(), i % 4 === 0 ? { n: String(i) } : undefined, TIMESTAMP]),
    );
  });

  it('compresses a body only when that makes it smaller', async () => {
    const [{ value: text }] = await encodeBlocks(frames, TIMESTAMP, 'lz4');
    expect(text[0]).toBe(1);
    expect(text.length).toBeLessThan(frames.reduce((s, f) => s + 4 + f.bytes, 0) / 2);
    const random = [randomBytes(4000)];
    const [{ value: incompressible }] = await encodeBlocks(random.map((v) => prepareFrame('k', v, undefined)), TIMESTAMP, 'lz4');
    expect(incompressible[0]).toBe(0);
    expect((await recordsOf(incompressible, 0)).map((r) => r.value.toString('hex'))).toEqual(random.map((v) => v.toString('hex')));
  });

  it('names the block and the damage when a block cannot be read', async () => {
    const [{ value: block }] = await encodeBlocks(frames, TIMESTAMP, 'lz4');
    expect(block[0]).toBe(1);
    const unknownCodec = Buffer.from(block);
    unknownCodec[0] = 9;
    await expect(decodeBlock(unknownCodec, 'xp.events/2@40')).rejects.toThrow(/block xp\.events\/2@40 cannot be read \(unknown codec id 9\): the data dir is damaged/);
    await expect(decodeBlock(block.subarray(0, block.length - 3), 'xp.events/2@40')).rejects.toThrow(/block xp\.events\/2@40 cannot be read/);
    const [{ value: plain }] = await encodeBlocks(frames.slice(0, 5), TIMESTAMP, 'none');
    const overcounted = Buffer.from(plain);
    overcounted.writeUInt32LE(6, 1);
    await expect(decodeBlock(overcounted, 't/0@0')).rejects.toThrow(/record 5 of 6 runs past the block's end/);
  });

  it('refuses a codec name it does not know, naming the setting', () => {
    expect(blockCodec('XP_LOG_COMPRESSION', 'none')).toBe('none');
    expect(() => blockCodec('XP_LOG_COMPRESSION', 'zstd')).toThrow("XP_LOG_COMPRESSION must be one of lz4, none, got 'zstd'");
  });
});
