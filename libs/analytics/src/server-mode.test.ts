import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openAnalyticsStore, type AnalyticsStore } from './analytics-store';
import { requireMigrated } from './migrations/migrate';
import { WriteIntents } from './projection/write-intents';
import { recordingServer } from './testing/recording-server';

describe('the analytics store in server mode', () => {
  it('pins the settings the projector relies on in every statement it sends, and sends no ON CLUSTER DDL to open', async () => {
    const { server, url, requests } = await recordingServer();
    let store: AnalyticsStore | undefined;
    try {
      store = await openAnalyticsStore({ kind: 'server', url, username: 'default', password: '', database: 'xp' });
      const intents = new WriteIntents(store, 'xp-projector', 'xp.events');
      await intents.announce({ partition: 1, fromOffset: 0, toOffset: 9 }, 1);
      await intents.last(2, 1);
    } finally {
      await store?.close();
      server.close();
    }
    expect(requests.map((r) => r.query.split(' ').slice(0, 2).join(' '))).toEqual(['CREATE DATABASE', 'INSERT INTO', 'SELECT from_offset,']);
    for (const request of requests) {
      expect(request.settings).toMatchObject({ async_insert: '0', insert_deduplicate: '1', deduplicate_blocks_in_dependent_materialized_views: '1' });
      expect(request.query).not.toMatch(/ON CLUSTER/);
    }
    expect(requests[1].query).toMatch(/SETTINGS insert_deduplication_token = 'xp-projector\/xp.events\/1\/0-9'/);
  });

  it('on a replicated cluster, opens and checks the migrations without DDL, and names `xp migrate` when they are missing', async () => {
    const { server, url, requests } = await recordingServer();
    let store: AnalyticsStore | undefined;
    try {
      store = await openAnalyticsStore({ kind: 'server', url, username: 'default', password: '', database: 'xp', cluster: 'xp' });
      await expect(requireMigrated(store)).rejects.toThrow(/database 'xp' lacks migrations 0001_events.*; run `xp migrate` \(the migration Job\) first/);
    } finally {
      await store?.close();
      server.close();
    }
    expect(requests.map((r) => r.query.split(' ')[0])).toEqual(['SELECT', 'SELECT']);
    for (const request of requests) expect(request.query).not.toMatch(/ON CLUSTER|CREATE|ALTER/);
  });

  it('does not load chDB (566 MB of native library) when it talks to a ClickHouse server', () => {
    const dist = join(__dirname, '../dist');
    const script = `
      const { openAnalyticsStore } = require(${JSON.stringify(dist)});
      openAnalyticsStore({ kind: 'server', url: 'http://127.0.0.1:1', username: 'default', password: '', database: 'xp' })
        .catch(() => undefined)
        .then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('/node_modules/chdb/')))));`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
    expect(JSON.parse(child.stdout)).toEqual([]);
  });
});
