import { Rng } from './rng';
import { RngLanes } from './rng-lanes';

describe('RngLanes', () => {
  it('gives each lane the stream of an Rng with its seed, however draws interleave across lanes', () => {
    const seeds = [0, 1, 42, 0x7fffffff, 0x80000000, 0xffffffff];
    const lanes = new RngLanes(seeds.length);
    seeds.forEach((seed, lane) => lanes.seed(lane, seed));
    const rngs = seeds.map((seed) => new Rng(seed));
    for (let round = 0; round < 50; round++) {
      for (let lane = seeds.length - 1; lane >= 0; lane--) expect(lanes.nextUint32(lane)).toBe(rngs[lane].nextUint32());
    }
  });

  it('draws weighted indices from a window of a larger array, as Rng does', () => {
    const weights = Float32Array.from([9, 0.25, 0, 0.5, 0.25, 9]);
    const lanes = new RngLanes(2);
    lanes.seed(1, 3);
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const index = lanes.weighted(1, weights, 1, 4);
      expect(index).toBe(rng.weighted(weights, 1, 4));
      expect(index).not.toBe(1);
    }
  });

  it('draws float32 uniforms below 1 from the top 24 bits of the stream', () => {
    const lanes = new RngLanes(1);
    lanes.seed(0, 9);
    const rng = new Rng(9);
    for (let i = 0; i < 1000; i++) {
      const u = lanes.nextFloat32(0);
      expect(u).toBe(Math.floor(rng.nextUint32() / 256) / 16777216);
      expect(Math.fround(u)).toBe(u);
      expect(u).toBeLessThan(1);
    }
  });
});
