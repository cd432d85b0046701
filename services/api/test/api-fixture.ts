import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { ApiKeyStore } from '@xp/auth';
import { EmbeddedEventLog, TOPICS } from '@xp/event-log';
import { SchemaRegistry, type XpEvent } from '@xp/events';
import { Telemetry } from '@xp/telemetry';
import { startProjector, PROJECTOR_GROUP } from '@xp/projector';
import { startApiServer, type ApiDependencies, type ApiServer, type LoopControl } from '../src';

const EXAMPLES = join(__dirname, '../../../schemas/examples');

export function exampleEvents(): XpEvent[] {
  return readdirSync(EXAMPLES)
    .sort()
    .flatMap((f) => readFileSync(join(EXAMPLES, f), 'utf8').split('\n').filter((l) => l.trim() !== ''))
    .map((l) => JSON.parse(l));
}

/** A whole API process on real parts: embedded log, chDB, projector, key store, HTTP server on a free port. */
export interface ApiFixture {
  url: string;
  /** The temp dir holding the log, the analytics store and the keys. */
  dir: string;
  /** A key per team: alpha, beta and the `teams` asked for. */
  keys: { alpha: string; beta: string } & Record<string, string>;
  store: AnalyticsStore;
  log: EmbeddedEventLog;
  telemetry: Telemetry;
  graphql<T = any>(query: string, variables?: Record<string, unknown>, key?: string): Promise<{ status: number; body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }>;
  /** Waits until the projector has committed everything appended so far. */
  projected(): Promise<void>;
  dispose(): Promise<void>;
}

export async function openApiFixture(
  options: {
    maxIngestBytes?: number;
    staticDir?: string;
    loop?: (log: EmbeddedEventLog, dir: string) => LoopControl;
    teams?: string[];
    decisions?: (log: EmbeddedEventLog) => ApiDependencies['decisions'];
  } & Pick<ApiDependencies, 'admitEvent'> = {},
): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-api-'));
  const log = EmbeddedEventLog.open({ dir });
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  const keyStore = ApiKeyStore.open(dir);
  const alpha = (await keyStore.create('alpha')).key;
  const beta = (await keyStore.create('beta')).key;
  const teamKeys: Record<string, string> = {};
  for (const team of options.teams ?? []) teamKeys[team] = (await keyStore.create(team)).key;
  const telemetry = new Telemetry();
  const projector = await startProjector({ log, store, maxWaitMs: 10 });
  const server: ApiServer = await startApiServer(
    {
      log, analytics: store, keys: keyStore, registry: new SchemaRegistry(), telemetry, maxIngestBytes: options.maxIngestBytes,
      loop: options.loop?.(log, dir), decisions: options.decisions?.(log), admitEvent: options.admitEvent,
    },
    { port: 0, logger: false, staticDir: options.staticDir },
  );
  return {
    url: server.url,
    dir,
    keys: { ...teamKeys, alpha, beta },
    store,
    log,
    telemetry,
    async graphql(query, variables, key = alpha) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json() };
    },
    async projected() {
      const deadline = Date.now() + 30_000;
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
      await keyStore.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
