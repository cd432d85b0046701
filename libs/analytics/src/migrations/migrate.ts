import { ConflictError, UnavailableError } from '@xp/events';
import type { AnalyticsStore } from '../analytics-store';
import { toClickHouseTime } from '../clickhouse-time';
import { encodeRows } from '../encode-rows';
import { loadMigrations, renderStatements, type Migration, type MigrationTarget } from './migration-files';

const LEDGER = 'schema_migrations';

const LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS ${LEDGER} {{ON_CLUSTER}}
(
    version UInt32,
    name String,
    checksum String,
    applied UInt8,
    recorded_at DateTime64(3, 'UTC')
)
ENGINE = {{REPLICATED}}ReplacingMergeTree(recorded_at)
ORDER BY version`;

export interface MigrationReport {
  /** Names of the migrations this call applied (or reverted), in the order it did so. */
  changed: string[];
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, in version order, and records
 * each one after its statements succeeded. Safe to run twice and after a crash mid-way: statements
 * are `IF NOT EXISTS`, so re-running a half-applied migration completes it.
 */
export async function migrate(store: AnalyticsStore, migrations: Migration[] = loadMigrations()): Promise<MigrationReport> {
  const target = targetOf(store);
  await runStatements(store, LEDGER_DDL, target);
  const applied = await appliedMigrations(store);
  const changed: string[] = [];
  for (const migration of migrations) {
    const recorded = applied.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new ConflictError(
          `migration ${migration.name} changed after it was applied to database '${store.database}'; ` +
            'leave applied migrations as they are and add a new numbered migration instead',
        );
      }
      continue;
    }
    await runStatements(store, migration.up, target);
    await record(store, migration, true);
    changed.push(migration.name);
  }
  return { changed };
}

/**
 * Checks, without DDL, that every migration is applied: what a service does at start-up on a
 * replicated cluster, where DDL runs ON CLUSTER and waits for every replica (a pod would hang or
 * crash-loop while one is down for maintenance). `xp migrate` (the migration Job) applies them.
 */
export async function requireMigrated(store: AnalyticsStore, migrations: Migration[] = loadMigrations()): Promise<void> {
  let applied: Map<number, string>;
  try {
    applied = await appliedMigrations(store);
  } catch (error) {
    throw new UnavailableError(`cannot read the applied migrations of database '${store.database}': ${(error as Error).message}. Run \`xp migrate\` (the migration Job) first`, { cause: error });
  }
  const missing = migrations.filter((m) => applied.get(m.version) !== m.checksum).map((m) => m.name);
  if (missing.length > 0) {
    throw new UnavailableError(`database '${store.database}' lacks migrations ${missing.join(', ')}; run \`xp migrate\` (the migration Job) first`);
  }
}

/** Reverts every applied migration, newest first: what `rebuild` does before replaying the log. */
export async function revertAll(store: AnalyticsStore, migrations: Migration[] = loadMigrations()): Promise<MigrationReport> {
  const target = targetOf(store);
  await runStatements(store, LEDGER_DDL, target);
  const applied = await appliedMigrations(store);
  const changed: string[] = [];
  for (const migration of [...migrations].reverse()) {
    if (!applied.has(migration.version)) continue;
    await runStatements(store, migration.down, target);
    await record(store, migration, false);
    changed.push(migration.name);
  }
  return { changed };
}

function targetOf(store: AnalyticsStore): MigrationTarget {
  return { cluster: store.cluster };
}

async function runStatements(store: AnalyticsStore, sql: string, target: MigrationTarget): Promise<void> {
  for (const query of renderStatements(sql, target)) await store.client.command({ query });
}

/** Version -> checksum of every migration currently applied. */
async function appliedMigrations(store: AnalyticsStore): Promise<Map<number, string>> {
  const result = await store.client.query({
    query: `SELECT version, checksum FROM ${LEDGER} FINAL WHERE applied = 1`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number; checksum: string }>();
  return new Map(rows.map((row) => [Number(row.version), row.checksum]));
}

async function record(store: AnalyticsStore, migration: Migration, applied: boolean): Promise<void> {
  const row = [migration.version, migration.name, migration.checksum, applied ? 1 : 0, toClickHouseTime(Date.now())];
  await store.insertEncoded({ table: LEDGER, format: 'JSONCompactEachRow', body: encodeRows([row]) });
}
