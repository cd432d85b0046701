import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { ConflictError, UnavailableError } from '@xp/events';
import { compareTopic, describeMismatch, partitionFix, type ObservedTopic, type PlannedTopic, type TopicMismatch } from './topic-plan';

export interface TopicInitReport {
  created: string[];
  /** Topics that existed with the planned settings. */
  matching: string[];
  mismatches: TopicMismatch[];
}

/**
 * `xp kafka init`: creates the planned topics that are missing, with their partitions, replication
 * factor and configs, and compares those that exist. Running it again changes nothing; a topic that
 * differs is reported with its fix, never altered (a partition count cannot safely change at all).
 */
export async function initTopics(admin: Admin, plan: PlannedTopic[], brokers: string): Promise<TopicInitReport> {
  const existing = new Set(await admin.listTopics());
  const missing = plan.filter((t) => !existing.has(t.name));
  const created = await createTopics(admin, missing);
  const observed = await observeTopics(admin, plan.map((t) => t.name));
  const report: TopicInitReport = { created, matching: [], mismatches: [] };
  for (const topic of plan) {
    const mismatches = compareTopic(topic, observed.get(topic.name)!, brokers);
    if (mismatches.length === 0 && !created.includes(topic.name)) report.matching.push(topic.name);
    report.mismatches.push(...mismatches);
  }
  return report;
}

/**
 * What a service checks at start-up: every planned topic exists (or is created, when it may create
 * topics) and those whose partition count is part of the contract have the configured count. Returns
 * the counts read, which the log then trusts.
 */
export async function requireTopics(admin: Admin, plan: PlannedTopic[], createMissing: boolean): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const missing = plan.filter((t) => !existing.has(t.name));
  if (missing.length > 0 && !createMissing) {
    throw new UnavailableError(
      `Kafka topic(s) ${missing.map((t) => t.name).join(', ')} do not exist, and this deployment does not create topics (XP_KAFKA_CREATE_TOPICS=false): ` +
        'create them with `xp kafka init` (or apply the KafkaTopic manifests, k8s/base/kafka/topics.yaml) before starting services',
    );
  }
  // Retention and compaction as planned; the record limit stays the broker's (ingest reads it and
  // refuses what exceeds it), since raising it is a broker-wide sizing choice: `xp kafka init` makes it.
  await createTopics(admin, missing.map((t) => ({ ...t, configs: withoutKey(t.configs, 'max.message.bytes') })));
  const observed = await observeTopics(admin, plan.map((t) => t.name), false);
  const wrong = plan.filter((t) => t.partitionsFixed && observed.get(t.name)!.partitions !== t.partitions);
  if (wrong.length > 0) {
    throw new ConflictError(
      wrong.map((t) => `topic ${t.name} has ${observed.get(t.name)!.partitions} partition(s), but this deployment expects ${t.partitions}: ${partitionFix(t, observed.get(t.name)!.partitions)}`).join('; '),
    );
  }
  return new Map(plan.map((t) => [t.name, observed.get(t.name)!.partitions]));
}

function withoutKey(configs: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(configs).filter(([name]) => name !== key));
}

export function describeReport(report: TopicInitReport): string[] {
  return [
    ...report.created.map((name) => `created ${name}`),
    ...report.matching.map((name) => `${name} exists with the expected settings`),
    ...report.mismatches.map(describeMismatch),
  ];
}

/** Creates topics as planned; one created meanwhile by another process counts as created by it, and is compared like any other. */
async function createTopics(admin: Admin, topics: PlannedTopic[]): Promise<string[]> {
  if (topics.length === 0) return [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor ?? -1,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  } catch (error) {
    // On a cluster, the broker kafkajs asks for leaders may not know a just-created topic yet
    // (kafkajs retries only LEADER_NOT_AVAILABLE); and another process may have created it first.
    const type = (error as { type?: string }).type;
    if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'TOPIC_ALREADY_EXISTS') throw error;
    await waitForLeaders(admin, topics.map((t) => t.name));
  }
  return topics.map((t) => t.name);
}

export async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (attempt >= 40) throw error;
    }
    if (attempt >= 40) throw new UnavailableError(`topics ${topics.join(', ')} have no leader for every partition after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Partitions, replication factor and (when `withConfigs`) the topic configs, as the brokers report them. */
async function observeTopics(admin: Admin, names: string[], withConfigs = true): Promise<Map<string, ObservedTopic>> {
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  const observed = new Map<string, ObservedTopic>(topics.map((t) => [t.name, {
    partitions: t.partitions.length,
    replicationFactor: Math.min(...t.partitions.map((p) => p.replicas.length)),
    configs: {},
  }]));
  if (!withConfigs) return observed;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  for (const resource of resources) {
    const topic = observed.get(resource.resourceName);
    if (topic) for (const entry of resource.configEntries) topic.configs[entry.configName] = entry.configValue;
  }
  return observed;
}
