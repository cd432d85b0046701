import type { LogRecord } from '@xp/event-log';
import { planWrites, rangeOf, splitCompleted } from './write-plan';

const record = (offset: number): LogRecord => ({ topic: 't', partition: 2, offset, key: 'k', value: Buffer.from('{}'), timestamp: 0 });
const records = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => record(from + i));
const offsets = (writes: LogRecord[][]) => writes.map((w) => [w[0].offset, w[w.length - 1].offset]);

describe('planWrites', () => {
  const noRead = async () => [] as LogRecord[];

  it('writes a batch as it came when nothing was interrupted', async () => {
    expect(offsets(await planWrites(records(10, 19), undefined, noRead))).toEqual([[10, 19]]);
    expect(offsets(await planWrites(records(10, 19), { partition: 2, fromOffset: 0, toOffset: 9 }, noRead))).toEqual([[10, 19]]);
  });

  it('rebuilds the interrupted write exactly, then writes the rest', async () => {
    expect(offsets(await planWrites(records(10, 19), { partition: 2, fromOffset: 10, toOffset: 13 }, noRead))).toEqual([[10, 13], [14, 19]]);
  });

  it('reads the rest of an interrupted write when the batch is shorter', async () => {
    const read = jest.fn(async (from: number, limit: number) => records(from, from + Math.min(limit, 3) - 1));
    expect(offsets(await planWrites(records(10, 11), { partition: 2, fromOffset: 10, toOffset: 17 }, read))).toEqual([[10, 17]]);
    expect(read.mock.calls).toEqual([[12, 6], [15, 3]]);
  });

  it('sets aside what a crashed life wrote before its last announced write', () => {
    const announced = { partition: 2, fromOffset: 14, toOffset: 16 };
    const split = splitCompleted(records(10, 19), announced);
    expect(split.completed.map((r) => r.offset)).toEqual([10, 11, 12, 13]);
    expect(split.pending.map((r) => r.offset)).toEqual([14, 15, 16, 17, 18, 19]);
    expect(splitCompleted(records(10, 19), { partition: 2, fromOffset: 10, toOffset: 12 }).completed).toEqual([]);
    // A batch wholly before the interrupted write was written before it; the write is rebuilt by a later batch.
    expect(splitCompleted(records(10, 19), { partition: 2, fromOffset: 30, toOffset: 39 })).toEqual({ completed: records(10, 19), pending: [] });
    expect(splitCompleted(records(10, 19), { partition: 2, fromOffset: 20, toOffset: 29 })).toEqual({ completed: records(10, 19), pending: [] });
    expect(splitCompleted(records(10, 19), undefined).pending).toHaveLength(10);
  });

  it('names a write by its partition and offsets', () => {
    expect(rangeOf(records(5, 8))).toEqual({ partition: 2, fromOffset: 5, toOffset: 8 });
  });
});
