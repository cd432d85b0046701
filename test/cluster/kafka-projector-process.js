// A projector on the Kafka cluster as its own process, for the crash test:
//   node kafka-projector-process.js BROKERS NAMESPACE DATA_DIR GROUP BATCH_SIZE
// Prints `ready` once consuming; runs until killed. Uses the built libraries (npm test builds first).
const { join } = require('node:path');
const { migrate, openAnalyticsStore } = require('@xp/analytics');
const { KafkaEventLog, namespacedLog } = require('@xp/event-log');
const { startProjector } = require('@xp/projector');

async function main() {
  const [brokers, namespace, dir, groupId, batchSize] = process.argv.slice(2);
  const log = namespacedLog(await KafkaEventLog.connect({ brokers: brokers.split(','), sessionTimeoutMs: 6000 }), namespace);
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  await startProjector({ log, store, groupId, maxBatchSize: Number(batchSize), maxWaitMs: 5 });
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
