// One replica of every loop service in its own process, on the Kafka cluster:
//   node loop-replica.js BROKERS NAMESPACE DATA_DIR SESSION_TIMEOUT_MS [HOLD_TYPE]
// Prints `ready` once all five consume; runs until killed. Uses the built libraries (npm test builds first).
// With HOLD_TYPE (an event type), the first decision whose events start with that type is made but
// never appended, and `holding <runId>` is printed: the test kills the process in the middle of it.
// Each decision, error and consumer crash goes to stderr as one timestamped line, so a test that
// stalls can show what every replica did last.
const { KafkaEventLog, namespacedLog, TOPICS } = require('@xp/event-log');
const { LOOP_SERVICES, startLoopService } = require('@xp/loop');

const line = (text) => process.stderr.write(`${new Date().toISOString()} ${text}\n`);

async function main() {
  const [brokers, namespace, dataDir, sessionTimeoutMs, holdType] = process.argv.slice(2);
  const kafka = await connectRetrying({ brokers: brokers.split(','), sessionTimeoutMs: Number(sessionTimeoutMs), clientId: `xp-replica-${process.pid}` });
  const log = holdType ? holdingFirst(namespacedLog(kafka, namespace), holdType) : namespacedLog(kafka, namespace);
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

/**
 * Connects, trying again for 30 s: another test may have just killed a broker, which the cluster
 * still names in its metadata until the broker's session expires; a pod would be restarted instead.
 */
async function connectRetrying(options) {
  for (const deadline = Date.now() + 30000; ;) {
    try {
      return await KafkaEventLog.connect(options);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      line(`connect failed, trying again: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** The log, except that the first append of a decision starting with `type` never returns. */
function holdingFirst(log, type) {
  let held = false;
  return new Proxy(log, {
    get(target, property, receiver) {
      if (property !== 'append') return Reflect.get(target, property, receiver);
      return (topic, messages) => {
        const first = topic === TOPICS.events && messages[0] ? JSON.parse(messages[0].value.toString()) : undefined;
        if (held || first?.type !== type) return target.append(topic, messages);
        held = true;
        line(`holding a ${type} decision of ${first.runId} (${messages.length} events), not appended`);
        process.stdout.write(`holding ${first.runId}\n`);
        return new Promise(() => undefined);
      };
    },
  });
}

main().catch((error) => {
  line(`start-up failed: ${error.stack}`);
  process.exit(1);
});
