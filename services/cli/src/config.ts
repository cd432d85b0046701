import { resolve } from 'node:path';
import { UsageError } from '@xp/events';
import { blockCodec, readKafkaClientSecurity, readKafkaCompression, type EventLogConfig } from '@xp/event-log';

export const DEFAULT_DATA_DIR = '.xp-data';
export const DEFAULT_BROKERS = '127.0.0.1:9092';

/** Flags every command that touches the log accepts; environment variables are the fallback. */
export interface BusFlags {
  bus?: string;
  brokers?: string;
  dataDir?: string;
}

/** Reads and validates the log configuration once: flags first, then XP_BUS / KAFKA_BROKERS / XP_DATA_DIR / XP_LOG_COMPRESSION / KAFKA_*. */
export function eventLogConfig(flags: BusFlags, env: NodeJS.ProcessEnv = process.env): EventLogConfig {
  const bus = flags.bus ?? env.XP_BUS ?? 'embedded';
  if (bus !== 'embedded' && bus !== 'kafka') {
    throw new UsageError(`--bus must be embedded or kafka, got '${bus}'`);
  }
  const brokers = (flags.brokers ?? env.KAFKA_BROKERS ?? DEFAULT_BROKERS).split(',').map((b) => b.trim()).filter(Boolean);
  const malformed = brokers.find((b) => !/^[^:\s]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || malformed !== undefined) {
    throw new UsageError(`--brokers must be a comma-separated list of host:port, got '${flags.brokers ?? env.KAFKA_BROKERS}'`);
  }
  const logCompression = blockCodec('XP_LOG_COMPRESSION', env.XP_LOG_COMPRESSION || 'lz4');
  return { bus, brokers, dataDir: dataDir(flags, env), logCompression, kafka: bus === 'kafka' ? { ...readKafkaClientSecurity(env), createTopics: createTopics(env), compression: readKafkaCompression(env) } : undefined };
}

function createTopics(env: NodeJS.ProcessEnv): boolean {
  const value = env.XP_KAFKA_CREATE_TOPICS ?? 'true';
  if (value !== 'true' && value !== 'false') throw new UsageError(`XP_KAFKA_CREATE_TOPICS must be true or false, got '${value}'`);
  return value === 'true';
}

export function dataDir(flags: Pick<BusFlags, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flags.dataDir ?? env.XP_DATA_DIR ?? DEFAULT_DATA_DIR);
}

/** Parses a non-negative integer flag, naming the flag when it is not one. */
export function nonNegativeInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a non-negative integer, got '${value}'`);
  return Number(value);
}
