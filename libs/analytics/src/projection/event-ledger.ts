import type { AnalyticsStore } from '../analytics-store';
import type { PositionedEvent } from './projection-rows';
import { encodeColumns } from '../encode-rows';
import { resultRows } from '../result-rows';
import { inStringSet, stringSetParam } from '../sql/string-set';

/**
 * The ids of events already projected (table `projected_events`). The projector drops them from a
 * batch before projecting, so an event appended to the log twice is counted once, in the plain
 * tables and in the leaderboard aggregates alike. Recorded last in a batch, after every table took
 * its rows: a crash before that leaves the ids unrecorded, and the retry rewrites the same rows
 * under the same tokens.
 */
export async function alreadyProjected(store: AnalyticsStore, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  // Compared as big-endian bytes, the ledger's sort key (migration 0011), so the lookup reads only the
  // granules of the batch's ids; both sides spell UUIDs in lower case, as the envelope requires.
  const rows = await resultRows<[string]>(await store.client.query({
    query: `SELECT DISTINCT toString(event_id) FROM projected_events
            WHERE UUIDToNum(event_id) IN (SELECT UUIDStringToNum(value) FROM ${inStringSet('ids')})`,
    query_params: { ids: stringSetParam(eventIds) },
    format: 'JSONCompactEachRow',
  }));
  return new Set(rows.map(([id]) => id));
}

export async function recordProjected(store: AnalyticsStore, events: PositionedEvent[], token: string): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(({ event, partition, offset }) => [event.eventId, partition, offset]);
  await store.insertEncoded({
    table: 'projected_events',
    format: 'JSONCompactColumns',
    columns: ['event_id', 'log_partition', 'log_offset'],
    body: encodeColumns(rows, 3),
    settings: { insert_deduplication_token: token },
  });
}
