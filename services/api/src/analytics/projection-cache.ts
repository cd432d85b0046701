import { TOPICS, type EventLog } from '@xp/event-log';
import { PROJECTOR_GROUP, type ProjectedWrite, type ProjectedWrites } from '@xp/projector';
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
 * When the projector runs in this process, a cache can follow its writes instead (`followWrites`):
 * each write drops the entries it touched as soon as its rows are visible, and a later move of the
 * position keeps the rest, provided this process saw every write the move covers. A move past
 * writes it did not see (another projector instance, a restart) empties the cache as before.
 *
 * This holds only when the projector is the sole writer of the projections (a rebuild rewrites them
 * to what they were at the same offsets); a deployment that writes them some other way turns the
 * cache off (`ApiDependencies.cacheResults: false`).
 */
export class ProjectionCache<T> {
  /** The committed offsets every entry is exact under; undefined until known. */
  private offsets: number[] | undefined;
  /**
   * When following writes: per partition, how far the writes seen since `offsets` reach without a
   * gap; undefined after a gap.
   */
  private covered: number[] | undefined;
  private following = false;
  /** Bumped whenever entries may have gone stale: results read under an older generation are not kept. */
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
    let offsets: number[] | undefined;
    try {
      offsets = await this.log.committedOffsets(PROJECTOR_GROUP, TOPICS.events);
    } catch {
      offsets = undefined;
    }
    const previous = this.offsets;
    if (offsets !== undefined && previous !== undefined && sameOffsets(offsets, previous)) return this.generation;
    if (offsets !== undefined && previous !== undefined && this.following && this.coversMove(previous, offsets)) {
      // Every write up to the new position was seen and dropped what it touched: the rest stays exact.
      this.covered = this.covered!.map((reach, p) => Math.max(reach, offsets[p]));
    } else {
      this.entries.clear();
      this.generation++;
      this.covered = offsets?.slice();
    }
    this.offsets = offsets;
    return offsets === undefined ? undefined : this.generation;
  }

  /**
   * Follows the writes of a projector in this process: each drops the entries `touched` names, and
   * moves of the position that only cover seen writes keep the other entries.
   */
  followWrites(writes: ProjectedWrites, touched: (write: ProjectedWrite) => Iterable<string>): void {
    this.following = true;
    writes.subscribe((write) => {
      for (const key of touched(write)) this.entries.delete(key);
      // A read that started before this write became visible may have missed it.
      this.generation++;
      const { partition, fromOffset, toOffset } = write.range;
      const covered = this.covered;
      if (covered !== undefined && partition < covered.length && fromOffset <= covered[partition]) {
        covered[partition] = Math.max(covered[partition], toOffset + 1);
      } else {
        this.covered = undefined;
      }
    });
  }

  /** Whether the writes seen reach the new offsets on every partition, and no offset went back. */
  private coversMove(from: number[], to: number[]): boolean {
    const covered = this.covered;
    if (covered === undefined || to.length !== from.length || covered.length !== to.length) return false;
    return to.every((offset, p) => offset >= from[p] && offset <= covered[p]);
  }

  /** The keys of the entries held now. */
  keys(): string[] {
    return [...this.entries.keys()];
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

function sameOffsets(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((offset, p) => offset === b[p]);
}
