import type { LogMessage } from './port';

/** A record's framing in a Kafka record batch: length, attributes, timestamp and offset deltas, key and value lengths, header count (varints). */
const RECORD_FRAMING_BYTES = 24;

/** Bytes a message takes as one record of a batch (an upper bound on its varint framing). */
export function recordBytes(message: LogMessage): number {
  let bytes = RECORD_FRAMING_BYTES + Buffer.byteLength(message.key) + message.value.length;
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += 4 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}
