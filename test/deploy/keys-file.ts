/**
 * API keys files as operators write them: a shipped file (all comments) must be one the API accepts,
 * and the documented recipe, run by bash, must give a line the API resolves to the key's team.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore, type KeyGrant } from '@xp/auth';

/** A fixed key, so a failure names the same line every time. */
export const RECIPE_KEY = 'xp_0123456789abcdef0123456789abcdef0123456789abcdef';

/** The one line of `text` that appends a `team sha256` line to a file (`... | sha256sum ... >> FILE`), comment marks removed. */
export function appendRecipe(text: string): string {
  const lines = text.split('\n').map((line) => line.replace(/^#\s*/, '').trim()).filter((line) => line.includes('sha256sum') && line.includes('>>'));
  if (lines.length !== 1) throw new Error(`expected one line appending a sha256sum to a file, found ${lines.length}`);
  return lines[0];
}

/**
 * Copies `keysFile`, appends to the copy with `recipe` (its `>> target` pointed at the copy, `$key` set
 * to RECIPE_KEY), opens the API's key store on the copy and returns what the key resolves to.
 */
export async function grantAfterRecipe(keysFile: string, recipe: string): Promise<{ grant: KeyGrant | undefined; added: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-keys-file-'));
  try {
    const copy = join(dir, 'api-keys');
    copyFileSync(keysFile, copy);
    const before = readFileSync(copy, 'utf8');
    execFileSync('bash', ['-euo', 'pipefail', '-c', recipe.replace(/>>\s*\S+$/, '>> "$KEYS_FILE"')], { env: { ...process.env, key: RECIPE_KEY, KEYS_FILE: copy } });
    const store = ApiKeyStore.open(dir, copy);
    try {
      return { grant: store.resolve(RECIPE_KEY), added: readFileSync(copy, 'utf8').slice(before.length) };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
