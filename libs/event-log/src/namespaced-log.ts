import { UsageError } from '@xp/events';
import { DEAD_LETTER_HEADERS, type EventLog, type LogRecord, type SubscribeOptions, type TopicSpec } from './port';

/**
 * Names a deployment adds in front of the topics and consumer groups it uses, so several
 * deployments (or test runs) share one Kafka cluster without reading each other's events or
 * splitting each other's consumer groups.
 */
export interface LogNamespace {
  /** Prepended to every topic name, e.g. `staging.` gives `staging.xp.events`. */
  topicPrefix?: string;
  /** Prepended to every consumer group id, e.g. `staging-` gives `staging-xp-loop-curriculum`. */
  groupPrefix?: string;
}

/** Kafka's own limits on topic names and group ids: legal characters, and 249 characters for a topic. */
const LEGAL_NAME = /^[A-Za-z0-9._-]*$/;
const MAX_TOPIC_PREFIX = 200;

/** Refuses a prefix Kafka would refuse in a topic name or group id, naming the setting. */
export function checkLogNamespace(namespace: LogNamespace, names: { topicPrefix: string; groupPrefix: string }): LogNamespace {
  for (const key of ['topicPrefix', 'groupPrefix'] as const) {
    const value = namespace[key];
    if (value === undefined) continue;
    if (!LEGAL_NAME.test(value)) throw new UsageError(`${names[key]} may hold only letters, digits, '.', '_' and '-' (Kafka's name characters), got '${value}'`);
    if (key === 'topicPrefix' && value.length > MAX_TOPIC_PREFIX) throw new UsageError(`${names[key]} is ${value.length} characters; at most ${MAX_TOPIC_PREFIX} leave room for the topic names`);
  }
  return namespace;
}

/** A short name for a namespace: `name.` before every topic and every group (tests, benches, one-off stacks). */
function namedNamespace(name: string): LogNamespace {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new UsageError(`a log namespace takes letters, digits, '-' and '_' only (got '${name}')`);
  return { topicPrefix: `${name}.`, groupPrefix: `${name}.` };
}

/**
 * The log seen through a namespace: callers keep using the product's topic and group names
 * (`TOPICS.events`, `xp-loop-curriculum`), and only the names sent to the log carry the prefixes.
 * Records come back under the caller's topic name, and a dead letter names its group as the
 * consumer knew it.
 */
export function namespacedLog(log: EventLog, namespace: LogNamespace | string): EventLog {
  const { topicPrefix = '', groupPrefix = '' } = typeof namespace === 'string' ? namedNamespace(namespace) : namespace;
  if (topicPrefix === '' && groupPrefix === '') return log;
  const topic = (name: string) => `${topicPrefix}${name}`;
  const group = (id: string) => `${groupPrefix}${id}`;
  const unprefixed = (record: LogRecord): LogRecord => {
    const parkedBy = record.headers?.[DEAD_LETTER_HEADERS.group];
    const headers = parkedBy !== undefined && parkedBy.startsWith(groupPrefix) ? { ...record.headers, [DEAD_LETTER_HEADERS.group]: parkedBy.slice(groupPrefix.length) } : record.headers;
    const name = record.topic.startsWith(topicPrefix) ? record.topic.slice(topicPrefix.length) : record.topic;
    return { ...record, topic: name, ...(headers ? { headers } : {}) };
  };
  return {
    kind: log.kind,
    ensureTopics: (topics: TopicSpec[]) => log.ensureTopics(topics.map((spec) => ({ ...spec, name: topic(spec.name) }))),
    append: (name, messages) => log.append(topic(name), messages),
    read: async (name, partition, fromOffset, limit, maxBytes) => (await log.read(topic(name), partition, fromOffset, limit, maxBytes)).map(unprefixed),
    endOffsets: (name) => log.endOffsets(topic(name)),
    maxRecordBytes: (name) => log.maxRecordBytes(topic(name)),
    partitionFor: (name, key) => log.partitionFor(topic(name), key),
    committedOffsets: (groupId, name) => log.committedOffsets(group(groupId), topic(name)),
    subscribe: (options: SubscribeOptions) =>
      log.subscribe({
        ...options,
        topic: topic(options.topic),
        groupId: group(options.groupId),
        ...(options.deadLetterTopic !== undefined ? { deadLetterTopic: topic(options.deadLetterTopic) } : {}),
        handler: (batch, context) => options.handler(batch.map(unprefixed), { ...context, topic: options.topic }),
        ...(options.onError ? { onError: (error: unknown, context) => options.onError!(error, { ...context, topic: options.topic }) } : {}),
      }),
    close: () => log.close(),
  };
}
