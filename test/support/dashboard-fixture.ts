import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { startApiServer, type ApiServer } from '@xp/api';
import { ApiKeyStore } from '@xp/auth';
import { EmbeddedEventLog, TOPICS } from '@xp/event-log';
import { SchemaRegistry } from '@xp/events';
import { forkRun, readRunEvents, runLoop, type CurriculumStrategy, type LoopConfigOverrides, type RunResult } from '@xp/loop';
import { PROJECTOR_GROUP, startProjector } from '@xp/projector';
import { Telemetry } from '@xp/telemetry';
import { DASHBOARD_DIR } from '../../services/dashboard/src';

/** A loop small enough for a browser test on two shared cores: a few seconds per iteration. */
export const SMALL_LOOP: LoopConfigOverrides = {
  suite: { trainPerLevel: 10, heldoutPerLevel: 4 },
  curriculum: { problemsPerIteration: 16 },
  replay: { batchSize: 32, batchesPerIteration: 4 },
  attemptsPerProblem: 4,
  evaluation: { samplesPerProblem: 4, k: 2 },
};

export const TEAM = 'alpha';

/**
 * The API process on real parts, serving the dashboard: embedded log, chDB, projector, key store, and
 * the HTTP server on a free port with the dashboard's static files at `/`.
 */
export interface DashboardFixture {
  url: string;
  key: string;
  dataDir: string;
  log: EmbeddedEventLog;
  store: AnalyticsStore;
  /** Runs the built-in loop (small config) into the log as team alpha. */
  runLoop(options: { runId: string; seed: number; iterations: number; experimentId?: string; name?: string }): Promise<RunResult>;
  /** Forks a run where its iteration `atIteration` started, with another curriculum. */
  forkRun(options: { parentRunId: string; runId: string; atIteration: number; iterations: number; curriculum: CurriculumStrategy }): Promise<RunResult>;
  graphql<T = any>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ message: string }> }>;
  /** Waits until the projector has committed everything appended so far. */
  projected(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function openDashboardFixture(): Promise<DashboardFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-dashboard-'));
  const log = EmbeddedEventLog.open({ dir: join(dir, 'log') });
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  const keys = ApiKeyStore.open(dir);
  const key = (await keys.create(TEAM)).key;
  const projector = await startProjector({ log, store, maxWaitMs: 10 });
  const server: ApiServer = await startApiServer(
    { log, analytics: store, keys, registry: new SchemaRegistry(), telemetry: new Telemetry() },
    { port: 0, logger: false, staticDir: DASHBOARD_DIR },
  );
  return {
    url: server.url,
    key,
    dataDir: dir,
    log,
    store,
    runLoop: (options) =>
      runLoop({ log, dataDir: join(dir, 'loop'), team: TEAM, experimentId: options.experimentId ?? 'dashboard-e2e', config: SMALL_LOOP, ...options }),
    async forkRun({ parentRunId, runId, atIteration, iterations, curriculum }) {
      const events = await readRunEvents(log, parentRunId);
      const start = events.find((e) => e.event.type === 'curriculum.decided' && e.event.payload.iteration === atIteration);
      if (!start) throw new Error(`run ${parentRunId} has no iteration ${atIteration}`);
      return forkRun({ log, dataDir: join(dir, 'loop'), parentRunId, runId, atOffset: start.offset, iterations, curriculum });
    },
    async graphql(query, variables) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    async projected(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ends = await log.endOffsets(TOPICS.events);
        const committed = await log.committedOffsets(PROJECTOR_GROUP, TOPICS.events);
        if (ends.every((end, p) => committed[p] >= end)) return;
        if (Date.now() > deadline) throw new Error(`projector did not catch up: end ${ends} committed ${committed}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async dispose() {
      await server.close();
      await projector.stop();
      await log.close();
      await keys.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
