import { batchEnd } from './batch-bytes';

const records = (...sizes: number[]) => sizes.map((size) => ({ value: Buffer.alloc(size) }));

describe('batchEnd', () => {
  it('stops at the count when the bytes allow it', () => {
    expect(batchEnd(records(1, 1, 1, 1, 1), 0, 3, 100)).toBe(3);
    expect(batchEnd(records(1, 1, 1, 1, 1), 3, 3, 100)).toBe(5);
  });

  it('stops before the record that would pass the byte limit', () => {
    expect(batchEnd(records(40, 40, 40, 40), 0, 100, 100)).toBe(2);
    expect(batchEnd(records(40, 40, 20, 40), 0, 100, 100)).toBe(3);
    expect(batchEnd(records(40, 40, 40, 40), 2, 100, 100)).toBe(4);
  });

  it('always takes one record, however large', () => {
    expect(batchEnd(records(500, 1), 0, 100, 100)).toBe(1);
    expect(batchEnd(records(1, 500), 1, 100, 100)).toBe(2);
  });

  it('counts a record without a value as empty', () => {
    expect(batchEnd([{ value: null }, { value: Buffer.alloc(10) }], 0, 10, 10)).toBe(2);
  });
});
