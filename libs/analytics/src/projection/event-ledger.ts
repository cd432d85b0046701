import type { AnalyticsStore } from '../analytics-store';
import type { WriteRange } from './write-intents';

/**
 * The ids of events already projected by an earlier write (table `projected_events`, filled by a
 * view from the same insert as every other table). The projector drops them from a batch before
 * projecting, so an event appended to the log twice is counted once, in the plain tables and in the
 * leaderboard aggregates alike.
 *
 * `retrying` is set when this write repeats the last announced one, which may have landed in some
 * tables and not in others (the ledger's view among them, in any order). Its own records, at a
 * position inside the range, are then not duplicates: the retry sends them again under the same
 * token, so every table that already has them drops them and the others fill in. Only the last
 * announced write can be partial: every write before it was acknowledged before it was announced.
 */
export async function alreadyProjected(store: AnalyticsStore, eventIds: string[], retrying?: WriteRange): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let from = 0; from < eventIds.length; from += LOOKUP_CHUNK) {
    for (const id of await lookup(store, eventIds.slice(from, from + LOOKUP_CHUNK), retrying)) seen.add(id);
  }
  return seen;
}

/**
 * Ids per ledger query. Measured on chDB: 20k ids take 70-300 ms, but from about 24k ids on a
 * lookup against a non-empty ledger sometimes took 10-16 s; chunks keep large batches fast.
 */
const LOOKUP_CHUNK = 10_000;

async function lookup(store: AnalyticsStore, eventIds: string[], retrying: WriteRange | undefined): Promise<string[]> {
  const ownRecords = retrying ? ' AND NOT (log_partition = {partition:UInt32} AND log_offset BETWEEN {from:UInt64} AND {to:UInt64})' : '';
  const result = await store.client.query({
    query: `SELECT DISTINCT event_id FROM projected_events WHERE event_id IN {ids:Array(String)}${ownRecords}`,
    query_params: { ids: eventIds, ...(retrying && { partition: retrying.partition, from: retrying.fromOffset, to: retrying.toOffset }) },
    format: 'JSONCompactEachRow',
  });
  const rows = await result.json<[string]>();
  return rows.map(([id]) => id);
}
