import type { LogRecord } from '../port';

/**
 * On-disk layout of one record: [f64 timestamp][u16 key length][key][u32 headers length][headers JSON][value].
 * A flat binary frame instead of a generic serializer keeps appends and reads close to raw LMDB speed.
 */
const FIXED = 8 + 2 + 4;

export function encodeFrame(key: string, value: Buffer, headers: Record<string, string> | undefined, timestamp: number): Buffer {
  const keyBytes = Buffer.byteLength(key);
  const headerText = headers ? JSON.stringify(headers) : '';
  const headerBytes = Buffer.byteLength(headerText);
  const frame = Buffer.allocUnsafe(FIXED + keyBytes + headerBytes + value.length);
  frame.writeDoubleLE(timestamp, 0);
  frame.writeUInt16LE(keyBytes, 8);
  frame.write(key, 10, 'utf8');
  frame.writeUInt32LE(headerBytes, 10 + keyBytes);
  if (headerBytes > 0) frame.write(headerText, 14 + keyBytes, 'utf8');
  value.copy(frame, FIXED + keyBytes + headerBytes);
  return frame;
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
