import type { LogRecord } from '../port';

/**
 * On-disk layout of one record: [f64 timestamp][u16 key length][key][u32 headers length][headers JSON][value].
 * A flat binary frame instead of a generic serializer keeps appends and reads close to raw LMDB speed.
 */
const FIXED = 8 + 2 + 4;

/** A record measured for its frame, so that blocks can be sized first and frames written straight into them. */
export interface PreparedFrame {
  key: string;
  keyBytes: number;
  headerText: string;
  headerBytes: number;
  value: Buffer;
  /** The frame's length. */
  bytes: number;
}

export function prepareFrame(key: string, value: Buffer, headers: Record<string, string> | undefined): PreparedFrame {
  const keyBytes = Buffer.byteLength(key);
  const headerText = headers ? JSON.stringify(headers) : '';
  const headerBytes = Buffer.byteLength(headerText);
  return { key, keyBytes, headerText, headerBytes, value, bytes: FIXED + keyBytes + headerBytes + value.length };
}

/** Writes the frame into `target` at `at` (`frame.bytes` bytes). */
export function writeFrame(frame: PreparedFrame, timestamp: number, target: Buffer, at: number): void {
  target.writeDoubleLE(timestamp, at);
  target.writeUInt16LE(frame.keyBytes, at + 8);
  target.write(frame.key, at + 10, 'utf8');
  target.writeUInt32LE(frame.headerBytes, at + 10 + frame.keyBytes);
  if (frame.headerBytes > 0) target.write(frame.headerText, at + 14 + frame.keyBytes, 'utf8');
  frame.value.copy(target, at + FIXED + frame.keyBytes + frame.headerBytes);
}

export function decodeFrame(frame: Buffer, topic: string, partition: number, offset: number): LogRecord {
  const keyBytes = frame.readUInt16LE(8);
  const headerBytes = frame.readUInt32LE(10 + keyBytes);
  const record: LogRecord = {
    topic,
    partition,
    offset,
    key: frame.toString('utf8', 10, 10 + keyBytes),
    value: frame.subarray(FIXED + keyBytes + headerBytes),
    timestamp: frame.readDoubleLE(0),
  };
  if (headerBytes > 0) record.headers = JSON.parse(frame.toString('utf8', 14 + keyBytes, 14 + keyBytes + headerBytes));
  return record;
}
