import { UsageError } from '@xp/events';
import { EmbeddedEventLog } from './embedded/embedded-log';
import { KafkaEventLog } from './kafka/kafka-log';
import type { KafkaClientSecurity } from './kafka/kafka-client-config';
import { namespacedLog, type LogNamespace } from './namespaced-log';
import type { KafkaCompression } from './kafka/kafka-compression';
import type { BlockCodecName } from './embedded/record-block';
import type { EventLog } from './port';
import { DEFAULT_TOPIC_SETTINGS, topicNames, topicPlan, type TopicSettings } from './kafka/topic-plan';

export interface EventLogConfig {
  bus: 'embedded' | 'kafka';
  /** Data dir of the embedded log. */
  dataDir: string;
  /** How the embedded log compresses new record blocks (XP_LOG_COMPRESSION; default lz4). */
  logCompression?: BlockCodecName;
  /** Kafka bootstrap brokers, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /**
   * Client id, TLS and SASL of the Kafka clients (KAFKA_CLIENT_ID, KAFKA_SSL_*, KAFKA_SASL_*), whether they
   * create missing topics (XP_KAFKA_CREATE_TOPICS), and how produced batches are compressed (KAFKA_COMPRESSION).
   */
  kafka?: KafkaClientSecurity & { createTopics?: boolean; compression?: KafkaCompression; topics?: TopicSettings };
  /** Prefixes of the topics and consumer groups this deployment uses on a shared cluster (XP_KAFKA_TOPIC_PREFIX, XP_KAFKA_GROUP_PREFIX). */
  namespace?: LogNamespace;
}

/** Opens the configured log; every command and service goes through here, so both buses share one code path. */
export async function openEventLog(config: EventLogConfig): Promise<EventLog> {
  switch (config.bus) {
    case 'embedded':
      return EmbeddedEventLog.open({ dir: config.dataDir, compression: config.logCompression });
    case 'kafka': {
      const log = await KafkaEventLog.connect({ ...config.kafka, brokers: config.brokers });
      // Partition counts are re-read at every start: a topic that differs from the configuration stops the process here, not later.
      const namespace = config.namespace ?? {};
      await log.requireTopics(topicPlan(config.kafka?.topics ?? DEFAULT_TOPIC_SETTINGS, topicNames(namespace.topicPrefix))).catch(async (error) => {
        await log.close();
        throw error;
      });
      return namespacedLog(log, namespace);
    }
    default:
      throw new UsageError(`unknown bus '${String(config.bus)}': use embedded or kafka`);
  }
}
