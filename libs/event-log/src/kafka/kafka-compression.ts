import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';
import { UsageError } from '@xp/events';

/**
 * Compression of the record batches the Kafka adapter produces. kafkajs compresses gzip itself; lz4
 * is registered here through its codec hook, with lz4-napi's LZ4 frame format (what Kafka's lz4
 * attribute means). Consumers of any batch need the codec of its producer, so every reader in this
 * process can read lz4 batches once this module is loaded, whatever it produces itself.
 */
export type KafkaCompression = 'none' | 'gzip' | 'lz4';

export const KAFKA_COMPRESSIONS: readonly KafkaCompression[] = ['none', 'gzip', 'lz4'];

/**
 * Chosen by `npm run bench:log` at 4 KB outputs: lz4 stores 0.52x of the bytes at 0.5-1.1x of the
 * uncompressed produce rate; gzip stores 0.32x but produces at 0.25-0.6x.
 */
export const DEFAULT_KAFKA_COMPRESSION: KafkaCompression = 'lz4';

CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
  decompress: (buffer: Buffer) => decompressFrame(buffer),
});

export function compressionType(compression: KafkaCompression): CompressionTypes {
  return { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4 }[compression];
}

/**
 * Most bytes `bytes` of input can grow by when compressed, so that a batch whose uncompressed
 * records fit `max.message.bytes` still fits once compressed. Incompressible input grows:
 * lz4 frames add a header and an end mark (at most 27 bytes) and 4 bytes per 64 KB block stored
 * raw; gzip adds 18 bytes of wrapper and deflate's bound (zlib's deflateBound).
 */
export function compressionOverhead(compression: KafkaCompression, bytes: number): number {
  switch (compression) {
    case 'none':
      return 0;
    case 'lz4':
      return 27 + 4 * Math.ceil(bytes / 65536);
    case 'gzip':
      return 18 + 13 + (bytes >> 12) + (bytes >> 14) + (bytes >> 25);
  }
}

/** Reads KAFKA_COMPRESSION (none, gzip or lz4; default lz4). */
export function readKafkaCompression(env: NodeJS.ProcessEnv): KafkaCompression {
  const value = env.KAFKA_COMPRESSION;
  if (value === undefined || value === '') return DEFAULT_KAFKA_COMPRESSION;
  if (!(KAFKA_COMPRESSIONS as readonly string[]).includes(value)) throw new UsageError(`KAFKA_COMPRESSION must be one of ${KAFKA_COMPRESSIONS.join(', ')}, got '${value}'`);
  return value as KafkaCompression;
}
