import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { ApiKeyStore, hashApiKey, type StoredKey } from './api-keys';

/** `printf %s xp_provisioned | sha256sum`, as docs/deploy.md tells operators to provision keys. */
const PROVISIONED_KEY = 'xp_provisioned';
const PROVISIONED_SHA256 = '3750c87d0915de6b7fc1293cc4afc7889bb01570d51bb000b9b50afcbe6b1a4d';

/** The records as the store holds them on disk, read around the store's own code. */
function storedRecords(dir: string): StoredKey[] {
  const root = open({ path: join(dir, 'keys'), maxDbs: 2, readOnly: true });
  try {
    return [...root.openDB<StoredKey, string>({ name: 'keys', encoding: 'msgpack' }).getRange({})].map(({ value }) => value);
  } finally {
    void root.close();
  }
}

const sha256sum = (text: string) => execFileSync('sha256sum', { input: text }).toString().split(' ')[0];

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

  it('keeps on disk the sha256 of each key (as sha256sum prints it) and never the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-keys-'));
    const store = ApiKeyStore.open(dir);
    const created = [await store.create('alpha', 'ci'), await store.create('beta')];
    await store.close();
    const records = storedRecords(dir);
    expect(records.map(({ team, keyId, hash }) => ({ team, keyId, hash })).sort((x, y) => x.team.localeCompare(y.team))).toEqual(
      created.map(({ key, keyId, team }) => ({ team, keyId, hash: sha256sum(key) })),
    );
    const onDisk = readFileSync(join(dir, 'keys', 'data.mdb'));
    for (const { key } of created) {
      expect(onDisk.includes(key.slice(3))).toBe(false);
      expect(JSON.stringify(records)).not.toContain(key.slice(3));
    }
  });

  it('hashes keys as sha256sum does (a fixed vector)', () => {
    expect(hashApiKey(PROVISIONED_KEY)).toBe(PROVISIONED_SHA256);
  });

  it('refuses malformed team names', async () => {
    const store = ApiKeyStore.open(mkdtempSync(join(tmpdir(), 'xp-keys-')));
    await expect(store.create('Team Alpha')).rejects.toThrow(/team must be lower-case/);
    await store.close();
  });

  it('accepts keys provisioned as hashes in a file (Kubernetes Secret)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-keys-'));
    const file = join(dir, 'api-keys');
    writeFileSync(file, `# team sha256\ngamma ${PROVISIONED_SHA256}\n`);
    const store = ApiKeyStore.open(dir, file);
    expect(store.resolve(PROVISIONED_KEY)).toEqual({ keyId: PROVISIONED_SHA256.slice(0, 12), team: 'gamma' });
    await store.close();
    writeFileSync(file, 'gamma not-a-hash\n');
    expect(() => ApiKeyStore.open(dir, file)).toThrow(/line 1: expected "team sha256-of-key"/);
  });
});
