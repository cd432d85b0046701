import type { AnalyticsStore } from '../analytics-store';
import { alreadyProjected } from './event-ledger';
import { ProjectionFacts } from './projection-facts';
import type { PositionedEvent } from './projection-rows';
import { STAGED_COLUMNS, stageEvents } from './stage-events';
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

  /** Projects the valid events of `range` (in log order); returns how many were new. */
  async write(range: WriteRange, events: PositionedEvent[]): Promise<number> {
    const token = this.intents.token(range);
    const last = await this.intents.last(range.partition);
    const retrying = last?.fromOffset === range.fromOffset && last.toOffset === range.toOffset;
    await this.intents.announce(range);
    const fresh = await this.unprojected(events, retrying ? range : undefined);
    if (fresh.length === 0) return 0;
    const staged = stageEvents(fresh, await this.facts.contextFor(fresh, range.partition, range.fromOffset));
    await this.store.insertEncoded({
      table: 'projection_input',
      format: 'JSONCompactColumns',
      columns: STAGED_COLUMNS,
      body: Buffer.from(JSON.stringify(staged.columns), 'utf8'),
      settings: { insert_deduplication_token: `${token}/projection_input` },
    });
    this.facts.remember(staged);
    return fresh.length;
  }

  /** Events neither projected by an earlier write nor repeated earlier in this one. */
  private async unprojected(events: PositionedEvent[], retrying: WriteRange | undefined): Promise<PositionedEvent[]> {
    const seen = await alreadyProjected(this.store, [...new Set(events.map(({ event }) => event.eventId))], retrying);
    const fresh: PositionedEvent[] = [];
    for (const positioned of events) {
      if (seen.has(positioned.event.eventId)) continue;
      seen.add(positioned.event.eventId);
      fresh.push(positioned);
    }
    return fresh;
  }
}
