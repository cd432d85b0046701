import { AppendSignal, encodeEvent, signallingLog, TOPICS } from '@xp/event-log';
import { FakeExternalLoop } from '../testing/external-loop-fixture';
import { openTempLog, type TempLog } from '../testing/loop-fixtures';
import { PartitionWatch } from './partition-watch';

const HOUR = 3_600_000;

describe('PartitionWatch', () => {
  let temp: TempLog;
  beforeEach(async () => {
    temp = await openTempLog();
    await new FakeExternalLoop(temp.log, 'watched').start();
  });
  afterEach(async () => {
    await temp.dispose();
  });

  const appendTo = async (log: TempLog['log'], runId: string) => {
    const loop = new FakeExternalLoop(log, runId);
    await log.append(TOPICS.events, [encodeEvent(loop.modelUpdated())]);
  };

  it('wakes a waiter the moment this process appends to its partition, with no poll', async () => {
    const appended = new AppendSignal();
    const log = signallingLog(temp.log, appended);
    // A poll an hour apart cannot be what wakes it.
    const watch = new PartitionWatch(log, HOUR, appended);
    const partition = await log.partitionFor(TOPICS.events, 'watched');
    const end = (await log.endOffsets(TOPICS.events))[partition];
    const woken = watch.past(partition, end, 5000);
    await appendTo(log, 'watched');
    expect(await woken).toBe(true);
  });

  it('finds appends by other processes with its poll, and gives up at the timeout or on abort', async () => {
    const watch = new PartitionWatch(temp.log, 5);
    const partition = await temp.log.partitionFor(TOPICS.events, 'watched');
    const end = (await temp.log.endOffsets(TOPICS.events))[partition];
    expect(await watch.past(partition, end, 50)).toBe(false);
    const hungUp = new AbortController();
    const abandoned = watch.past(partition, end, HOUR, hungUp.signal);
    hungUp.abort();
    expect(await abandoned).toBe(false);

    const woken = watch.past(partition, end, HOUR);
    // Appended without the signal, as another process appends.
    await appendTo(temp.log, 'watched');
    expect(await woken).toBe(true);
  });
});
