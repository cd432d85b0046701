import { encodeEvent, TOPICS } from '@xp/event-log';
import { ensureEventTopic } from '../loop/drive';
import { bareEvent as event, countingReads, openTempLog, type TempLog } from '../testing/loop-fixtures';
import { RunCache } from './run-cache';
import { SCHEDULE_KEY } from './run-view';

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
