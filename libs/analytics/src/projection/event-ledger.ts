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
  if (eventIds.length === 0) return new Set();
  const ownRecords = retrying ? ' AND NOT (log_partition = {partition:UInt32} AND log_offset BETWEEN {from:UInt64} AND {to:UInt64})' : '';
  const result = await store.client.query({
    query: `SELECT DISTINCT event_id FROM projected_events WHERE event_id IN {ids:Array(String)}${ownRecords}`,
    query_params: { ids: eventIds, ...(retrying && { partition: retrying.partition, from: retrying.fromOffset, to: retrying.toOffset }) },
    format: 'JSONCompactEachRow',
  });
  const rows = await result.json<[string]>();
  return new Set(rows.map(([id]) => id));
}
