import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '@xp/events';

/** schemas/clickhouse, resolved the same way from src/ (tests) and dist/ (built code). */
export const CLICKHOUSE_SCHEMA_DIR = resolve(__dirname, '../../../../schemas/clickhouse');

export interface Migration {
  version: number;
  /** File stem without direction, e.g. `0002_runs_problems_samples`. */
  name: string;
  up: string;
  down: string;
  /** sha256 of the up file, recorded when applied so later edits are caught. */
  checksum: string;
}

/** Where the migrations run: one node, or a cluster with replicated tables. */
export interface MigrationTarget {
  cluster?: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;

/** Reads `NNNN_name.up.sql` / `NNNN_name.down.sql` pairs, ordered by version. */
export function loadMigrations(dir: string = CLICKHOUSE_SCHEMA_DIR): Migration[] {
  const byVersion = new Map<number, Partial<Migration> & { version: number; name: string }>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const version = Number(match[1]);
    const name = `${match[1]}_${match[2]}`;
    const entry = byVersion.get(version) ?? { version, name };
    if (entry.name !== name) throw new UsageError(`two migrations share version ${version}: ${entry.name} and ${name}`);
    const text = readFileSync(join(dir, file), 'utf8');
    if (match[3] === 'up') {
      entry.up = text;
      entry.checksum = createHash('sha256').update(text).digest('hex');
    } else {
      entry.down = text;
    }
    byVersion.set(version, entry);
  }
  return [...byVersion.values()]
    .sort((a, b) => a.version - b.version)
    .map((entry) => {
      if (entry.up === undefined || entry.down === undefined) {
        throw new UsageError(`migration ${entry.name} in ${dir} needs both an .up.sql and a .down.sql file`);
      }
      return entry as Migration;
    });
}

/**
 * Splits a migration into statements (each ends with `;` at the end of a line) and fills the
 * placeholders: `{{ON_CLUSTER}}` and the `{{REPLICATED}}` engine prefix, empty on a single node.
 */
export function renderStatements(sql: string, target: MigrationTarget): string[] {
  const rendered = sql
    .replaceAll('{{ON_CLUSTER}}', target.cluster ? `ON CLUSTER ${target.cluster}` : '')
    .replaceAll('{{REPLICATED}}', target.cluster ? 'Replicated' : '');
  return rendered
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}
