import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('the analytics store in server mode', () => {
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
