import type { AnalyticsStore } from '../analytics-store';
import { alreadyProjected, recordProjected } from './event-ledger';
import { projectEvents } from './project-events';
import { ProjectionFacts } from './projection-facts';
import type { PositionedEvent } from './projection-rows';
import { writeRows } from './rows-writer';
import { WriteIntents, type WriteRange } from './write-intents';

export interface ProjectionSinkOptions {
  /** Consumer group the writes belong to: it scopes the announcements and the deduplication tokens. */
  groupId: string;
  topic: string;
}

/**
 * Where projected batches go. One `write` covers a range of one partition's offsets and is safe to
 * repeat with the same range and events: announce the range, drop events projected before, project
 * the rest, insert every table under the range's token, then record the events as projected.
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

  /** Projects the valid events of `range` (in log order) under the partition's `assignment`; returns those that were new. */
  async write(range: WriteRange, events: PositionedEvent[], assignment: number): Promise<PositionedEvent[]> {
    const token = this.intents.token(range);
    // The announcement must land before any table's insert; the ledger read need not wait for it.
    const [, fresh] = await Promise.all([this.intents.announce(range, assignment), this.unprojected(events)]);
    // Every record of the partition before the first fresh event is projected already (committed, written
    // earlier, or in the ledger), and nothing at or after it may be read back: it may be this write's own rows.
    const before = fresh.length > 0 ? fresh[0].offset : range.fromOffset;
    const projection = projectEvents(fresh, await this.facts.contextFor(fresh, range.partition, before));
    await writeRows(this.store, projection.rows, token);
    await recordProjected(this.store, fresh, token);
    this.facts.remember(projection);
    return fresh;
  }

  /** Events neither projected by an earlier write nor repeated earlier in this one. */
  private async unprojected(events: PositionedEvent[]): Promise<PositionedEvent[]> {
    const seen = await alreadyProjected(this.store, [...new Set(events.map(({ event }) => event.eventId))]);
    const fresh: PositionedEvent[] = [];
    for (const positioned of events) {
      if (seen.has(positioned.event.eventId)) continue;
      seen.add(positioned.event.eventId);
      fresh.push(positioned);
    }
    return fresh;
  }
}
