import { LruMap } from './lru-map';

describe('LruMap', () => {
  it('drops the least recently used entries first, by weight', () => {
    const map = new LruMap<string>(3);
    map.set('a', 'A');
    map.set('b', 'B');
    map.set('c', 'C');
    expect(map.get('a')).toBe('A'); // a is now the most recently used
    expect(map.peek('b')).toBe('B'); // a peek is not a use
    map.set('d', 'D', 2);
    expect([map.peek('a'), map.peek('b'), map.peek('c'), map.peek('d')]).toEqual(['A', undefined, undefined, 'D']);
    map.set('a', 'A2', 2); // replacing an entry frees its old weight first
    expect([map.peek('a'), map.peek('d')]).toEqual(['A2', undefined]);
    map.clear();
    expect(map.get('a')).toBeUndefined();
  });
});
