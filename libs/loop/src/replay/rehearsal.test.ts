import { Rng } from '../rng';
import { reservoirSample, taskBalancedSample } from './rehearsal';
import { decideReplay, type KeptSample, type ReplayConfig } from './strategies';

const sample = (iteration: number, index: number, task: string): KeptSample =>
  ({ sampleId: `r/s/${iteration}/${index}/0`, problemId: `${task}/${index}`, reward: 1, iteration, task });

describe('rehearsal memories', () => {
  it('reservoir: every item of the stream is in memory with probability capacity / n', () => {
    // 2000 fixed seeds, a stream of 100 and a memory of 10: each item expected in 200 memories.
    const n = 100;
    const capacity = 10;
    const trials = 2000;
    const stream = Array.from({ length: n }, (_, i) => i);
    const counts = new Array<number>(n).fill(0);
    for (let seed = 1; seed <= trials; seed++) {
      const memory = reservoirSample(stream, capacity, new Rng(seed));
      expect(memory).toHaveLength(capacity);
      expect(new Set(memory).size).toBe(capacity);
      for (const item of memory) counts[item]++;
    }
    const expected = (trials * capacity) / n;
    // Pearson's chi-square against the uniform inclusion probability, 99 degrees of freedom: the
    // 0.999 quantile is 148.2. The first and last tenth of the stream must also be in memory as often.
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(148.2);
    const share = (from: number, to: number) => counts.slice(from, to).reduce((a, b) => a + b, 0) / ((to - from) * trials);
    expect(Math.abs(share(0, 10) - capacity / n)).toBeLessThan(0.02);
    expect(Math.abs(share(90, 100) - capacity / n)).toBeLessThan(0.02);
  });

  it('reservoir: holds everything while the stream is shorter than the memory', () => {
    expect(reservoirSample([1, 2, 3], 5, new Rng(1))).toEqual([1, 2, 3]);
  });

  it('task-balanced: equal memory per task seen, however long each task was', () => {
    const stream = [
      ...Array.from({ length: 300 }, (_, i) => sample(1, i, 'a')),
      ...Array.from({ length: 40 }, (_, i) => sample(2, i, 'b')),
      ...Array.from({ length: 5 }, (_, i) => sample(3, i, 'c')),
    ];
    const memory = taskBalancedSample(stream, 30, 7);
    const perTask = (task: string) => memory.filter((s) => s.task === task).length;
    expect([perTask('a'), perTask('b'), perTask('c')]).toEqual([10, 10, 5]);
    const reservoirOnly = reservoirSample(stream, 30, new Rng(7));
    expect(reservoirOnly.filter((s) => s.task === 'a').length).toBeGreaterThan(20);
  });
});

describe('rehearsal replay strategies', () => {
  const kept = [
    ...Array.from({ length: 50 }, (_, i) => sample(1, i, 'a')),
    ...Array.from({ length: 50 }, (_, i) => sample(2, i, 'a')),
    ...Array.from({ length: 20 }, (_, i) => sample(3, i, 'b')),
  ];
  const config: ReplayConfig = { strategy: 'reservoir', batchSize: 10, batchesPerIteration: 3, params: { memorySize: 16, memoryFraction: 0.3 } };

  it('mixes the declared share of memory samples, from earlier iterations, into every batch and says where they are', () => {
    const batches = decideReplay(kept, 11, config, { iteration: 3, memorySeed: 5 });
    expect(batches).toHaveLength(3);
    for (const batch of batches) {
      expect(batch.sampleIds).toHaveLength(10);
      expect(batch.fromMemory).toEqual([7, 8, 9]);
      batch.sampleIds.forEach((id, position) => {
        const iteration = Number(id.split('/')[2]);
        if (batch.fromMemory!.includes(position)) expect(iteration).toBeLessThan(3);
        else expect(iteration).toBe(3);
      });
    }
    const memory = new Set(reservoirSample(kept.slice(0, 100), 16, new Rng(5)).map((s) => s.sampleId));
    for (const batch of batches) for (const position of batch.fromMemory!) expect(memory.has(batch.sampleIds[position])).toBe(true);
    expect(decideReplay(kept, 11, config, { iteration: 3, memorySeed: 5 })).toEqual(batches);
    expect(decideReplay(kept, 12, config, { iteration: 3, memorySeed: 5 })).not.toEqual(batches);
  });

  it('task-balanced draws its memory share from every earlier task', () => {
    const withNew = [...kept, ...Array.from({ length: 5 }, (_, i) => sample(4, i, 'c'))];
    const balanced = decideReplay(withNew, 3, { ...config, strategy: 'task-balanced', batchSize: 400, batchesPerIteration: 1, params: { memorySize: 16, memoryFraction: 0.5 } },
      { iteration: 4, memorySeed: 5 });
    const fromMemory = balanced[0].fromMemory!.map((p) => balanced[0].sampleIds[p]);
    const ofTask = (task: string) => fromMemory.filter((id) => kept.find((k) => k.sampleId === id)!.task === task).length;
    expect(fromMemory).toHaveLength(200);
    expect(Math.abs(ofTask('a') - ofTask('b'))).toBeLessThan(40);
  });

  it('trains on nothing in an iteration that kept nothing new, and on new samples only while the memory is empty', () => {
    expect(decideReplay(kept, 1, config, { iteration: 4, memorySeed: 5 })).toEqual([]);
    const first = decideReplay(kept, 1, config, { iteration: 1, memorySeed: 5 });
    expect(first[0].fromMemory).toEqual([]);
    expect(first[0].sampleIds.every((id) => id.startsWith('r/s/1/'))).toBe(true);
  });

  it('refuses a memory fraction outside [0, 1] and a rehearsal draw without its context', () => {
    expect(() => decideReplay(kept, 1, { ...config, params: { memoryFraction: 1.5 } }, { iteration: 3, memorySeed: 5 })).toThrow(/memoryFraction must be between 0 and 1/);
    expect(() => decideReplay(kept, 1, config)).toThrow(/needs the iteration/);
  });
});
