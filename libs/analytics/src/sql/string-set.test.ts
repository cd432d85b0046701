import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAnalyticsStore, type AnalyticsStore } from '../analytics-store';
import { inStringSet, stringSetParam } from './string-set';

describe('string sets as a TSV parameter', () => {
  let dir: string;
  let store: AnalyticsStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-string-set-'));
    store = await openAnalyticsStore({ kind: 'chdb', path: dir, database: 'xp_string_set' });
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back every value exactly, awkward characters included', async () => {
    const values = ['plain', 'tab\there', 'line\nbreak', 'back\\slash', "quote'and\"double", 'cr\rlf', '', 'ünïcødé', '\\t literally'];
    const result = await store.client.query({
      query: `SELECT value FROM (SELECT arrayJoin({all:Array(String)}) AS value) WHERE value IN ${inStringSet('set')} ORDER BY value`,
      query_params: { all: [...values, 'not in the set'], set: stringSetParam(values) },
      format: 'JSONCompactEachRow',
    });
    const found = (await result.json<[string]>()).map(([value]) => value);
    expect(found).toEqual([...values].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
  });

  it('refuses an empty set, which format() cannot read', () => {
    expect(() => stringSetParam([])).toThrow(/at least one value/);
  });
});
