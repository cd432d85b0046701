import { splitByBytes } from './kafka-log';

const message = (key: string, bytes: number, headers?: Record<string, string>) => ({ key, value: Buffer.alloc(bytes), headers });

describe('splitByBytes', () => {
  it('keeps an append that fits in one request', () => {
    const messages = [message('a', 100), message('b', 100)];
    expect(splitByBytes(messages, 1000)).toEqual([messages]);
  });

  it('cuts consecutive runs at the byte limit, counting keys and headers, in order', () => {
    const messages = [message('k', 399), message('k', 399), message('k', 390, { h: 'vvvvvvvv' }), message('k', 10)];
    const requests = splitByBytes(messages, 800);
    expect(requests).toEqual([[messages[0], messages[1]], [messages[2], messages[3]]]);
  });

  it('sends a message larger than the limit alone rather than dropping it', () => {
    const messages = [message('a', 10), message('b', 5000), message('c', 10)];
    expect(splitByBytes(messages, 1000)).toEqual([[messages[0]], [messages[1]], [messages[2]]]);
  });
});
