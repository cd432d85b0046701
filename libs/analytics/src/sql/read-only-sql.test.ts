import { UsageError } from '@xp/events';
import { openTempStore } from '../testing/temp-store';
import { readOnlySqlText } from './read-only-sql';
import { checkReadOnly } from './statement-kind';

describe('checkReadOnly', () => {
  it.each([
    'SELECT 1',
    '  select * from events where type = \'x;y\';',
    'WITH t AS (SELECT 1) SELECT * FROM t',
    '(SELECT 1) UNION ALL (SELECT 2)',
    '-- note; with a semicolon\nSHOW TABLES',
    'DESCRIBE TABLE samples',
    'EXPLAIN SELECT 1',
    'SELECT format AS f FROM t',
  ])('accepts %j', (sql) => expect(checkReadOnly(sql)).toEqual({ ok: true }));

  it.each([
    ['INSERT INTO events VALUES (1)', /INSERT statements are refused/],
    ['drop table events', /DROP statements are refused/],
    ['ALTER TABLE samples DELETE WHERE 1', /ALTER statements are refused/],
    ['SELECT 1; DROP TABLE events', /one statement at a time/],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", /INTO OUTFILE/],
    ['SELECT 1 FORMAT CSV', /--format/],
    ['/* SELECT */ TRUNCATE TABLE events', /TRUNCATE statements are refused/],
    ['  ', /empty/],
  ])('refuses %j', (sql, reason) => {
    const check = checkReadOnly(sql);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(reason);
  });
});

describe('readOnlySqlText on chDB', () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(() => temp.dispose());

  it('prints a readable table by default', async () => {
    const text = await readOnlySqlText(temp.store, "SELECT 1 AS one, 'x' AS letter");
    expect(text).toMatch(/one.*letter/);
    expect(text).toMatch(/1.*x/);
  });

  it('passes any ClickHouse output format through', async () => {
    expect(await readOnlySqlText(temp.store, 'SELECT number AS n FROM numbers(2)', { format: 'JSONEachRow' })).toBe('{"n":0}\n{"n":1}\n');
    expect(await readOnlySqlText(temp.store, 'SELECT number, number * 2 FROM numbers(2)', { format: 'TSV' })).toBe('0\t0\n1\t2\n');
    expect(await readOnlySqlText(temp.store, 'SELECT count() FROM events;', { format: 'CSV' })).toBe('0\n');
  });

  it('refuses writes before running them and leaves the data alone', async () => {
    await expect(readOnlySqlText(temp.store, 'DROP TABLE events')).rejects.toThrow(UsageError);
    await expect(readOnlySqlText(temp.store, 'SELECT 1; DROP TABLE events')).rejects.toThrow(/one statement/);
    expect(await readOnlySqlText(temp.store, "EXISTS TABLE events", { format: 'TSV' })).toBe('1\n');
  });

  it('reports a bad query or format as a usage error', async () => {
    await expect(readOnlySqlText(temp.store, 'SELECT * FROM no_such_table')).rejects.toThrow(/the query failed: .*no_such_table/);
    await expect(readOnlySqlText(temp.store, 'SELECT 1', { format: 'No Such' })).rejects.toThrow(/not a ClickHouse format name/);
  });
});
