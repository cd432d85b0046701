import { openTempStore } from '../testing/temp-store';
import { WriteIntents } from './write-intents';

describe('WriteIntents of two projectors sharing a partition over time', () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(() => temp.dispose());

  it('a projector handed a partition back reads the write another projector announced meanwhile', async () => {
    const first = new WriteIntents(temp.store, 'xp-projector', 'xp.events');
    const second = new WriteIntents(temp.store, 'xp-projector', 'xp.events');
    await first.announce({ partition: 2, fromOffset: 0, toOffset: 9 }, 1);
    expect(await first.last(2, 1)).toEqual({ partition: 2, fromOffset: 0, toOffset: 9 });

    // The partition moves to the second projector, which announces a write and dies before committing.
    expect(await second.last(2, 1)).toEqual({ partition: 2, fromOffset: 0, toOffset: 9 });
    await second.announce({ partition: 2, fromOffset: 10, toOffset: 19 }, 1);

    // Back at the first projector, under a new assignment: the interrupted write is rebuilt, not a range of its own.
    expect(await first.last(2, 2)).toEqual({ partition: 2, fromOffset: 10, toOffset: 19 });
    expect(await first.last(3, 2)).toBeUndefined();
  });
});
