import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { UsageError } from '@xp/events';

/** What a valid key grants: the team whose data it may read and write. */
export interface KeyGrant {
  keyId: string;
  team: string;
}

export interface StoredKey extends KeyGrant {
  hash: string;
  label?: string;
  createdAt: string;
}

const KEY_PREFIX = 'xp_';
const TEAM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Keys are random 256-bit secrets; only their sha256 is stored, so a leaked store leaks no key. */
export function generateApiKey(): { key: string; keyId: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  const key = `${KEY_PREFIX}${secret}`;
  const hash = hashApiKey(key);
  return { key, keyId: hash.slice(0, 12), hash };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function checkTeam(team: string): string {
  if (!TEAM_PATTERN.test(team)) {
    throw new UsageError(`team must be lower-case letters, digits, _ or - (at most 64, starting with a letter or digit), got '${team}'`);
  }
  return team;
}

/**
 * API keys in the data dir (`<dataDir>/keys`, LMDB, safe while `xp up` runs), plus optionally a
 * read-only file of `team sha256` lines (`XP_API_KEYS_FILE`), which is how a Kubernetes Secret supplies
 * keys to API pods.
 */
export class ApiKeyStore {
  private constructor(
    private readonly root: RootDatabase,
    private readonly keys: Database<StoredKey, string>,
    private readonly fileKeys: Map<string, KeyGrant>,
  ) {}

  static open(dataDir: string, keysFile?: string): ApiKeyStore {
    const path = join(dataDir, 'keys');
    mkdirSync(path, { recursive: true });
    const root = open({ path, maxDbs: 2 });
    return new ApiKeyStore(root, root.openDB<StoredKey, string>({ name: 'keys', encoding: 'msgpack' }), keysFile ? readKeysFile(keysFile) : new Map());
  }

  async create(team: string, label?: string): Promise<{ key: string; keyId: string; team: string }> {
    checkTeam(team);
    const { key, keyId, hash } = generateApiKey();
    await this.keys.put(hash, { keyId, team, hash, label, createdAt: new Date().toISOString() });
    return { key, keyId, team };
  }

  /** The grant of a presented key, or undefined when it is unknown or revoked. */
  resolve(presented: string): KeyGrant | undefined {
    if (!presented.startsWith(KEY_PREFIX)) return undefined;
    const hash = hashApiKey(presented);
    const stored = this.keys.get(hash);
    if (stored && timingSafeEqual(Buffer.from(stored.hash), Buffer.from(hash))) return { keyId: stored.keyId, team: stored.team };
    return this.fileKeys.get(hash);
  }

  list(team?: string): Omit<StoredKey, 'hash'>[] {
    const out: Omit<StoredKey, 'hash'>[] = [];
    for (const { value } of this.keys.getRange({})) {
      if (team === undefined || value.team === team) out.push({ keyId: value.keyId, team: value.team, label: value.label, createdAt: value.createdAt });
    }
    return out;
  }

  async revoke(keyId: string): Promise<boolean> {
    for (const { key, value } of this.keys.getRange({})) {
      if (value.keyId === keyId) return this.keys.remove(key);
    }
    return false;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

function readKeysFile(file: string): Map<string, KeyGrant> {
  const grants = new Map<string, KeyGrant>();
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) return;
      const [team, hash] = text.split(/\s+/);
      if (!TEAM_PATTERN.test(team ?? '') || !/^[0-9a-f]{64}$/.test(hash ?? '')) {
        throw new UsageError(`${file} line ${i + 1}: expected "team sha256-of-key", got '${text}'`);
      }
      grants.set(hash, { keyId: hash.slice(0, 12), team });
    });
  return grants;
}
