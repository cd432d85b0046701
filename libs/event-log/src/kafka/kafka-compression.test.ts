import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { compressFrame } from 'lz4-napi';
import { compressionOverhead, readKafkaCompression } from './kafka-compression';

describe('Kafka batch compression settings', () => {
  it('reads KAFKA_COMPRESSION, lz4 by default, and names the variable when the value is unknown', () => {
    expect(readKafkaCompression({})).toBe('lz4');
    expect(readKafkaCompression({ KAFKA_COMPRESSION: 'gzip' })).toBe('gzip');
    expect(readKafkaCompression({ KAFKA_COMPRESSION: 'none' })).toBe('none');
    expect(() => readKafkaCompression({ KAFKA_COMPRESSION: 'snappy' })).toThrow("KAFKA_COMPRESSION must be one of none, gzip, lz4, got 'snappy'");
  });

  it.each([1_000, 65_536, 300_000, 1_048_588])('bounds how much %d incompressible bytes grow under each codec', async (bytes) => {
    const input = randomBytes(bytes);
    expect((await compressFrame(input)).length).toBeLessThanOrEqual(bytes + compressionOverhead('lz4', bytes));
    expect(gzipSync(input).length).toBeLessThanOrEqual(bytes + compressionOverhead('gzip', bytes));
    expect(compressionOverhead('none', bytes)).toBe(0);
  });
});
