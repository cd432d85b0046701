import { encodeEvent, TOPICS } from '@xp/event-log';
import { startRunForServices, waitForRunFinished } from '../services/start-run';
import { ensureEventTopic } from './drive';
import { bareEvent as event, countingReads, openTempLog, SMALL_LOOP, type TempLog } from '../testing/loop-fixtures';
import { readRunEvents, readRunEventsFrom, runHasEvents } from './run-history';
import { partitionScanKey, publishScanStart } from './scan-starts';


describe('reading one run of a crowded partition', () => {
  let temp: TempLog;
  let partition: number;
  /** Events of earlier, finished runs in front of the run under test. */
  let earlier: number;
  beforeEach(async () => {
    temp = await openTempLog();
    await ensureEventTopic(temp.log);
    partition = await temp.log.partitionFor(TOPICS.events, 'live');
    const ids: string[] = [];
    for (let i = 0; ids.length < 100; i++) if ((await temp.log.partitionFor(TOPICS.events, `old-${i}`)) === partition) ids.push(`old-${i}`);
    const old = ids.flatMap((id) => [event(id, 'run.started', 0), ...Array.from({ length: 28 }, (_, i) => event(id, 'problem.registered', i + 1)), event(id, 'run.finished', 29)]);
    await temp.log.append(TOPICS.events, old.map(encodeEvent));
    earlier = old.length;
    // What the loop services publish once they read past finished runs.
    await publishScanStart(temp.log, partitionScanKey(partition), earlier);
  });
  afterEach(() => temp.dispose());

  const finish = (runId: string) => temp.log.append(TOPICS.events, [encodeEvent(event(runId, 'run.finished', 999, { status: 'cancelled', iterations: 0 }))]);

  it('starts a run, waits for it and verifies it reading only the run\'s own span', async () => {
    const starting = countingReads(temp.log);
    await startRunForServices({ runId: 'live', seed: 1, iterations: 1, config: SMALL_LOOP, log: starting.log });
    expect(starting.read()).toBe(0);
    await finish('live');
    const all = (await readRunEventsFrom(temp.log, 'live', 0)).events;
    expect(all[0]).toMatchObject({ offset: earlier, event: { type: 'run.started' } });

    const waiting = countingReads(temp.log);
    expect(await waitForRunFinished(waiting.log, 'live', { timeoutMs: 1000 })).toEqual({ status: 'cancelled', iterations: 0 });
    expect(waiting.read()).toBe(all.length);

    const reading = countingReads(temp.log);
    expect(await readRunEvents(reading.log, 'live')).toEqual(all);
    expect(reading.read()).toBe(all.length);
  });

  it('reads a run nobody recorded the start of from offset 0 once, then from its start', async () => {
    const ingested = [event('live', 'run.started', 0), event('live', 'problem.registered', 1)];
    await temp.log.append(TOPICS.events, ingested.map(encodeEvent));
    const first = countingReads(temp.log);
    expect((await readRunEvents(first.log, 'live')).map((e) => e.event.seq)).toEqual([0, 1]);
    expect(first.read()).toBe(earlier + 2);
    const again = countingReads(temp.log);
    expect((await readRunEvents(again.log, 'live')).map((e) => e.event.seq)).toEqual([0, 1]);
    expect(again.read()).toBe(2);
  });

  it('knows a run id is taken from its recorded start, or from its events past the partition\'s scan start', async () => {
    expect(await runHasEvents(temp.log, 'live')).toBe(false);
    await temp.log.append(TOPICS.events, [encodeEvent(event('live', 'run.started', 0))]);
    expect(await runHasEvents(temp.log, 'live')).toBe(true);
    await startRunForServices({ runId: 'other', seed: 1, iterations: 1, config: SMALL_LOOP, log: temp.log });
    await expect(startRunForServices({ runId: 'other', seed: 1, iterations: 1, config: SMALL_LOOP, log: temp.log })).rejects.toThrow(/already has events/);
  });
});
