/** jest globalSetup: starts (or finds) what the test run needs before any worker starts. */
import { ensureKafkaBroker } from './kafka-broker';

export default async function globalSetup(): Promise<void> {
  const kafka = await ensureKafkaBroker();
  globalThis.__XP_KAFKA__ = kafka;
  // Test workers are started after globalSetup and inherit this.
  process.env.KAFKA_BROKERS = kafka.brokers;
}
