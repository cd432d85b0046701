import { NotFoundError, UsageError, type XpEvent } from '@xp/events';
import { decodeEvent, TOPICS, type EventLog } from '@xp/event-log';

/**
 * A run's view of the log: its own events with their offsets in its partition, preceded (for a
 * fork) by the parent's events below the fork offset. Decisions read `upTo(watermark)`: inherited
 * history is fixed at the fork, own events count only below the watermark.
 */
export interface HistoryEntry {
  event: XpEvent;
  /** Offset in the partition of the run that wrote the event. */
  offset: number;
  /** False for events inherited from a parent run. */
  own: boolean;
}

export class RunHistory {
  constructor(
    readonly runId: string,
    readonly entries: HistoryEntry[] = [],
  ) {}

  add(event: XpEvent, offset: number): HistoryEntry {
    const entry = { event, offset, own: true };
    this.entries.push(entry);
    return entry;
  }

  upTo(watermark: number): HistoryEntry[] {
    return this.entries.filter((e) => !e.own || e.offset < watermark);
  }

  own(): HistoryEntry[] {
    return this.entries.filter((e) => e.own);
  }

  /** The watermark that covers every own event so far. */
  watermark(): number {
    let next = 0;
    for (const entry of this.entries) if (entry.own) next = Math.max(next, entry.offset + 1);
    return next;
  }
}

const PAGE = 5000;

/** All events of one run, in offset order, with their offsets (at most those below `beforeOffset`). */
export async function readRunEvents(log: EventLog, runId: string, beforeOffset = Infinity): Promise<Array<{ event: XpEvent; offset: number }>> {
  const partition = await log.partitionFor(TOPICS.events, runId);
  const end = Math.min((await log.endOffsets(TOPICS.events))[partition] ?? 0, beforeOffset);
  const found: Array<{ event: XpEvent; offset: number }> = [];
  for (let offset = 0; offset < end; ) {
    const records = await log.read(TOPICS.events, partition, offset, Math.min(PAGE, end - offset));
    if (records.length === 0) break;
    for (const record of records) {
      if (record.key !== runId) continue;
      found.push({ event: decodeEvent(record) as XpEvent, offset: record.offset });
    }
    offset = records[records.length - 1].offset + 1;
  }
  return found;
}

/** Loads a run's history, following its parent chain through run.started's parentRunId and forkedAtOffset. */
export async function loadRunHistory(log: EventLog, runId: string): Promise<RunHistory> {
  const own = await readRunEvents(log, runId);
  const started = own.find((e) => e.event.type === 'run.started');
  if (!started || started.event.type !== 'run.started') throw new NotFoundError(`run '${runId}' has no run.started event in the log`);
  const inherited = await inheritedEntries(log, started.event.payload.parentRunId, started.event.payload.forkedAtOffset);
  return new RunHistory(runId, [...inherited, ...own.map((e) => ({ ...e, own: true }))]);
}

/** The parent's history as a child forked at `atOffset` sees it: all of it frozen, nothing of its own. */
export async function inheritedEntries(log: EventLog, parentRunId: string | undefined, atOffset: number | undefined): Promise<HistoryEntry[]> {
  if (parentRunId === undefined) return [];
  if (atOffset === undefined) throw new UsageError(`a fork of '${parentRunId}' must say at which offset it forked`);
  const parent = await loadRunHistory(log, parentRunId);
  return parent.upTo(atOffset).map((e) => ({ ...e, own: false }));
}
