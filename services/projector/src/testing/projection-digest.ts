import { resultRows, type AnalyticsStore } from '@xp/analytics';

/** Tables whose rows depend on how the log was cut into batches, not on the events: left out. */
const BATCH_BOOKKEEPING = new Set(['projector_writes', 'schema_migrations']);

/**
 * Per table of a store's database, the row count and an order-free hash of the rows, to compare a
 * projection with a clean one. Plain tables are hashed as stored, duplicates included (exactly once
 * must hold before any merge); aggregating tables by their keys' aggregated values, since one state
 * may be split over several rows.
 */
export async function projectionDigest(store: AnalyticsStore): Promise<Record<string, string>> {
  const query = async <T>(sql: string) => resultRows<T>(await store.client.query({ query: sql, format: 'JSONEachRow' }));
  const tables = await query<{ name: string; engine: string }>(
    "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' ORDER BY name",
  );
  const digest: Record<string, string> = {};
  for (const { name, engine } of tables) {
    if (BATCH_BOOKKEEPING.has(name)) continue;
    const rows = engine.includes('Aggregating') ? await aggregatedRows(store, name) : name;
    const [row] = await query<{ n: string; h: string }>(`SELECT count() AS n, toString(sum(cityHash64(toString(tuple(*))))) AS h FROM ${rows}`);
    digest[name] = `${row.n} rows, ${row.h}`;
  }
  return digest;
}

/** An aggregating table's rows merged per sort key, each aggregate in a form independent of merge order. */
async function aggregatedRows(store: AnalyticsStore, table: string): Promise<string> {
  const columns = await resultRows<{ name: string; type: string; is_in_sorting_key: number }>(await store.client.query({
    query: 'SELECT name, type, is_in_sorting_key FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position',
    query_params: { table },
    format: 'JSONEachRow',
  }));
  const select = columns.map(({ name, type, is_in_sorting_key }) => {
    if (is_in_sorting_key) return name;
    const fn = /^SimpleAggregateFunction\((\w+)/.exec(type)?.[1];
    if (!fn) throw new Error(`${table}.${name}: only SimpleAggregateFunction columns are compared, not ${type}`);
    return fn === 'groupUniqArrayArray' ? `arraySort(groupUniqArrayArray(${name})) AS ${name}` : `${fn}(${name}) AS ${name}`;
  });
  const keys = columns.filter((c) => c.is_in_sorting_key).map((c) => c.name);
  return `(SELECT ${select.join(', ')} FROM ${table} GROUP BY ${keys.join(', ')})`;
}
