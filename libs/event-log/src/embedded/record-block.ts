import { compress, uncompress } from 'lz4-napi';
import { ConflictError, UsageError } from '@xp/events';
import { writeFrame, type PreparedFrame } from './record-frame';

/**
 * Format 2 of the embedded log stores records in blocks: one LMDB value holds the consecutive
 * records of one partition from one append, keyed by the offset of its first record. A 4 KB event
 * compressed alone still takes a whole 4 KB overflow page (LMDB stores values over ~2 KB in whole
 * pages), and alone it shares no vocabulary with its neighbours; a 128 KB block of them compresses
 * to about half and wastes half a page per block instead of per record.
 *
 * Layout: [u8 codec][u32 record count][u32 body length][body, compressed by the codec]; the body is,
 * per record, [u32 frame length][frame] (frames as `record-frame.ts` lays them out). Blocks are
 * written once, inside the append's transaction, and never rewritten.
 */

export type BlockCodecName = 'lz4' | 'none';

export const BLOCK_CODECS: readonly BlockCodecName[] = ['lz4', 'none'];

/** Uncompressed bytes after which a block is closed; a read of one record decompresses at most this much plus one record. */
export const BLOCK_BODY_BYTES = 128 * 1024;

/** Bodies smaller than this are stored uncompressed: a single short record gains nothing worth a trip to the thread pool. */
const MIN_COMPRESSED_BODY_BYTES = 512;

const CODEC_IDS: Record<BlockCodecName, number> = { none: 0, lz4: 1 };
const HEADER_BYTES = 1 + 4 + 4;

export interface EncodedBlock {
  /** Index (in the input) of the block's first record. */
  first: number;
  value: Buffer;
}

/** Parses a codec name from configuration, naming the setting when it is not one. */
export function blockCodec(setting: string, value: string): BlockCodecName {
  if (!(BLOCK_CODECS as readonly string[]).includes(value)) throw new UsageError(`${setting} must be one of ${BLOCK_CODECS.join(', ')}, got '${value}'`);
  return value as BlockCodecName;
}

/**
 * Groups consecutive records (of one partition, in offset order) into blocks of about `bodyBytes`,
 * writing their frames straight into each block. The blocks are compressed on libuv's thread pool,
 * several at once: compression is most of an append's cost, and the cores are otherwise idle meanwhile.
 */
export async function encodeBlocks(frames: PreparedFrame[], timestamp: number, codec: BlockCodecName, bodyBytes = BLOCK_BODY_BYTES): Promise<EncodedBlock[]> {
  const groups: { first: number; frames: PreparedFrame[]; bytes: number }[] = [];
  let first = 0;
  let bytes = 0;
  frames.forEach((frame, i) => {
    bytes += 4 + frame.bytes;
    if (bytes >= bodyBytes || i === frames.length - 1) {
      groups.push({ first, frames: frames.slice(first, i + 1), bytes });
      first = i + 1;
      bytes = 0;
    }
  });
  return Promise.all(groups.map(async (group) => ({ first: group.first, value: await encodeBlock(group.frames, group.bytes, timestamp, codec) })));
}

async function encodeBlock(frames: PreparedFrame[], bodyBytes: number, timestamp: number, codec: BlockCodecName): Promise<Buffer> {
  const block = Buffer.allocUnsafe(HEADER_BYTES + bodyBytes);
  block.writeUInt8(CODEC_IDS.none, 0);
  block.writeUInt32LE(frames.length, 1);
  block.writeUInt32LE(bodyBytes, 5);
  let at = HEADER_BYTES;
  for (const frame of frames) {
    block.writeUInt32LE(frame.bytes, at);
    writeFrame(frame, timestamp, block, at + 4);
    at += 4 + frame.bytes;
  }
  if (codec === 'none' || bodyBytes < MIN_COMPRESSED_BODY_BYTES) return block;
  const compressed = await compress(block.subarray(HEADER_BYTES));
  // A body that did not shrink (a few short records, binary values) is kept as it is: reads skip decompressing it.
  if (compressed.length >= bodyBytes) return block;
  const header = block.subarray(0, HEADER_BYTES);
  header.writeUInt8(CODEC_IDS[codec], 0);
  return Buffer.concat([header, compressed]);
}

/** Number of records in a block, read from its header without decompressing it. */
export function blockRecordCount(block: Buffer): number {
  return block.readUInt32LE(1);
}

/** Bytes of the block's uncompressed body, read from its header. */
export function blockBodyBytes(block: Buffer): number {
  return block.readUInt32LE(5);
}

/**
 * The block's frames, in offset order, decompressed on libuv's thread pool; `where` names the block
 * in the error a damaged one raises.
 */
export async function decodeBlock(block: Buffer, where: string): Promise<Buffer[]> {
  const codec = block.length >= HEADER_BYTES ? block.readUInt8(0) : -1;
  let body: Buffer;
  try {
    if (codec === CODEC_IDS.none) body = block.subarray(HEADER_BYTES);
    else if (codec === CODEC_IDS.lz4) body = await uncompress(block.subarray(HEADER_BYTES));
    else throw new Error(`unknown codec id ${codec}`);
  } catch (error) {
    throw damaged(where, (error as Error).message);
  }
  if (body.length !== blockBodyBytes(block)) throw damaged(where, `its body holds ${body.length} bytes, not the ${blockBodyBytes(block)} its header says`);
  const count = blockRecordCount(block);
  const frames: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = at + 4 <= body.length ? body.readUInt32LE(at) : -1;
    if (length < 0 || at + 4 + length > body.length) throw damaged(where, `record ${i} of ${count} runs past the block's end`);
    frames.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return frames;
}

function damaged(where: string, reason: string): ConflictError {
  return new ConflictError(`the embedded log's block ${where} cannot be read (${reason}): the data dir is damaged; restore it from a copy`);
}
