import { uuidv7 } from './uuidv7';
import type { EventEnvelope, EventType, PayloadByType } from './types';

export interface EventContext {
  team: string;
  experimentId: string;
  runId: string;
  producer: string;
}

/**
 * Stamps envelopes for one producer in one run: ids, per-producer sequence numbers and timestamps.
 * The clock is injectable so tests and replays can fix it.
 */
export class EventFactory {
  private nextSeq: number;

  constructor(
    private readonly context: EventContext,
    options: { startSeq?: number; clock?: () => Date } = {},
  ) {
    this.nextSeq = options.startSeq ?? 0;
    this.clock = options.clock ?? (() => new Date());
  }

  private readonly clock: () => Date;

  create<T extends EventType>(type: T, payload: PayloadByType[T], parents: string[] = []): EventEnvelope<T> {
    const now = this.clock();
    return {
      eventId: uuidv7(now.getTime()),
      type,
      schemaVersion: 1,
      team: this.context.team,
      experimentId: this.context.experimentId,
      runId: this.context.runId,
      seq: this.nextSeq++,
      producer: this.context.producer,
      occurredAt: now.toISOString(),
      parents,
      payload,
    };
  }
}
