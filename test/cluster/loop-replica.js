// One replica of every loop service in its own process, on the Kafka cluster:
//   node loop-replica.js BROKERS DATA_DIR SESSION_TIMEOUT_MS
// Prints `ready` once all five consume; runs until killed. Uses the built libraries (npm test builds first).
const { KafkaEventLog } = require('@xp/event-log');
const { LOOP_SERVICES, startLoopService } = require('@xp/loop');

async function main() {
  const [brokers, dataDir, sessionTimeoutMs] = process.argv.slice(2);
  const log = await KafkaEventLog.connect({ brokers: brokers.split(','), sessionTimeoutMs: Number(sessionTimeoutMs), clientId: `xp-replica-${process.pid}` });
  await Promise.all(LOOP_SERVICES.map((name) => startLoopService(name, {
    log, dataDir, onError: (error) => process.stderr.write(`${name}: ${error}\n`),
  })));
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
