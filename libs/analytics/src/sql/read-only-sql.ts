import type { Readable } from 'node:stream';
import { UsageError } from '@xp/events';
import type { AnalyticsStore } from '../analytics-store';
import { checkReadOnly } from './statement-kind';

/** The readable table `xp sql` prints unless asked for another format. */
export const DEFAULT_SQL_FORMAT = 'PrettyCompactMonoBlock';

export interface ReadOnlySqlOptions {
  /** Any ClickHouse output format (TSV, CSV, JSONEachRow, Parquet, ...); default a readable table. */
  format?: string;
}

/**
 * Runs one read-only statement and streams its output in the requested ClickHouse format.
 * Writes are refused before anything runs. A server also enforces it (`readonly=1` on the request);
 * chDB cannot, since a setting there would stay on the whole session, so the statement check is
 * what guards the embedded store.
 */
export async function runReadOnlySql(store: AnalyticsStore, sql: string, options: ReadOnlySqlOptions = {}): Promise<Readable> {
  const format = options.format ?? DEFAULT_SQL_FORMAT;
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(format)) throw new UsageError(`'${format}' is not a ClickHouse format name (e.g. TSV, JSONEachRow, PrettyCompact)`);
  const check = checkReadOnly(sql);
  if (!check.ok) throw new UsageError(`refused: ${check.reason}`);
  const query = `${sql.trim().replace(/;\s*$/, '')}\nFORMAT ${format}`;
  try {
    const result = await store.client.exec({
      query,
      clickhouse_settings: store.kind === 'server' ? { readonly: '1' } : undefined,
    });
    return result.stream;
  } catch (err) {
    throw new UsageError(`the query failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Same, collected into a string. */
export async function readOnlySqlText(store: AnalyticsStore, sql: string, options: ReadOnlySqlOptions = {}): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await runReadOnlySql(store, sql, options)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
