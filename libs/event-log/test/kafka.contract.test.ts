import { KafkaEventLog } from '../src';
import { describeEventLogContract } from './contract';

// The jest globalSetup starts the local broker (infra/kafka) when none answers; these tests are required.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describeEventLogContract('kafka', {
  open: () => KafkaEventLog.connect({ brokers }),
  openUnreachable: () => KafkaEventLog.connect({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 500 }),
  unreachableMessage: /cannot reach Kafka at 127\.0\.0\.1:1: .*npm run kafka:start/,
});
