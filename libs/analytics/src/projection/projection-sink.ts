import type { AnalyticsStore } from '../analytics-store';
import { alreadyProjected } from './event-ledger';
import { ProjectionFacts } from './projection-facts';
import type { PositionedEvent } from './projection-rows';
import { STAGED_COLUMNS, stageEvents, type StagedBatch } from './stage-events';
import { WriteIntents, type WriteRange } from './write-intents';

export interface ProjectionSinkOptions {
  /** Consumer group the writes belong to: it scopes the announcements and the deduplication tokens. */
  groupId: string;
  topic: string;
}

/**
 * Where projected batches go. One `write` covers a range of one partition's offsets and is safe to
 * repeat with the same range and events: announce the range, drop events projected by earlier
 * writes, then insert the rest ONCE into `projection_input` under the range's token. Materialized
 * views fan that block out into every table, the event-id ledger included, each deduplicating its
 * part under the same token.
 */
export class ProjectionSink {
  readonly intents: WriteIntents;
  private readonly facts: ProjectionFacts;

  constructor(
    private readonly store: AnalyticsStore,
    options: ProjectionSinkOptions,
  ) {
    this.intents = new WriteIntents(store, options.groupId, options.topic);
    this.facts = new ProjectionFacts(store.client);
  }

  /**
   * Projects the valid events of `range` (in log order); returns how many were new. The ledger
   * lookup and the announcement run in the engine while the batch is staged here; the staging
   * assumes no event was projected before and is redone in the rare batch where the ledger says
   * otherwise, so the insert is always what staging only the new events gives.
   */
  async write(range: WriteRange, events: PositionedEvent[]): Promise<number> {
    const token = this.intents.token(range);
    const last = await this.intents.last(range.partition);
    const retrying = last?.fromOffset === range.fromOffset && last.toOffset === range.toOffset;
    const unique = firstOccurrences(events, new Set());
    const announced = this.intents.announce(range);
    const projectedBefore = alreadyProjected(this.store, unique.map(({ event }) => event.eventId), retrying ? range : undefined);
    // Awaited below; observed now so that a failure while staging leaves no unhandled rejection.
    announced.catch(() => undefined);
    projectedBefore.catch(() => undefined);
    let fresh = unique;
    let staged = unique.length > 0 ? await this.stage(unique, range) : undefined;
    await announced;
    const seen = await projectedBefore;
    if (seen.size > 0) {
      fresh = unique.filter(({ event }) => !seen.has(event.eventId));
      staged = fresh.length > 0 ? await this.stage(fresh, range) : undefined;
    }
    if (!staged) return 0;
    await this.store.insertEncoded({
      table: 'projection_input',
      format: 'JSONCompactColumns',
      columns: STAGED_COLUMNS,
      body: staged.body,
      settings: { insert_deduplication_token: `${token}/projection_input` },
    });
    this.facts.remember(staged.batch);
    return fresh.length;
  }

  /** The one insert's body for `events` (none of them projected before), with the facts they teach. */
  private async stage(events: PositionedEvent[], range: WriteRange): Promise<{ batch: StagedBatch; body: Buffer }> {
    const batch = stageEvents(events, await this.facts.contextFor(events, range.partition, range.fromOffset));
    return { batch, body: Buffer.from(JSON.stringify(batch.columns), 'utf8') };
  }
}

/** Events not in `seen` and not repeated earlier in `events`, in order. */
function firstOccurrences(events: PositionedEvent[], seen: Set<string>): PositionedEvent[] {
  const fresh: PositionedEvent[] = [];
  for (const positioned of events) {
    if (seen.has(positioned.event.eventId)) continue;
    seen.add(positioned.event.eventId);
    fresh.push(positioned);
  }
  return fresh;
}
