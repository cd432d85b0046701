import { splitByBatchBytes } from './kafka-log';

const message = (key: string, bytes: number, headers?: Record<string, string>) => ({ key, value: Buffer.alloc(bytes), headers });

describe('splitByBatchBytes', () => {
  it('keeps an append that fits in one request', () => {
    expect(splitByBatchBytes([message('a', 100), message('b', 100)], [0, 0], 1000)).toEqual([[0, 1]]);
  });

  it('cuts where one partition would pass the limit, counting keys and headers, in order', () => {
    const messages = [message('k', 399), message('k', 399), message('k', 390, { h: 'vvvvvvvv' }), message('k', 10)];
    expect(splitByBatchBytes(messages, [0, 0, 0, 0], 800)).toEqual([[0, 1], [2, 3]]);
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
