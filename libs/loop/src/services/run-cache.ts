import type { XpEvent } from '@xp/events';
import type { EventLog } from '@xp/event-log';
import type { HistoryEntry } from '../loop/run-history';
import { declaresExternalStages } from '../external/external-config';
import { scanPartition } from './partition-scan';
import { SCHEDULE_KEY } from './run-view';

/** What a service remembers of one run: its own events, or why it stopped looking at them. */
export type CachedRun = HistoryEntry[] | 'not-scheduled' | 'finished';

interface PartitionCache {
  next: number;
  runs: Map<string, CachedRun>;
}

/**
 * One service's incremental read of the event topic, split by run. Each refresh reads only the
 * records appended since the last one, so a service rebuilds a run's history without rescanning
 * the partition on every batch. Runs nobody scheduled for the services (a `runLoop` run) and runs
 * that finished are reduced to a marker, so memory follows the active runs only.
 */
export class RunCache {
  private readonly partitions = new Map<number, PartitionCache>();

  constructor(private readonly log: EventLog) {}

  /** Reads the partition up to its current end and returns the runs in it. */
  async refresh(partition: number): Promise<ReadonlyMap<string, CachedRun>> {
    let cache = this.partitions.get(partition);
    if (!cache) this.partitions.set(partition, (cache = { next: 0, runs: new Map() }));
    const runs = cache.runs;
    cache.next = (await scanPartition(this.log, partition, cache.next, (event, offset) => remember(runs, event, offset))).next;
    return cache.runs;
  }
}

function remember(runs: Map<string, CachedRun>, event: XpEvent, offset: number): void {
  const known = runs.get(event.runId);
  if (known === 'not-scheduled' || known === 'finished') return;
  if (!known) {
    // Only runs started for the services, or declaring external stages, are theirs to drive; the first
    // event of a run is run.started.
    const config = event.type === 'run.started' ? (event.payload?.config as Record<string, unknown> | undefined) : undefined;
    const scheduled = config?.[SCHEDULE_KEY] !== undefined || declaresExternalStages(config);
    if (!scheduled) {
      runs.set(event.runId, 'not-scheduled');
      return;
    }
  }
  if (event.type === 'run.finished') {
    runs.set(event.runId, 'finished');
    return;
  }
  const entries = known ?? [];
  entries.push({ event, offset, own: true });
  runs.set(event.runId, entries);
}
