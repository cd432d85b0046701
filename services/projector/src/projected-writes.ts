import type { PositionedEvent, WriteRange } from '@xp/analytics';

/** One write of the projector: the log range it covered and the events it projected for the first time. */
export interface ProjectedWrite {
  range: WriteRange;
  /** In log order; events the ledger held already (duplicates) and dead letters are not among them. */
  events: readonly PositionedEvent[];
}

export type ProjectedWriteListener = (write: ProjectedWrite) => void;

/**
 * The writes of a projector running in this process, published as soon as their rows are visible
 * and before their offsets are committed. Readers in the same process (the API's caches) learn what
 * each write changed, not only that the projector moved. Listeners run inside the projector's batch:
 * they must be quick and must not throw.
 */
export class ProjectedWrites {
  private readonly listeners = new Set<ProjectedWriteListener>();

  /** Returns the function that unsubscribes. */
  subscribe(listener: ProjectedWriteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(write: ProjectedWrite): void {
    for (const listener of this.listeners) listener(write);
  }
}
