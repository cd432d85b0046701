import { insertStatement } from './analytics-store';
import { encodeColumns, encodeRows } from './encode-rows';
import { openTempStore } from './testing/temp-store';

describe('insertStatement', () => {
  it('puts columns and quoted settings into the statement', () => {
    expect(insertStatement({ table: 't', format: 'JSONCompactColumns', columns: ['a', 'b'], settings: { insert_deduplication_token: "g/x'y\\z", max_threads: 2 } }))
      .toBe("INSERT INTO t (a, b) SETTINGS insert_deduplication_token = 'g/x\\'y\\\\z', max_threads = 2 FORMAT JSONCompactColumns");
  });
});

describe('insertEncoded on chDB', () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  beforeAll(async () => {
    temp = await openTempStore();
    await temp.store.client.command({ query: 'CREATE TABLE dedupe_probe (id String, n UInt32) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100' });
  });
  afterAll(() => temp.dispose());

  const count = async () => {
    const result = await temp.store.client.query({ query: 'SELECT count() AS n FROM dedupe_probe', format: 'JSONEachRow' });
    return Number((await result.json<{ n: string }>())[0].n);
  };

  it('drops a repeat carrying the same token, and the token does not outlive its insert', async () => {
    const insert = (body: string, token?: string) =>
      temp.store.insertEncoded({ table: 'dedupe_probe', format: 'JSONCompactColumns', columns: ['id', 'n'], body, settings: token ? { insert_deduplication_token: token } : undefined });
    await insert(encodeColumns([['a', 1], ['b', 2]], 2), 'p0-0-1');
    await insert(encodeColumns([['a', 1], ['b', 2]], 2), 'p0-0-1');
    expect(await count()).toBe(2);
    await insert(encodeColumns([['c', 3]], 2));
    await insert(encodeColumns([['d', 4]], 2));
    expect(await count()).toBe(4);
  });

  it('reads row-wise JSON the same way', async () => {
    await temp.store.insertEncoded({ table: 'dedupe_probe', format: 'JSONCompactEachRow', columns: ['id', 'n'], body: encodeRows([['e', 5]]) });
    expect(await count()).toBe(5);
  });
});
