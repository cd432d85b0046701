import type { XpEvent } from '@xp/events';
import type { EventLog } from '@xp/event-log';
import type { HistoryEntry } from '../loop/run-history';
import { declaresExternalStages } from '../external/external-config';
import { isPartitionScanKey, partitionScanKey, publishScanStart, readScanStarts } from '../loop/scan-starts';
import { scanPartition } from './partition-scan';
import { SCHEDULE_KEY } from './run-view';

/** What a service remembers of one run: its own events, or why it stopped looking at them. */
export type CachedRun = HistoryEntry[] | 'not-scheduled' | 'finished';

interface PartitionCache {
  next: number;
  runs: Map<string, CachedRun>;
  /** The scan start last published (or read) for this partition. */
  published: number;
}

/** With no unfinished run in a partition its scan start follows the end; publish that every so many records only. */
const PUBLISH_STEP = 1000;

/**
 * One service's incremental read of the event topic, split by run. Each refresh reads only the
 * records appended since the last one, so a service rebuilds a run's history without rescanning
 * the partition on every batch. Runs nobody scheduled for the services (a `runLoop` run) and runs
 * that finished are reduced to a marker, so memory follows the active runs only.
 *
 * A service seeing a partition for the first time (started, restarted, or handed the partition by
 * a rebalance) starts reading where the partition's oldest unfinished run starts, as published in
 * `xp.loop.scan-from`, not at offset 0: a decision after a million earlier events costs what it
 * costs on a fresh partition. That start only ever moves forward (runs start at the end of the log
 * and finish in any order), so any published value, even an old one, is a safe place to start.
 * A run that never finishes holds it back.
 */
export class RunCache {
  private readonly partitions = new Map<number, PartitionCache>();
  private scanStarts?: Promise<Map<string, number>>;

  constructor(private readonly log: EventLog) {}

  /** Reads the partition up to its current end and returns the runs in it. */
  async refresh(partition: number): Promise<ReadonlyMap<string, CachedRun>> {
    let cache = this.partitions.get(partition);
    if (!cache) {
      const scanFrom = (await (this.scanStarts ??= readScanStarts(this.log, isPartitionScanKey))).get(partitionScanKey(partition)) ?? 0;
      this.partitions.set(partition, (cache = { next: scanFrom, runs: new Map(), published: scanFrom }));
    }
    const runs = cache.runs;
    cache.next = (await scanPartition(this.log, partition, cache.next, (event, offset) => remember(runs, event, offset))).next;
    await this.publishScanStart(partition, cache);
    return cache.runs;
  }

  private async publishScanStart(partition: number, cache: PartitionCache): Promise<void> {
    let oldest: number | undefined;
    for (const run of cache.runs.values()) if (Array.isArray(run) && (oldest === undefined || run[0].offset < oldest)) oldest = run[0].offset;
    const scanFrom = oldest ?? cache.next;
    if (scanFrom <= cache.published || (oldest === undefined && scanFrom - cache.published < PUBLISH_STEP)) return;
    await publishScanStart(this.log, partitionScanKey(partition), scanFrom);
    cache.published = scanFrom;
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
