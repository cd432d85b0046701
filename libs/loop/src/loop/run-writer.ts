import { performance } from 'node:perf_hooks';
import {
  EventFactory, InvalidEventError, SchemaRegistry, type EventType, type PayloadByType, type XpEvent,
} from '@xp/events';
import { encodeEvent, TOPICS, type EventLog } from '@xp/event-log';
import { applyEvent, type LoopState } from './projection';
import type { HistoryEntry, RunHistory } from './run-history';

/** The loop's producers; seq numbers are counted per producer, as the envelope requires. */
export const PRODUCERS = {
  runner: 'xp-loop/runner',
  curriculum: 'xp-loop/curriculum',
  sampler: 'xp-loop/sampler',
  verifier: 'xp-loop/verifier',
  reward: 'xp-loop/reward',
  replay: 'xp-loop/replay',
  trainer: 'xp-loop/trainer',
  evaluator: 'xp-loop/evaluator',
} as const;

export type EventDraft = {
  [T in EventType]: { type: T; payload: PayloadByType[T]; producer: string; parents?: string[] };
}[EventType];

export interface RunContext {
  team: string;
  experimentId: string;
  runId: string;
}

/** Largest append; keeps a single request well inside broker and LMDB transaction limits. */
const APPEND_CHUNK = 1000;

let sharedRegistry: SchemaRegistry | undefined;

/**
 * Stamps, validates and appends a run's events, then folds them into the run's history and state so
 * the next decision sees exactly what the log now holds.
 */
export class RunWriter {
  /** Events written so far and the wall time spent stamping, validating and appending them. */
  readonly totals = { events: 0, ms: 0 };
  private readonly factories = new Map<string, EventFactory>();
  private readonly registry = (sharedRegistry ??= new SchemaRegistry());

  constructor(
    private readonly log: EventLog,
    private readonly context: RunContext,
    readonly history: RunHistory,
    readonly state: LoopState,
    private readonly clock?: () => Date,
  ) {}

  async write(drafts: readonly EventDraft[]): Promise<HistoryEntry[]> {
    const started = performance.now();
    const events = drafts.map((draft) => this.stamp(draft));
    const entries: HistoryEntry[] = [];
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      const chunk = events.slice(start, start + APPEND_CHUNK);
      const positions = await this.log.append(TOPICS.events, chunk.map(encodeEvent));
      chunk.forEach((event, i) => {
        const entry = this.history.add(event, positions[i].offset);
        applyEvent(this.state, entry);
        entries.push(entry);
      });
    }
    this.totals.events += events.length;
    this.totals.ms += performance.now() - started;
    return entries;
  }

  private stamp(draft: EventDraft): XpEvent {
    let factory = this.factories.get(draft.producer);
    if (!factory) {
      factory = new EventFactory({ ...this.context, producer: draft.producer }, { clock: this.clock });
      this.factories.set(draft.producer, factory);
    }
    const event = factory.create(draft.type, draft.payload as never, draft.parents ?? []) as XpEvent;
    const result = this.registry.validate(event);
    if (!result.ok) throw new InvalidEventError(result.issues);
    return event;
  }
}
