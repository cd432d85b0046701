import { NotFoundError, UsageError, type XpEvent } from '@xp/events';
import { decodeEvent, TOPICS, type EventLog } from '@xp/event-log';
import { isPartitionScanKey, partitionScanKey, publishScanStart, readScanStarts, recordedRunStart, runScanKey } from './scan-starts';

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

/**
 * All events of one run, in offset order, with their offsets (at most those below `beforeOffset`).
 * The read starts where the run's start was recorded (`recordRunStart`), so its cost follows the
 * run's own span of the partition, not the partition's age. A run whose start nobody recorded (its
 * run.started came through ingest, or predates the record) is read from offset 0 once, and its
 * start is recorded then.
 */
export async function readRunEvents(log: EventLog, runId: string, beforeOffset = Infinity): Promise<Array<{ event: XpEvent; offset: number }>> {
  const recorded = await recordedRunStart(log, runId);
  const { events: found } = await readRunEventsFrom(log, runId, recorded ?? 0, beforeOffset);
  if (recorded === undefined && found.length > 0) await recordRunStart(log, runId, found[0].offset);
  return found;
}

/**
 * The run's events from `from` on (below `beforeOffset`), and the offset the read got to: short of
 * the end when the rest is not readable yet (a transaction still open).
 */
export async function readRunEventsFrom(
  log: EventLog, runId: string, from: number, beforeOffset = Infinity,
): Promise<{ events: Array<{ event: XpEvent; offset: number }>; next: number }> {
  const partition = await log.partitionFor(TOPICS.events, runId);
  const end = Math.min((await log.endOffsets(TOPICS.events))[partition] ?? 0, beforeOffset);
  const found: Array<{ event: XpEvent; offset: number }> = [];
  let next = from;
  while (next < end) {
    const records = await log.read(TOPICS.events, partition, next, Math.min(PAGE, end - next));
    if (records.length === 0) break;
    for (const record of records) {
      if (record.key !== runId) continue;
      found.push({ event: decodeEvent(record) as XpEvent, offset: record.offset });
    }
    next = records[records.length - 1].offset + 1;
  }
  return { events: found, next };
}

/** Records where a run's first event is, so later reads of the run start there. */
export async function recordRunStart(log: EventLog, runId: string, offset: number): Promise<void> {
  await publishScanStart(log, runScanKey(runId), offset);
}

/**
 * Whether a run id is taken: its start was recorded, or the run has events from where its
 * partition's oldest unfinished services run begins (offset 0 until a service published it). Runs
 * before that point are finished, and xp recorded the start of those it started or has read since;
 * a finished run that came through ingest and was never read is the one this check can miss.
 */
export async function runHasEvents(log: EventLog, runId: string): Promise<boolean> {
  const starts = await readScanStarts(log, (key) => key === runScanKey(runId) || isPartitionScanKey(key));
  if (starts.has(runScanKey(runId))) return true;
  const partition = await log.partitionFor(TOPICS.events, runId);
  return (await readRunEventsFrom(log, runId, starts.get(partitionScanKey(partition)) ?? 0)).events.length > 0;
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
