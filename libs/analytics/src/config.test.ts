import { UsageError } from '@xp/events';
import { readAnalyticsConfig } from './config';

describe('readAnalyticsConfig', () => {
  it('uses chDB under the data dir without CLICKHOUSE_URL', () => {
    expect(readAnalyticsConfig({}, '/data')).toEqual({ kind: 'chdb', path: '/data/analytics', database: 'xp' });
  });

  it('uses a server with CLICKHOUSE_URL and its credentials', () => {
    const env = { CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'xp', CLICKHOUSE_PASSWORD: 's', CLICKHOUSE_DATABASE: 'prod' };
    expect(readAnalyticsConfig(env, '/data')).toEqual({
      kind: 'server', url: 'http://ch:8123', username: 'xp', password: 's', database: 'prod', cluster: undefined,
    });
  });

  it('rejects a database name that is not an identifier and a URL that is not one', () => {
    expect(() => readAnalyticsConfig({ CLICKHOUSE_DATABASE: 'x; DROP' }, '/d')).toThrow(UsageError);
    expect(() => readAnalyticsConfig({ CLICKHOUSE_URL: 'not a url' }, '/d')).toThrow(/CLICKHOUSE_URL/);
  });
});
