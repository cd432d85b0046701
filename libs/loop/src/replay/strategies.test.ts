import { decideReplay, type KeptSample } from './strategies';

const kept: KeptSample[] = Array.from({ length: 10 }, (_, i) => ({
  sampleId: `s${i}`,
  problemId: i < 8 ? 'common' : `rare${i}`,
  reward: i === 9 ? 0.1 : 1,
  iteration: 1,
  task: 'a',
}));

describe('replay strategies', () => {
  it('uniform: fixed-size batches drawn with replacement, reproducibly', () => {
    const config = { strategy: 'uniform' as const, batchSize: 4, batchesPerIteration: 3 };
    const batches = decideReplay(kept, 1, config).map((b) => b.sampleIds);
    expect(batches).toHaveLength(3);
    expect(batches.every((b) => b.length === 4)).toBe(true);
    expect(decideReplay(kept, 1, config).map((b) => b.sampleIds)).toEqual(batches);
  });

  it('prioritized: favours rare problems and high rewards', () => {
    const batches = decideReplay(kept, 2, { strategy: 'prioritized', batchSize: 1000, batchesPerIteration: 1 }).map((b) => b.sampleIds);
    const count = (id: string) => batches[0].filter((s) => s === id).length;
    // priority: each common sample 1/sqrt(8) = 0.35, s8 = 1, s9 = 0.1
    expect(count('s8')).toBeGreaterThan(2 * count('s0'));
    expect(count('s8')).toBeGreaterThan(5 * count('s9'));
  });

  it('reshuffle: every kept sample exactly once per epoch', () => {
    const batches = decideReplay(kept, 3, { strategy: 'reshuffle', batchSize: 4, batchesPerIteration: 1 }).map((b) => b.sampleIds);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat().sort()).toEqual(kept.map((s) => s.sampleId).sort());
    expect(batches.flat()).not.toEqual(kept.map((s) => s.sampleId));
  });

  it('draws nothing from an empty buffer', () => {
    expect(decideReplay([], 1, { strategy: 'uniform', batchSize: 4, batchesPerIteration: 2 })).toEqual([]);
  });
});
