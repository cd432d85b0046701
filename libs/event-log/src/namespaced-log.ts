import { UsageError } from '@xp/events';
import { DEAD_LETTER_HEADERS, type BatchContext, type EventLog, type LogMessage, type LogRecord, type SubscribeOptions, type Subscription, type TopicSpec } from './port';

/**
 * An event log whose topics and consumer groups live under `<namespace>.`, so several deployments
 * (or tests) share one Kafka cluster without reading each other's events or joining each other's
 * groups: the loop services' group names and the product's topic names are fixed, and two stacks on
 * the same `xp.events` would each serve the other's runs. Callers keep using the plain names.
 */
export function namespacedLog(log: EventLog, namespace: string): EventLog {
  if (!/^[A-Za-z0-9_-]+$/.test(namespace)) throw new UsageError(`a log namespace takes letters, digits, '-' and '_' only (got '${namespace}')`);
  const inner = (name: string) => `${namespace}.${name}`;
  const outer = (name: string) => (name.startsWith(`${namespace}.`) ? name.slice(namespace.length + 1) : name);
  const plainRecord = (record: LogRecord): LogRecord => {
    // A dead letter names the group that parked it, as the consumer saw it: inside the namespace.
    const group = record.headers?.[DEAD_LETTER_HEADERS.group];
    const headers = group === undefined ? record.headers : { ...record.headers, [DEAD_LETTER_HEADERS.group]: outer(group) };
    return { ...record, topic: outer(record.topic), ...(headers ? { headers } : {}) };
  };
  const plainContext = (context: BatchContext): BatchContext => ({ ...context, topic: outer(context.topic) });
  return {
    kind: log.kind,
    ensureTopics: (topics: TopicSpec[]) => log.ensureTopics(topics.map((t) => ({ ...t, name: inner(t.name) }))),
    append: (topic: string, messages: LogMessage[]) => log.append(inner(topic), messages),
    read: async (topic, partition, fromOffset, limit, maxBytes) => (await log.read(inner(topic), partition, fromOffset, limit, maxBytes)).map(plainRecord),
    endOffsets: (topic) => log.endOffsets(inner(topic)),
    maxRecordBytes: (topic) => log.maxRecordBytes(inner(topic)),
    partitionFor: (topic, key) => log.partitionFor(inner(topic), key),
    committedOffsets: (groupId, topic) => log.committedOffsets(inner(groupId), inner(topic)),
    subscribe: (options: SubscribeOptions): Promise<Subscription> => log.subscribe({
      ...options,
      topic: inner(options.topic),
      groupId: inner(options.groupId),
      deadLetterTopic: inner(options.deadLetterTopic ?? `${options.topic}.dlq`),
      handler: (batch, context) => options.handler(batch.map(plainRecord), plainContext(context)),
      onError: options.onError && ((error, context) => options.onError!(error, plainContext(context))),
    }),
    close: () => log.close(),
  };
}
