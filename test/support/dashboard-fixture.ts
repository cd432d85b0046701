import { join } from 'node:path';
import type { AnalyticsStore } from '@xp/analytics';
import type { EmbeddedEventLog } from '@xp/event-log';
import { forkRun, readRunEvents, runLoop, type CurriculumStrategy, type RunResult } from '@xp/loop';
import { SMALL_LOOP } from '../../libs/loop/src/testing/loop-fixtures';
import { DASHBOARD_DIR } from '@xp/dashboard';
import { openApiFixture } from '../../services/api/test/api-fixture';

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
  projected(): Promise<void>;
  dispose(): Promise<void>;
}

export async function openDashboardFixture(): Promise<DashboardFixture> {
  const api = await openApiFixture({ staticDir: DASHBOARD_DIR });
  const loopDir = join(api.dir, 'loop');
  return {
    url: api.url,
    key: api.keys.alpha,
    dataDir: api.dir,
    log: api.log,
    store: api.store,
    runLoop: (options) =>
      runLoop({ log: api.log, dataDir: loopDir, team: TEAM, experimentId: options.experimentId ?? 'dashboard-e2e', config: SMALL_LOOP, ...options }),
    async forkRun({ parentRunId, runId, atIteration, iterations, curriculum }) {
      const events = await readRunEvents(api.log, parentRunId);
      const start = events.find((e) => e.event.type === 'curriculum.decided' && e.event.payload.iteration === atIteration);
      if (!start) throw new Error(`run ${parentRunId} has no iteration ${atIteration}`);
      return forkRun({ log: api.log, dataDir: loopDir, parentRunId, runId, atOffset: start.offset, iterations, curriculum });
    },
    graphql: async (query, variables) => (await api.graphql(query, variables)).body,
    projected: () => api.projected(),
    dispose: () => api.dispose(),
  };
}
