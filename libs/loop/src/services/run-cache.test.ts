import { encodeEvent, TOPICS, type EventLog } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { ensureEventTopic } from '../loop/drive';
import { openTempLog, type TempLog } from '../testing/loop-fixtures';
import { RunCache } from './run-cache';
import { SCHEDULE_KEY } from './run-view';

/** Counts the event-topic records a log hands out through read(). */
function countingReads(inner: EventLog): { log: EventLog; read: () => number } {
  let read = 0;
  const log = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'read') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<EventLog['read']>) => {
        const records = await target.read(...args);
        if (args[0] === TOPICS.events) read += records.length;
        return records;
      };
    },
  });
  return { log, read: () => read };
}

function event(runId: string, type: string, seq: number, payload: Record<string, unknown> = {}): XpEvent {
  return {
    eventId: `${runId}-${seq}`, type, schemaVersion: 1, team: 't', experimentId: 'e', runId, seq, producer: 'runner',
    occurredAt: '2026-01-01T00:00:00.000Z', parents: [], payload,
  } as unknown as XpEvent;
}
const started = (runId: string) => event(runId, 'run.started', 0, { config: { [SCHEDULE_KEY]: { iterations: 1 } } });

describe('RunCache', () => {
  let temp: TempLog;
  beforeEach(async () => {
    temp = await openTempLog();
    await ensureEventTopic(temp.log);
  });
  afterEach(() => temp.dispose());

  /** Run ids that share one partition, so finished runs pile up in front of the live one. */
  async function runIdsOnPartition(count: number): Promise<{ partition: number; ids: string[] }> {
    const partition = await temp.log.partitionFor(TOPICS.events, 'live');
    const ids: string[] = [];
    for (let i = 0; ids.length < count; i++) if ((await temp.log.partitionFor(TOPICS.events, `done-${i}`)) === partition) ids.push(`done-${i}`);
    return { partition, ids };
  }

  it('a restarted service reads a partition from where its oldest unfinished run starts, not from offset 0', async () => {
    const { partition, ids } = await runIdsOnPartition(300);
    const finished = ids.flatMap((id) => [started(id), ...Array.from({ length: 20 }, (_, i) => event(id, 'problem.registered', i + 1)), event(id, 'run.finished', 21)]);
    await temp.log.append(TOPICS.events, finished.map(encodeEvent));
    const first = countingReads(temp.log);
    await new RunCache(first.log).refresh(partition);
    expect(first.read()).toBe(finished.length);

    const live = [started('live'), event('live', 'problem.registered', 1), event('live', 'problem.registered', 2)];
    await temp.log.append(TOPICS.events, live.map(encodeEvent));
    const running = new RunCache(first.log);
    await running.refresh(partition);

    const restarted = countingReads(temp.log);
    const runs = await new RunCache(restarted.log).refresh(partition);
    expect(restarted.read()).toBeLessThanOrEqual(live.length);
    expect(runs.get('live')).toEqual((await running.refresh(partition)).get('live'));
    expect((runs.get('live') as unknown[]).length).toBe(live.length);
  });
});
