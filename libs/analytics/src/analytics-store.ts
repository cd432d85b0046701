import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { UnavailableError } from '@xp/events';
import type { AnalyticsConfig } from './config';

/** Formats the writer sends (any ClickHouse input format would pass through unchanged). */
export type InsertFormat = 'JSONEachRow' | 'JSONCompactEachRow' | 'JSONCompactColumns';

/** Rows already encoded in `format`, for one table. */
export interface EncodedInsert {
  table: string;
  format: InsertFormat;
  /**
   * The encoded rows as text: chDB takes an insert as one SQL string, so a Buffer would be encoded
   * to UTF-8 and decoded again on the way (~0.5 s of the main thread per 200,000 events).
   */
  body: string;
  /** The columns the rows carry, in order (all columns when absent). */
  columns?: readonly string[];
  /** Settings for this insert only, e.g. `insert_deduplication_token`. */
  settings?: ClickHouseSettings;
}

/**
 * The one handle every service uses for analytics. `client` is a plain `@clickhouse/client`
 * client in both deployments, so queries and inserts are written once. Do not pass
 * `clickhouse_settings` through `client` for chDB: chDB turns them into session-wide SETs that
 * outlive the query (an insert deduplication token would then drop every later insert). Inserts
 * therefore go through `insertEncoded`, which writes their settings into the INSERT statement.
 */
export interface AnalyticsStore {
  readonly kind: AnalyticsConfig['kind'];
  readonly database: string;
  /** Cluster name when tables are replicated (server deployments only). */
  readonly cluster?: string;
  readonly client: ClickHouseClient;
  /** Inserts rows already encoded; nothing of the insert (settings included) outlives it. */
  insertEncoded(insert: EncodedInsert): Promise<void>;
  /** Closes the client; on chDB also waits until the engine released the data directory. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Opened to run migrations (`xp migrate`): on a cluster, the database is created ON CLUSTER too. */
  migrating?: boolean;
}

export async function openAnalyticsStore(config: AnalyticsConfig, options: OpenStoreOptions = {}): Promise<AnalyticsStore> {
  return config.kind === 'chdb' ? openChdbStore(config) : openServerStore(config, options);
}

async function openChdbStore(config: Extract<AnalyticsConfig, { kind: 'chdb' }>): Promise<AnalyticsStore> {
  // Loaded only here: chDB's native library is 566 MB (about 200 MB resident), nothing a service
  // talking to a ClickHouse server should pay for.
  const { openChdbConnection, releaseChdb } = await import('./chdb-connection');
  const connection = openChdbConnection(config.path);
  const client = createClient({ connection } as Parameters<typeof createClient>[0]);
  // A chDB session keeps its current database, so every later statement resolves unqualified names in it.
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.database}` });
  await client.command({ query: `USE ${config.database}` });
  return {
    kind: 'chdb',
    database: config.database,
    client,
    insertEncoded: (insert) => execInsert(client, insert),
    async close() {
      await client.close();
      await releaseChdb();
    },
  };
}

async function openServerStore(config: Extract<AnalyticsConfig, { kind: 'server' }>, options: OpenStoreOptions): Promise<AnalyticsStore> {
  const credentials = { url: config.url, username: config.username, password: config.password };
  const bootstrap = createClient({ ...credentials, clickhouse_settings: SERVER_SETTINGS });
  try {
    // On a cluster, DDL waits for every replica, so it runs only in `xp migrate` (a Job), never at start-up.
    if (config.cluster && !options.migrating) await bootstrap.query({ query: 'SELECT 1', format: 'JSONEachRow' });
    else await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.database}${config.cluster ? ` ON CLUSTER ${config.cluster}` : ''}` });
  } catch (err) {
    throw new UnavailableError(
      `cannot reach the ClickHouse server at ${config.url} as '${config.username}': ${(err as Error).message}. ` +
        'Check CLICKHOUSE_URL, CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, or unset CLICKHOUSE_URL to use the embedded store.',
      { cause: err },
    );
  } finally {
    await bootstrap.close();
  }
  const client = createClient({ ...credentials, database: config.database, clickhouse_settings: SERVER_SETTINGS });
  return {
    kind: 'server',
    database: config.database,
    cluster: config.cluster,
    client,
    insertEncoded: (insert) => execInsert(client, insert),
    close: () => client.close(),
  };
}

/**
 * Settings every statement to a ClickHouse server carries (URL parameters, per request), so the
 * projector's correctness does not rest on the server's defaults: inserts are synchronous and
 * deduplicated by their token, and the materialized views below a table deduplicate a retried block
 * too (off by default on ClickHouse 25.8, on in chDB): without it a retried insert whose view insert
 * failed loses its lineage and leaderboard rows for good. Read-your-writes on a replicated cluster
 * comes from the deployment instead: every projector talks to one replica (see k8s projector.yaml);
 * quorum inserts with `select_sequential_consistency` would need `insert_quorum_parallel = 0`, which
 * refuses concurrent inserts into a table, and the projector writes several partitions at once.
 */
export const SERVER_SETTINGS: ClickHouseSettings = {
  async_insert: 0,
  insert_deduplicate: 1,
  deduplicate_blocks_in_dependent_materialized_views: 1,
};

/** `INSERT INTO t (columns) SETTINGS k = v FORMAT f` with the encoded rows as its body; the same on both transports. */
async function execInsert(client: ClickHouseClient, insert: EncodedInsert): Promise<void> {
  const result = await client.exec({ query: insertStatement(insert), values: Readable.from([insert.body]) });
  for await (const chunk of result.stream) void chunk;
}

export function insertStatement({ table, format, columns, settings }: Omit<EncodedInsert, 'body'>): string {
  const columnList = columns ? ` (${columns.join(', ')})` : '';
  const entries = Object.entries(settings ?? {}).filter(([, value]) => value !== undefined);
  const settingsClause = entries.length > 0 ? ` SETTINGS ${entries.map(([name, value]) => `${name} = ${settingLiteral(value)}`).join(', ')}` : '';
  return `INSERT INTO ${table}${columnList}${settingsClause} FORMAT ${format}`;
}

function settingLiteral(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(Number(value));
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
