import type { AnalyticsStore } from '../analytics-store';
import { encodeColumns } from '../encode-rows';
import { PROJECTION_TABLES, TABLE_COLUMNS, type ProjectionRows } from './projection-rows';

/**
 * Writes a batch's rows, one insert per table, each carrying the batch's token (plus the table, so
 * direct inserts never share a token with a view's insert into the same table): an
 * identical retry of the same batch is dropped by ClickHouse table by table, and (through
 * `deduplicate_blocks_in_dependent_materialized_views`, on by default) view by view, so a crash
 * between two inserts heals on retry without duplicates.
 */
export async function writeRows(store: AnalyticsStore, rows: ProjectionRows, token: string): Promise<void> {
  const writes = PROJECTION_TABLES.filter((table) => rows[table].length > 0).map((table) =>
    store.insertEncoded({
      table,
      format: 'JSONCompactColumns',
      columns: TABLE_COLUMNS[table],
      body: encodeColumns(rows[table], TABLE_COLUMNS[table].length),
      settings: { insert_deduplication_token: `${token}/${table}` },
    }),
  );
  await Promise.all(writes);
}
