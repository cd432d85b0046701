import { splitByBatchBytes } from './kafka-log';

const message = (key: string, bytes: number, headers?: Record<string, string>) => ({ key, value: Buffer.alloc(bytes), headers });

describe('splitByBatchBytes', () => {
  it('keeps an append that fits in one request', () => {
    expect(splitByBatchBytes([message('a', 100), message('b', 100)], [0, 0], 1000)).toEqual([[0, 1]]);
  });

  it('cuts where one partition would pass the limit, counting keys, headers and framing, in order', () => {
    // 424, 424, 428 (a header) and 35 bytes as a record batch counts them.
    const messages = [message('k', 399), message('k', 399), message('k', 390, { h: 'vvvvvvvv' }), message('k', 10)];
    expect(splitByBatchBytes(messages, [0, 0, 0, 0], 850)).toEqual([[0, 1], [2, 3]]);
  });

  it('counts each record\'s framing, so many small records cannot pass the limit unnoticed', () => {
    const messages = Array.from({ length: 40 }, () => message('k', 1));
    expect(splitByBatchBytes(messages, new Array(40).fill(0), 1000).map((request) => request.length)).toEqual([38, 2]);
  });

  it('lets each partition fill its own batch within one request', () => {
    const messages = [message('a', 599), message('b', 599), message('c', 599), message('a', 599)];
    expect(splitByBatchBytes(messages, [0, 1, 2, 0], 800)).toEqual([[0, 1, 2], [3]]);
  });

  it('sends a message larger than the limit alone rather than dropping it', () => {
    const messages = [message('a', 10), message('b', 5000), message('c', 10)];
    expect(splitByBatchBytes(messages, [0, 0, 0], 1000)).toEqual([[0], [1], [2]]);
  });
});
