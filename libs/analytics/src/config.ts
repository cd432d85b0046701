import { join } from 'node:path';
import { UsageError } from '@xp/events';

/** Where the analytics store lives: in-process chDB under the data dir, or a ClickHouse server. */
export type AnalyticsConfig =
  | { kind: 'chdb'; path: string; database: string }
  | {
      kind: 'server';
      url: string;
      username: string;
      password: string;
      database: string;
      /** Set to run migrations ON CLUSTER with Replicated engines. */
      cluster?: string;
    };

export const DEFAULT_DATABASE = 'xp';

/**
 * Reads the analytics settings once, at start-up. Without CLICKHOUSE_URL the store is chDB in
 * `<dataDir>/analytics`; with it, a server (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE,
 * CLICKHOUSE_CLUSTER refine it).
 */
export function readAnalyticsConfig(env: NodeJS.ProcessEnv, dataDir: string): AnalyticsConfig {
  const database = env.CLICKHOUSE_DATABASE || DEFAULT_DATABASE;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new UsageError(`CLICKHOUSE_DATABASE '${database}' is not a plain identifier (letters, digits, _)`);
  }
  const url = env.CLICKHOUSE_URL;
  if (!url) return { kind: 'chdb', path: join(dataDir, 'analytics'), database };
  try {
    new URL(url);
  } catch {
    throw new UsageError(`CLICKHOUSE_URL '${url}' is not a URL (expected e.g. http://127.0.0.1:8123)`);
  }
  return {
    kind: 'server',
    url,
    username: env.CLICKHOUSE_USER || 'default',
    password: env.CLICKHOUSE_PASSWORD ?? '',
    database,
    cluster: env.CLICKHOUSE_CLUSTER || undefined,
  };
}
