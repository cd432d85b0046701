import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ApiKeyStore } from '@xp/auth';
import { SchemaRegistry } from '@xp/events';
import { DecisionFeed, DEFAULT_TEAM, externalConfigIssue, startLoopService } from '@xp/loop';
import { startApiServer, DEFAULT_PORT } from '@xp/api';
import { ProjectedWrites } from '@xp/projector';
import { DASHBOARD_DIR } from '@xp/dashboard';
import { Telemetry } from '@xp/telemetry';
import { nonNegativeInt, type BusFlags } from '../config';
import { withBusOptions } from '../bus-options';
import { InProcessLoopControl } from '../loop-control';
import { LoopProcesses } from '../loop-processes';
import { openAnalyticsStack, untilSignal } from '../stack';
import { startProjectorWithMetrics } from '../projector-with-metrics';
import { DEFAULT_DEMO_ITERATIONS, DEFAULT_DEMO_SEED } from './demo';

export function registerUp(program: Command): void {
  withBusOptions(
    program
      .command('up')
      .description('run the whole product in one process: projector, training loop, GraphQL API and dashboard')
      .option('--demo', 'run a demo expert-iteration experiment first unless the data dir already has one')
      .option('--port <port>', 'HTTP port (env PORT)', process.env.PORT ?? String(DEFAULT_PORT))
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--iterations <n>', 'iterations of the demo run', String(DEFAULT_DEMO_ITERATIONS)),
  ).action(async (flags: BusFlags & { demo?: boolean; port: string; host: string; iterations: string }) => {
    const port = nonNegativeInt('--port', flags.port, DEFAULT_PORT);
    const stack = await openAnalyticsStack(flags);
    const telemetry = new Telemetry();
    const keys = ApiKeyStore.open(stack.dataDir, process.env.XP_API_KEYS_FILE);
    // The API's caches follow the projector's writes: both run in this process.
    const projectedWrites = new ProjectedWrites();
    const projector = await startProjectorWithMetrics(stack, telemetry, projectedWrites);
    const onFailure = (runId: string, error: unknown) => process.stderr.write(`run ${runId} failed: ${(error as Error).message}\n`);
    // The demo, and runs and forks asked of the API, train in processes of their own, so the API keeps answering meanwhile.
    const processes = new LoopProcesses({ ...flags, dataDir: stack.dataDir }, onFailure);
    const loop = new InProcessLoopControl(stack.log, stack.dataDir, onFailure, 'in-process', processes);
    // Runs whose sampler, trainer and evaluator are external get their curriculum and replay decisions
    // from these two services; built-in runs go through `loop`.
    const externalLoop = await Promise.all((['curriculum', 'replay'] as const).map((name) => startLoopService(name, {
      log: stack.log,
      dataDir: stack.dataDir,
      onError: (error, context) => {
        telemetry.errors.inc({ component: name, code: 'DECISION_FAILED' });
        if (context.runId) process.stderr.write(`${name}: run ${context.runId} failed: ${(error as Error).message}\n`);
      },
    })));
    let ready = false;
    const server = await startApiServer(
      {
        log: stack.log, analytics: stack.store, keys, registry: new SchemaRegistry(), telemetry, loop, projectedWrites, isReady: () => ready,
        decisions: new DecisionFeed(stack.log, { appended: stack.appended }), admitEvent: externalConfigIssue,
      },
      { port, host: flags.host, staticDir: DASHBOARD_DIR },
    );
    const dashboardKey = await localDashboardKey(keys, stack.dataDir);
    const signalled = untilSignal();
    try {
      if (flags.demo && !(await hasFinishedRun(stack))) {
        process.stderr.write('running a demo expert-iteration experiment (arithmetic and maze suites)\n');
        const demo = processes.demo(nonNegativeInt('--iterations', flags.iterations, DEFAULT_DEMO_ITERATIONS), DEFAULT_DEMO_SEED);
        if ((await Promise.race([demo, signalled])) !== 'finished') {
          process.stderr.write('stopping before the demo ended\n');
          return;
        }
      }
      ready = true;
      process.stdout.write(
        [
          '',
          `xp is up (data in ${stack.dataDir}, event log: ${stack.log.kind}, analytics: ${stack.store.kind})`,
          `  dashboard  ${server.url}/#key=${dashboardKey}`,
          `  GraphQL    ${server.url}/graphql   (Authorization: Bearer <key>; xp keys create --team T)`,
          `  ingest     ${server.url}/v1/events (POST NDJSON)`,
          `  metrics    ${server.url}/metrics`,
          'Ctrl-C stops; starting again resumes from the data dir.',
          '',
        ].join('\n'),
      );
      await signalled;
      process.stderr.write('stopping\n');
    } finally {
      await server.close();
      await processes.stop();
      await loop.drain();
      await Promise.all(externalLoop.map((service) => service.stop()));
      await projector.stop();
      await keys.close();
      await stack.close();
    }
  });
}

/** Whether any run already finished, so a restarted `xp up --demo` resumes instead of training again. */
async function hasFinishedRun(stack: Awaited<ReturnType<typeof openAnalyticsStack>>): Promise<boolean> {
  const result = await stack.store.client.query({ query: 'SELECT count() AS n FROM runs WHERE status IS NOT NULL', format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0) > 0;
}

/**
 * A key for the local dashboard, kept in the data dir (readable by its owner only) so the printed URL
 * stays valid across restarts; keys are stored hashed, so the secret itself lives only in this file.
 */
async function localDashboardKey(keys: ApiKeyStore, dataDir: string): Promise<string> {
  const file = join(dataDir, 'dashboard-key');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (keys.resolve(saved)) return saved;
  }
  const { key } = await keys.create(DEFAULT_TEAM, 'local dashboard (xp up)');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
