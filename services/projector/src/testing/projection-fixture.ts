import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { migrate, openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { EmbeddedEventLog, encodeEvent, TOPICS, type EventLog, type LogMessage } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { PROJECTOR_GROUP, startProjector, type ProjectorOptions } from '../projector';

const EXAMPLES_DIR = resolve(__dirname, '../../../../schemas/examples');

/** Every example event, in file order (run.started first, then the loop in seq order). */
export function exampleEvents(): XpEvent[] {
  const events = readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.ndjson'))
    .flatMap((file) => readFileSync(join(EXAMPLES_DIR, file), 'utf8').split('\n').filter((line) => line.trim() !== ''))
    .map((line) => JSON.parse(line) as XpEvent);
  return events.sort((a, b) => a.seq - b.seq);
}

/** An embedded log and a migrated chDB store in one temp dir; one per test file (chDB binds one dir per process). */
export interface ProjectionFixture {
  dir: string;
  log: EventLog;
  store: AnalyticsStore;
  append(events: XpEvent[]): Promise<void>;
  appendRaw(messages: LogMessage[]): Promise<void>;
  /** Runs the projector until its group committed everything appended so far, then stops it. */
  project(options?: Partial<ProjectorOptions>): Promise<void>;
  rows<T = Record<string, unknown>>(query: string): Promise<T[]>;
  dispose(): Promise<void>;
}

export async function openProjectionFixture(): Promise<ProjectionFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-projector-'));
  const log = EmbeddedEventLog.open({ dir });
  await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  const fixture: ProjectionFixture = {
    dir,
    log,
    store,
    append: (events) => fixture.appendRaw(events.map(encodeEvent)),
    appendRaw: async (messages) => {
      await log.append(TOPICS.events, messages);
    },
    async project(options = {}) {
      const groupId = options.groupId ?? PROJECTOR_GROUP;
      const subscription = await startProjector({ log, store, maxWaitMs: 5, ...options });
      try {
        await waitUntil(async () => sameOffsets(await log.committedOffsets(groupId, TOPICS.events), await log.endOffsets(TOPICS.events)));
      } finally {
        await subscription.stop();
      }
    },
    async rows<T>(query: string) {
      const result = await store.client.query({ query, format: 'JSONEachRow' });
      return result.json<T>();
    },
    async dispose() {
      await log.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

function sameOffsets(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((offset, i) => offset === b[i]);
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
