import { EventFactory, InvalidEventError, SchemaRegistry, type XpEvent } from '@xp/events';
import type { HistoryEntry } from '../loop/run-history';
import type { EventDraft, RunContext } from '../loop/run-writer';

let sharedRegistry: SchemaRegistry | undefined;

/**
 * Stamps and validates a decision's events for a run whose log so far is `earlier`. Sequence numbers
 * continue each producer's count in that log, so a restarted service, or another replica, numbers
 * exactly as the orchestrator would.
 */
export function stampDecision(
  context: RunContext, earlier: readonly HistoryEntry[], drafts: readonly EventDraft[], clock?: () => Date,
): XpEvent[] {
  const registry = (sharedRegistry ??= new SchemaRegistry());
  const seqs = nextSeqs(earlier);
  const factories = new Map<string, EventFactory>();
  return drafts.map((draft) => {
    let factory = factories.get(draft.producer);
    if (!factory) {
      factory = new EventFactory({ ...context, producer: draft.producer }, { startSeq: seqs.get(draft.producer) ?? 0, clock });
      factories.set(draft.producer, factory);
    }
    const event = factory.create(draft.type, draft.payload as never, draft.parents ?? []) as XpEvent;
    const result = registry.validate(event);
    if (!result.ok) throw new InvalidEventError(result.issues);
    return event;
  });
}

function nextSeqs(earlier: readonly HistoryEntry[]): Map<string, number> {
  const next = new Map<string, number>();
  for (const { event } of earlier) {
    if (event.producer !== undefined) next.set(event.producer, Math.max(next.get(event.producer) ?? 0, event.seq + 1));
  }
  return next;
}
