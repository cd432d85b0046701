export * from './port';
export * from './event-codec';
export * from './partitioner';
export { recordBytes } from './record-size';
export { EmbeddedEventLog, type EmbeddedLogOptions } from './embedded/embedded-log';
export { KafkaEventLog, type KafkaLogOptions } from './kafka/kafka-log';
export { openEventLog, type EventLogConfig } from './open-event-log';
export { readKafkaClientSecurity, type KafkaClientSecurity } from './kafka/kafka-client-config';
export { namespacedLog } from './namespaced-log';
