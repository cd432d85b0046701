import { UsageError } from '@xp/events';
import { EmbeddedEventLog } from './embedded/embedded-log';
import { KafkaEventLog } from './kafka/kafka-log';
import type { KafkaClientSecurity } from './kafka/kafka-client-config';
import type { KafkaCompression } from './kafka/kafka-compression';
import type { BlockCodecName } from './embedded/record-block';
import type { EventLog } from './port';

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
  kafka?: KafkaClientSecurity & { createTopics?: boolean; compression?: KafkaCompression };
}

/** Opens the configured log; every command and service goes through here, so both buses share one code path. */
export async function openEventLog(config: EventLogConfig): Promise<EventLog> {
  switch (config.bus) {
    case 'embedded':
      return EmbeddedEventLog.open({ dir: config.dataDir, compression: config.logCompression });
    case 'kafka':
      return KafkaEventLog.connect({ ...config.kafka, brokers: config.brokers });
    default:
      throw new UsageError(`unknown bus '${String(config.bus)}': use embedded or kafka`);
  }
}
