import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore, hashApiKey } from './api-keys';

describe('ApiKeyStore', () => {
  it('creates keys stored only as hashes, resolves them to their team, and revokes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-keys-'));
    const store = ApiKeyStore.open(dir);
    const a = await store.create('alpha', 'ci');
    const b = await store.create('beta');
    expect(a.key).toMatch(/^xp_[A-Za-z0-9_-]{43}$/);
    expect(store.resolve(a.key)).toEqual({ keyId: a.keyId, team: 'alpha' });
    expect(store.resolve(b.key)?.team).toBe('beta');
    expect(store.resolve(a.key + 'x')).toBeUndefined();
    expect(store.resolve('Bearer nonsense')).toBeUndefined();
    expect(JSON.stringify(store.list())).not.toContain(a.key);
    expect(store.list('alpha')).toEqual([expect.objectContaining({ keyId: a.keyId, team: 'alpha', label: 'ci' })]);
    expect(await store.revoke(a.keyId)).toBe(true);
    expect(store.resolve(a.key)).toBeUndefined();
    await store.close();
  });

  it('refuses malformed team names', async () => {
    const store = ApiKeyStore.open(mkdtempSync(join(tmpdir(), 'xp-keys-')));
    await expect(store.create('Team Alpha')).rejects.toThrow(/team must be lower-case/);
    await store.close();
  });

  it('accepts keys provisioned as hashes in a file (Kubernetes Secret)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-keys-'));
    const file = join(dir, 'api-keys');
    writeFileSync(file, `# team sha256\ngamma ${hashApiKey('xp_provisioned')}\n`);
    const store = ApiKeyStore.open(dir, file);
    expect(store.resolve('xp_provisioned')).toEqual({ keyId: hashApiKey('xp_provisioned').slice(0, 12), team: 'gamma' });
    await store.close();
    writeFileSync(file, 'gamma not-a-hash\n');
    expect(() => ApiKeyStore.open(dir, file)).toThrow(/line 1: expected "team sha256-of-key"/);
  });
});
