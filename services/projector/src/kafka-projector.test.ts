import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { encodeEvent, KafkaEventLog, TOPICS } from '@xp/event-log';
import { uuidv7, type XpEvent } from '@xp/events';
import { startProjector } from './projector';
import { exampleEvents } from './testing/projection-fixture';

// The jest globalSetup starts the local broker (infra/kafka) when none answers; this test is required.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('projector on Kafka', () => {
  let log: KafkaEventLog;
  let store: AnalyticsStore;
  const dir = mkdtempSync(join(tmpdir(), 'xp-kafka-projector-'));

  beforeAll(async () => {
    log = await KafkaEventLog.connect({ brokers });
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store);
  });
  afterAll(async () => {
    await log.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the projector, appends, and waits until the group committed what was appended. The group
   * starts at the end of `xp.events` (the shared local broker keeps other tests' events there).
   */
  async function appendAndProject(groupId: string, events: XpEvent[]): Promise<void> {
    const projector = await startProjector({ log, store, groupId, fromBeginning: false, maxWaitMs: 20 });
    try {
      const before = await log.endOffsets(TOPICS.events);
      await log.append(TOPICS.events, events.map(encodeEvent));
      const ends = await log.endOffsets(TOPICS.events);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const committed = await log.committedOffsets(groupId, TOPICS.events);
        if (ends.every((end, p) => end === before[p] || committed[p] >= end)) return;
        if (Date.now() > deadline) throw new Error(`projector on Kafka did not catch up: end ${ends}, committed ${committed}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await projector.stop();
    }
  }

  it('projects every event type from the broker, once, even when the same events arrive twice', async () => {
    const runId = `run-${randomUUID()}`;
    const events = exampleEvents().map((e) => ({ ...e, runId, eventId: uuidv7() }));
    const groupId = `xp-projector-${randomUUID()}`;
    await appendAndProject(groupId, events);
    // The same events again (a file ingested twice) and a restarted projector: nothing doubles.
    await appendAndProject(groupId, events);

    const count = async (table: string) => {
      const result = await store.client.query({ query: `SELECT count() AS n FROM ${table} WHERE run_id = {runId:String}`, query_params: { runId }, format: 'JSONEachRow' });
      return Number((await result.json<{ n: string }>())[0].n);
    };
    expect(await count('events')).toBe(events.length);
    expect(await count('samples')).toBe(1);
    expect(await count('verifications')).toBe(1);
    expect(await count('rewards')).toBe(1);
    expect(await count('curriculum_decisions')).toBe(1);
    expect(await count('replay_batches')).toBe(1);
    expect(await count('model_updates')).toBe(1);
    expect(await count('problems')).toBe(2);
  });
});
