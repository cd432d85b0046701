import { TOPICS, type EventLog } from '@xp/event-log';
import { PROJECTOR_GROUP } from '@xp/projector';

/**
 * Results of reads over the projections, keyed by where the projector stands. The projections
 * change only when the projector writes a batch, and it commits the batch's offsets right after
 * ClickHouse acknowledged it, so a result cached under the projector's committed offsets stays
 * exact until they move: every lookup reads the offsets again (no time-to-live) and a new position
 * empties the cache. A result computed while a batch was in flight may already include that
 * batch; it is never older than the offsets it is filed under.
 *
 * This holds only when the projector is the sole writer of the projections (a rebuild rewrites them
 * to what they were at the same offsets); a deployment that writes them some other way turns the
 * cache off (`ApiDependencies.cacheResults: false`).
 */
export class ProjectionCache<T> {
  private position: string | undefined;
  private readonly entries = new Map<string, Promise<T>>();

  constructor(
    private readonly log: EventLog,
    private readonly maxEntries = 256,
  ) {}

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    let position: string;
    try {
      position = (await this.log.committedOffsets(PROJECTOR_GROUP, TOPICS.events)).join(',');
    } catch {
      return compute(); // the log cannot say where the projector stands: answer without the cache
    }
    if (position !== this.position) {
      this.entries.clear();
      this.position = position;
    }
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key); // least recently used goes first when full
      this.entries.set(key, cached);
      return cached;
    }
    const computed = compute();
    this.entries.set(key, computed);
    computed.catch(() => {
      if (this.entries.get(key) === computed) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return computed;
  }
}
