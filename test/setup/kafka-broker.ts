/**
 * Makes sure a Kafka broker is reachable before the test run starts.
 *
 * KAFKA_BROKERS (default 127.0.0.1:9092) is checked with a plain TCP connect. If nothing
 * answers and it points at this machine, the local single-node broker is started with
 * infra/kafka/start.sh. Tests that need Kafka are required, never skipped: if no broker
 * can be reached or started, this throws and the run fails.
 */
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

export interface KafkaBrokerState {
  /** True when this process started the broker (and so should stop it at the end). */
  startedHere: boolean;
  /** Bootstrap servers, as for KAFKA_BROKERS: "host:port[,host:port...]". */
  brokers: string;
}

declare global {
  // Shared between jest's globalSetup and globalTeardown (same process).
  // eslint-disable-next-line no-var
  var __XP_KAFKA__: KafkaBrokerState | undefined;
}

const DEFAULT_BROKERS = '127.0.0.1:9092';
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** The first run may download the broker jars through Maven. */
const START_TIMEOUT_MS = 15 * 60 * 1000;
const STOP_TIMEOUT_MS = 60 * 1000;

function firstBroker(brokers: string): { host: string; port: number } {
  const first = brokers.split(',')[0]?.trim() ?? '';
  const colon = first.lastIndexOf(':');
  const host = colon > 0 ? first.slice(0, colon) : first;
  const port = colon > 0 ? Number(first.slice(colon + 1)) : 9092;
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`KAFKA_BROKERS is not a valid "host:port" list: ${JSON.stringify(brokers)}`);
  }
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

function canConnect(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function runScript(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): string | undefined {
  const result = spawnSync('bash', [script], {
    cwd: REPO_ROOT,
    env,
    // The scripts' output goes to stderr so it never mixes with reporter output.
    stdio: ['ignore', 2, 2],
    timeout: timeoutMs,
  });
  if (result.error) return result.error.message;
  if (result.signal) return `${script} was killed by ${result.signal}`;
  if (result.status !== 0) return `${script} exited with status ${result.status}`;
  return undefined;
}

export async function ensureKafkaBroker(): Promise<KafkaBrokerState> {
  const brokers = process.env.KAFKA_BROKERS?.trim() || DEFAULT_BROKERS;
  const { host, port } = firstBroker(brokers);

  if (await canConnect(host, port)) {
    return { startedHere: false, brokers };
  }
  if (!LOCAL_HOSTS.has(host)) {
    throw new Error(
      `Kafka broker could not be started (see infra/kafka/.run/broker.log): ` +
        `nothing answers at ${host}:${port} (KAFKA_BROKERS=${brokers}), and only a local broker can be started here`,
    );
  }

  const failure = runScript(
    'infra/kafka/start.sh',
    { ...process.env, KAFKA_PORT: String(port) },
    START_TIMEOUT_MS,
  );
  if (failure) {
    throw new Error(`Kafka broker could not be started (see infra/kafka/.run/broker.log): ${failure}`);
  }
  if (!(await canConnect(host, port))) {
    throw new Error(
      `Kafka broker could not be started (see infra/kafka/.run/broker.log): ` +
        `infra/kafka/start.sh succeeded but nothing answers at ${host}:${port}`,
    );
  }
  return { startedHere: true, brokers };
}

export async function stopKafkaBrokerIfStartedHere(state: KafkaBrokerState | undefined): Promise<void> {
  if (!state?.startedHere) return;
  const failure = runScript('infra/kafka/stop.sh', process.env, STOP_TIMEOUT_MS);
  if (failure) {
    process.stderr.write(`warning: could not stop the Kafka broker: ${failure}\n`);
  }
}
