import { resolve } from 'node:path';
import { UsageError } from '@xp/events';
import { blockCodec, checkLogNamespace, DEFAULT_PARTITIONS, readKafkaClientSecurity, readKafkaCompression, type EventLogConfig, type LogNamespace, type TopicSettings } from '@xp/event-log';

export const DEFAULT_DATA_DIR = '.xp-data';
export const DEFAULT_BROKERS = '127.0.0.1:9092';

/** Flags every command that touches the log accepts; environment variables are the fallback. */
export interface BusFlags {
  bus?: string;
  brokers?: string;
  dataDir?: string;
  topicPrefix?: string;
  groupPrefix?: string;
}

/** Reads and validates the log configuration once: flags first, then XP_BUS / KAFKA_BROKERS / XP_DATA_DIR / XP_LOG_COMPRESSION / KAFKA_* / XP_KAFKA_*. */
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
  if (bus !== 'kafka') return { bus, brokers, dataDir: dataDir(flags, env), logCompression };
  return {
    bus,
    brokers,
    dataDir: dataDir(flags, env),
    logCompression,
    kafka: { ...readKafkaClientSecurity(env), createTopics: createTopics(env), compression: readKafkaCompression(env), topics: topicSettings({}, env) },
    namespace: logNamespace(flags, env),
  };
}

/** Topic and group prefixes: several deployments, or test runs, on one Kafka cluster. */
function logNamespace(flags: BusFlags, env: NodeJS.ProcessEnv): LogNamespace {
  const topicPrefix = flags.topicPrefix ?? env.XP_KAFKA_TOPIC_PREFIX;
  const groupPrefix = flags.groupPrefix ?? env.XP_KAFKA_GROUP_PREFIX;
  return checkLogNamespace(
    { ...(topicPrefix ? { topicPrefix } : {}), ...(groupPrefix ? { groupPrefix } : {}) },
    { topicPrefix: '--topic-prefix (XP_KAFKA_TOPIC_PREFIX)', groupPrefix: '--group-prefix (XP_KAFKA_GROUP_PREFIX)' },
  );
}

function createTopics(env: NodeJS.ProcessEnv): boolean {
  const value = env.XP_KAFKA_CREATE_TOPICS ?? 'true';
  if (value !== 'true' && value !== 'false') throw new UsageError(`XP_KAFKA_CREATE_TOPICS must be true or false, got '${value}'`);
  return value === 'true';
}

/** Flags of `xp kafka init`; XP_EVENTS_PARTITIONS, XP_KAFKA_REPLICATION_FACTOR and XP_KAFKA_MIN_INSYNC_REPLICAS are the fallback. */
export interface TopicFlags {
  partitions?: string;
  replicationFactor?: string;
  minInsyncReplicas?: string;
}

/** The topic sizes this deployment expects; replication settings left unset are the broker's defaults. */
export function topicSettings(flags: TopicFlags, env: NodeJS.ProcessEnv = process.env): TopicSettings {
  const eventsPartitions = positiveInt('XP_EVENTS_PARTITIONS (--partitions)', flags.partitions ?? env.XP_EVENTS_PARTITIONS) ?? DEFAULT_PARTITIONS;
  const replicationFactor = positiveInt('XP_KAFKA_REPLICATION_FACTOR (--replication-factor)', flags.replicationFactor ?? env.XP_KAFKA_REPLICATION_FACTOR);
  const minInsyncReplicas = positiveInt('XP_KAFKA_MIN_INSYNC_REPLICAS (--min-insync-replicas)', flags.minInsyncReplicas ?? env.XP_KAFKA_MIN_INSYNC_REPLICAS);
  if (replicationFactor !== undefined && minInsyncReplicas !== undefined && minInsyncReplicas > replicationFactor) {
    throw new UsageError(`min.insync.replicas (${minInsyncReplicas}) cannot exceed the replication factor (${replicationFactor}): no write could ever be acknowledged`);
  }
  return { eventsPartitions, replicationFactor, minInsyncReplicas };
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[1-9]\d{0,5}$/.test(value)) throw new UsageError(`${name} must be a positive integer, got '${value}'`);
  return Number(value);
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
