import { createServer } from 'node:http';
import type { Command } from 'commander';
import { ApiKeyStore } from '@xp/auth';
import { SchemaRegistry } from '@xp/events';
import { startApiServer, DEFAULT_PORT } from '@xp/api';
import { DASHBOARD_DIR } from '@xp/dashboard';
import { Telemetry } from '@xp/telemetry';
import { DecisionFeed, externalConfigIssue, LOOP_SERVICES, startLoopService, type LoopServiceName } from '@xp/loop';
import { UsageError } from '@xp/events';
import { nonNegativeInt, type BusFlags } from '../config';
import { withBusOptions } from '../bus-options';
import { InProcessLoopControl } from '../loop-control';
import { LoopProcesses } from '../loop-processes';
import { openAnalyticsStack, openLogStack, untilSignal, type AnalyticsStack } from '../stack';
import { startProjectorWithMetrics } from '../projector-with-metrics';

export const SERVICES = ['api', 'projector', ...LOOP_SERVICES] as const;
const DEFAULT_HEALTH_PORT = 9464;

/** One service per process, as production runs them (one Deployment each, scaled by consumer groups). */
export function registerServe(program: Command): void {
  withBusOptions(
    program
      .command('serve')
      .argument('<service>', `the service to run: ${SERVICES.join(', ')}`)
      .description('run one service in this process (production: one Deployment per service)')
      .option('--port <port>', 'api: HTTP port (env PORT)', process.env.PORT ?? String(DEFAULT_PORT))
      .option('--host <host>', 'api: address to listen on', '0.0.0.0')
      .option('--health-port <port>', 'consumers: port for /healthz and /metrics', String(DEFAULT_HEALTH_PORT)),
  ).action(async (service: string, flags: BusFlags & { port: string; host: string; healthPort: string }) => {
    if (!(SERVICES as readonly string[]).includes(service)) throw new UsageError(`unknown service '${service}' (known: ${SERVICES.join(', ')})`);
    const telemetry = new Telemetry();
    if (service === 'api') await serveApi(flags, telemetry);
    else await serveConsumer(service, flags, telemetry);
  });
}

async function serveApi(flags: BusFlags & { port: string; host: string }, telemetry: Telemetry): Promise<void> {
  const stack = await openAnalyticsStack(flags);
  const keys = ApiKeyStore.open(stack.dataDir, process.env.XP_API_KEYS_FILE);
  // Runs started here are driven by the loop services (serve curriculum, sampler, ...), not by this process;
  // forks of built-in runs train in `xp fork` processes of their own, off the API's event loop.
  const onFailure = (runId: string, error: unknown) => process.stderr.write(`run ${runId} failed: ${(error as Error).message}\n`);
  const processes = new LoopProcesses({ ...flags, dataDir: stack.dataDir }, onFailure);
  const loop = new InProcessLoopControl(stack.log, stack.dataDir, onFailure, 'loop-services', processes);
  try {
    const server = await startApiServer(
      { log: stack.log, analytics: stack.store, keys, registry: new SchemaRegistry(), telemetry, loop, decisions: new DecisionFeed(stack.log, { appended: stack.appended }), admitEvent: externalConfigIssue },
      { port: nonNegativeInt('--port', flags.port, DEFAULT_PORT), host: flags.host, staticDir: DASHBOARD_DIR },
    );
    process.stderr.write(`api listening on ${server.url}\n`);
    await untilSignal();
    await server.close();
    await processes.stop();
    await loop.drain();
  } finally {
    await keys.close();
    await stack.close();
  }
}

/** A consumer service: the projector (needs the analytics store) or a loop stage (needs only the log). */
async function serveConsumer(service: string, flags: BusFlags & { healthPort: string }, telemetry: Telemetry): Promise<void> {
  const stack = service === 'projector' ? await openAnalyticsStack(flags) : await openLogStack(flags);
  try {
    const consumer =
      'store' in stack
        ? await startProjectorWithMetrics(stack as AnalyticsStack, telemetry)
        : await startLoopService(service as LoopServiceName, {
            log: stack.log,
            dataDir: stack.dataDir,
            onError: () => telemetry.errors.inc({ component: service, code: 'DECISION_FAILED' }),
            onDecision: (decision) => {
              telemetry.loopDecisions.inc({ service, kind: decision.kind });
              telemetry.loopDecisionDuration.observe({ service }, decision.ms / 1000);
            },
          });
    const health = await serveHealth(telemetry, () => consumer.failure?.(), nonNegativeInt('--health-port', flags.healthPort, DEFAULT_HEALTH_PORT));
    process.stderr.write(`${service} consuming; health on :${flags.healthPort}\n`);
    await untilSignal();
    await consumer.stop();
    await new Promise((resolve) => health.close(resolve));
  } finally {
    await stack.close();
  }
}

/** /healthz and /metrics for a consumer process (its probes and Prometheus scrape); /healthz fails once the consumer died. */
function serveHealth(telemetry: Telemetry, failure: () => Error | undefined, port: number): Promise<ReturnType<typeof createServer>> {
  const server = createServer(async (req, res) => {
    if (req.url === '/healthz') {
      const error = failure();
      if (error) res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'consumer stopped', error: error.message }));
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': telemetry.registry.contentType }).end(await telemetry.registry.metrics());
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}
