import { TOPICS, type EventLog } from '@xp/event-log';
import { PROJECTOR_GROUP } from '@xp/projector';
import { LruMap } from '../lru-map';

/**
 * Results of reads over the projections, keyed by where the projector stands. The projections
 * change only when the projector writes a batch, and it commits the batch's offsets right after
 * ClickHouse acknowledged it, so a result cached under the projector's committed offsets stays
 * exact until they move: every read looks the offsets up again (no time-to-live) and a new position
 * empties the cache. A result computed while a batch was in flight may already include that
 * batch; it is never older than the offsets it is filed under, because a result is only kept when
 * the position it was read under is still the current one.
 *
 * This holds only when the projector is the sole writer of the projections (a rebuild rewrites them
 * to what they were at the same offsets); a deployment that writes them some other way turns the
 * cache off (`ApiDependencies.cacheResults: false`).
 */
export class ProjectionCache<T> {
  private position: string | undefined;
  /** Bumped whenever the position moves: results read under an older generation are not kept. */
  private generation = 0;
  private readonly entries: LruMap<T>;

  /** @param capacity the most entries kept, or the most total weight when entries state one */
  constructor(
    private readonly log: EventLog,
    capacity = 256,
  ) {
    this.entries = new LruMap(capacity);
  }

  /**
   * Looks up where the projector stands, emptying the cache when it moved. Returns the generation
   * to file new results under, or undefined when the log cannot say: then read without the cache.
   */
  async sync(): Promise<number | undefined> {
    let position: string | undefined;
    try {
      position = (await this.log.committedOffsets(PROJECTOR_GROUP, TOPICS.events)).join(',');
    } catch {
      position = undefined;
    }
    if (position === undefined || position !== this.position) {
      this.entries.clear();
      this.position = position;
      this.generation++;
    }
    return position === undefined ? undefined : this.generation;
  }

  lookup(key: string): T | undefined {
    return this.entries.get(key);
  }

  /** Keeps a result read under `generation`, unless the projector has moved since. */
  remember(key: string, value: T, generation: number, weight = 1): void {
    if (generation === this.generation) this.entries.set(key, value, weight);
  }

  /** Memoizes one read under the current position; a failed read is not kept. */
  async get<V>(this: ProjectionCache<Promise<V>>, key: string, compute: () => Promise<V>): Promise<V> {
    const generation = await this.sync();
    if (generation === undefined) return compute();
    const cached = this.lookup(key);
    if (cached) return cached;
    const computed = compute();
    this.remember(key, computed, generation);
    computed.catch(() => {
      if (this.entries.peek(key) === computed) this.entries.delete(key);
    });
    return computed;
  }
}
