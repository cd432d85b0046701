import { TOPICS, type AppendSignal, type EventLog, type RecordPosition } from '@xp/event-log';

interface Waiter {
  partition: number;
  /** Resolved once the partition's end passes this offset. */
  end: number;
  done(moved: boolean): void;
}

/**
 * Waits for partitions of the event topic to grow past an offset, for long polls. Appends made in
 * this process (the loop services and ingest of `xp up`) wake waiters at once through the append
 * signal; appends by other processes are found by one shared poll of the topic's end offsets, every
 * `pollMs`, however many waiters there are.
 */
export class PartitionWatch {
  private readonly waiters = new Set<Waiter>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(private readonly log: EventLog, private readonly pollMs: number, signal?: AppendSignal) {
    signal?.listen((topic, positions) => {
      if (topic === TOPICS.events) this.settle((partition) => lastOffset(positions, partition));
    });
  }

  /** True once the partition's end is past `end`; false when `timeoutMs` passed or `abort` fired first. */
  past(partition: number, end: number, timeoutMs: number, abort?: AbortSignal): Promise<boolean> {
    if (timeoutMs <= 0 || abort?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (moved: boolean) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timeout);
        abort?.removeEventListener('abort', aborted);
        resolve(moved);
      };
      const waiter: Waiter = { partition, end, done: finish };
      const aborted = () => finish(false);
      const timeout = setTimeout(() => finish(false), timeoutMs);
      abort?.addEventListener('abort', aborted);
      this.waiters.add(waiter);
      this.schedule();
    });
  }

  /** Resolves the waiters whose partition now ends past their offset (`nextOf` gives a partition's known end, or undefined). */
  private settle(nextOf: (partition: number) => number | undefined): void {
    for (const waiter of [...this.waiters]) {
      const next = nextOf(waiter.partition);
      if (next !== undefined && next > waiter.end) waiter.done(true);
    }
  }

  private schedule(): void {
    if (this.timer || this.checking || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.pollMs);
  }

  private async poll(): Promise<void> {
    this.checking = true;
    try {
      const ends = await this.log.endOffsets(TOPICS.events);
      this.settle((partition) => ends[partition]);
    } catch {
      // A failed look (a broker moving a leader) is retried at the next tick; the long poll's own read reports real failures.
    } finally {
      this.checking = false;
      this.schedule();
    }
  }
}

function lastOffset(positions: readonly RecordPosition[], partition: number): number | undefined {
  let next: number | undefined;
  for (const position of positions) if (position.partition === partition) next = Math.max(next ?? 0, position.offset + 1);
  return next;
}
