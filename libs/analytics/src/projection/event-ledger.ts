import type { AnalyticsStore } from '../analytics-store';
import type { WriteRange } from './write-intents';

/**
 * The ids of events already projected by an earlier write (table `projected_events`, filled by a
 * view from the same insert as every other table). The projector drops them from a batch before
 * projecting, so an event appended to the log twice is counted once, in the plain tables and in the
 * leaderboard aggregates alike. Ids recorded at a position inside `range` itself come from an
 * interrupted attempt at this very write, which may have landed in some tables and not in others:
 * they are not duplicates, and the retry sends them again under the same token, so every table
 * that already has them drops them and the others fill in.
 */
export async function alreadyProjected(store: AnalyticsStore, eventIds: string[], range: WriteRange): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const result = await store.client.query({
    query: `SELECT DISTINCT event_id FROM projected_events
            WHERE event_id IN {ids:Array(String)}
              AND NOT (log_partition = {partition:UInt32} AND log_offset BETWEEN {from:UInt64} AND {to:UInt64})`,
    query_params: { ids: eventIds, partition: range.partition, from: range.fromOffset, to: range.toOffset },
    format: 'JSONCompactEachRow',
  });
  const rows = await result.json<[string]>();
  return new Set(rows.map(([id]) => id));
}
