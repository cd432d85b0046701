import { MAX_LINE_BYTES } from '@xp/events';
import { DEFAULT_PARTITIONS, TOPICS } from '../port';

/** What an operator decides about the topics: sizes and durability (XP_EVENTS_PARTITIONS, XP_KAFKA_*). */
export interface TopicSettings {
  /** Partitions of xp.events; runs are keyed to partitions by this count, so it never changes on a live log. */
  eventsPartitions: number;
  /** Copies of every partition; undefined leaves it to the broker's `default.replication.factor`. */
  replicationFactor?: number;
  /** Replicas that must have a write before it is acknowledged; undefined leaves it to the broker. */
  minInsyncReplicas?: number;
}

export const DEFAULT_TOPIC_SETTINGS: TopicSettings = { eventsPartitions: DEFAULT_PARTITIONS };

/**
 * `max.message.bytes` the topics are created with: room for the largest line ingest admits and for a
 * produce request of a loop decision, with margin for compression being off.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/**
 * The least `max.message.bytes` an existing topic may have: one event as large as an NDJSON line may
 * be (`MAX_LINE_BYTES`) plus its key, headers and record-batch framing. Below it, ingest would refuse
 * events that pass validation.
 */
export const MIN_MAX_MESSAGE_BYTES = MAX_LINE_BYTES + 64 * 1024;

/** One topic as the product needs it. */
export interface PlannedTopic {
  name: string;
  role: 'events' | 'dead-letter' | 'scan-from';
  partitions: number;
  /** Whether the count is part of the contract (records keyed to partitions) or only a size. */
  partitionsFixed: boolean;
  replicationFactor?: number;
  /** Topic configs set at creation (Kafka's names and string values). */
  configs: Record<string, string>;
}

const NINETY_DAYS_MS = String(90 * 24 * 3600 * 1000);

/** The product's topic names behind a deployment's topic prefix (XP_KAFKA_TOPIC_PREFIX). */
export function topicNames(prefix = ''): { events: string; deadLetter: string; loopScanFrom: string } {
  return { events: `${prefix}${TOPICS.events}`, deadLetter: `${prefix}${TOPICS.deadLetter}`, loopScanFrom: `${prefix}${TOPICS.loopScanFrom}` };
}

/** The product's topics, named as in `TOPICS`; tests pass other names through `names`. */
export function topicPlan(settings: TopicSettings, names: { events: string; deadLetter: string; loopScanFrom: string } = TOPICS): PlannedTopic[] {
  const durability: Record<string, string> = settings.minInsyncReplicas === undefined ? {} : { 'min.insync.replicas': String(settings.minInsyncReplicas) };
  const maxMessageBytes = { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) };
  return [
    {
      // The source of truth every projection is rebuilt from: never deleted by age or size.
      name: names.events,
      role: 'events',
      partitions: settings.eventsPartitions,
      partitionsFixed: true,
      replicationFactor: settings.replicationFactor,
      configs: { 'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete', ...durability, ...maxMessageBytes },
    },
    {
      // Dead letters carry no order, so their partition count is only a size.
      name: names.deadLetter,
      role: 'dead-letter',
      partitions: 1,
      partitionsFixed: false,
      replicationFactor: settings.replicationFactor,
      configs: { 'retention.ms': NINETY_DAYS_MS, 'cleanup.policy': 'delete', ...durability, ...maxMessageBytes },
    },
    {
      // Loop services read it from partition 0 and keep the latest record per key.
      name: names.loopScanFrom,
      role: 'scan-from',
      partitions: 1,
      partitionsFixed: true,
      replicationFactor: settings.replicationFactor,
      configs: { 'cleanup.policy': 'compact', ...durability },
    },
  ];
}

/** What an existing topic looks like on the broker. */
export interface ObservedTopic {
  partitions: number;
  /** Replicas of each partition (the smallest, if they differ). */
  replicationFactor: number;
  configs: Record<string, string | undefined>;
}

export interface TopicMismatch {
  topic: string;
  setting: string;
  expected: string;
  actual: string;
  fix: string;
}

/**
 * Differences between a topic on the broker and its plan. `max.message.bytes` may be larger than
 * planned (any value from `MIN_MAX_MESSAGE_BYTES` up lets ingest take what it admits); everything
 * else must match.
 */
export function compareTopic(plan: PlannedTopic, observed: ObservedTopic, brokers = '<bootstrap>'): TopicMismatch[] {
  const mismatches: TopicMismatch[] = [];
  const alter = (entry: string) => `kafka-configs.sh --bootstrap-server ${brokers} --alter --entity-type topics --entity-name ${plan.name} --add-config ${entry}`;
  if (plan.partitionsFixed && observed.partitions !== plan.partitions) {
    mismatches.push({
      topic: plan.name, setting: 'partitions', expected: String(plan.partitions), actual: String(observed.partitions),
      fix: partitionFix(plan, observed.partitions),
    });
  }
  if (plan.replicationFactor !== undefined && observed.replicationFactor !== plan.replicationFactor) {
    mismatches.push({
      topic: plan.name, setting: 'replication factor', expected: String(plan.replicationFactor), actual: String(observed.replicationFactor),
      fix: `reassign the partitions to ${plan.replicationFactor} replicas (kafka-reassign-partitions.sh), or set XP_KAFKA_REPLICATION_FACTOR=${observed.replicationFactor}`,
    });
  }
  for (const [name, expected] of Object.entries(plan.configs)) {
    const actual = observed.configs[name];
    if (name === 'max.message.bytes') {
      if (Number(actual) < MIN_MAX_MESSAGE_BYTES) {
        mismatches.push({ topic: plan.name, setting: name, expected: `at least ${MIN_MAX_MESSAGE_BYTES} (ingest admits events up to ${MAX_LINE_BYTES} bytes)`, actual: String(actual), fix: alter(`${name}=${expected}`) });
      }
    } else if (actual !== expected) {
      mismatches.push({ topic: plan.name, setting: name, expected, actual: String(actual), fix: alter(`${name}=${expected}`) });
    }
  }
  return mismatches;
}

/** How to resolve a partition count that differs from the configured one; a live topic's count never changes. */
export function partitionFix(plan: PlannedTopic, actual: number): string {
  if (plan.role !== 'events') {
    return `delete ${plan.name} and recreate it with ${plan.partitions} partition(s) (\`xp kafka init\`): xp reads no others; loop services then scan each partition of the event log once from its start`;
  }
  return `set XP_EVENTS_PARTITIONS=${actual} to match the topic; or, only while it is still empty, delete it and recreate it with ${plan.partitions} (\`xp kafka init\`). ` +
    'Never add partitions to a topic in use: runs are keyed to partitions by their count, so a run\'s events would be split across two';
}

export function describeMismatch(m: TopicMismatch): string {
  return `topic ${m.topic}: ${m.setting} is ${m.actual}, expected ${m.expected}; fix: ${m.fix}`;
}
