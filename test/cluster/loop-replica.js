// One replica of every loop service in its own process, on the Kafka cluster:
//   node loop-replica.js BROKERS NAMESPACE DATA_DIR SESSION_TIMEOUT_MS
// Prints `ready` once all five consume; runs until killed. Uses the built libraries (npm test builds first).
// Each decision, error and consumer crash goes to stderr as one timestamped line, so a test that
// stalls can show what every replica did last.
const { KafkaEventLog, namespacedLog } = require('@xp/event-log');
const { LOOP_SERVICES, startLoopService } = require('@xp/loop');

const line = (text) => process.stderr.write(`${new Date().toISOString()} ${text}\n`);

async function main() {
  const [brokers, namespace, dataDir, sessionTimeoutMs] = process.argv.slice(2);
  const kafka = await KafkaEventLog.connect({ brokers: brokers.split(','), sessionTimeoutMs: Number(sessionTimeoutMs), clientId: `xp-replica-${process.pid}` });
  const log = namespacedLog(kafka, namespace);
  const services = await Promise.all(LOOP_SERVICES.map((name) => startLoopService(name, {
    log,
    dataDir,
    onError: (error, context) => line(`${name} error${context.runId ? ` (run ${context.runId} failed)` : ''} on partition ${context.partition}: ${error && error.stack ? error.stack : error}`),
    onDecision: (d) => line(`${name} decided ${d.kind} iteration ${d.iteration} of ${d.runId}: ${d.events} events at offset ${d.offset} in ${Math.round(d.ms)} ms`),
  })));
  // A consumer that stopped for good leaves its service dead in a live process: say so once.
  const reported = new Set();
  setInterval(() => services.forEach((service, i) => {
    const failure = service.failure && service.failure();
    if (failure && !reported.has(i)) reported.add(i), line(`${LOOP_SERVICES[i]} consumer stopped for good: ${failure.stack || failure}`);
  }), 1000).unref();
  line(`pid ${process.pid} ready: ${LOOP_SERVICES.join(', ')}`);
  process.stdout.write('ready\n');
}

main().catch((error) => {
  line(`start-up failed: ${error.stack}`);
  process.exit(1);
});
