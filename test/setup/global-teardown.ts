/** jest globalTeardown: stops only what globalSetup started. */
import { stopKafkaBrokerIfStartedHere } from './kafka-broker';
import { stopKafkaClusterIfStartedByTests } from './kafka-cluster';

export default async function globalTeardown(): Promise<void> {
  await stopKafkaBrokerIfStartedHere(globalThis.__XP_KAFKA__);
  globalThis.__XP_KAFKA__ = undefined;
  stopKafkaClusterIfStartedByTests();
}
