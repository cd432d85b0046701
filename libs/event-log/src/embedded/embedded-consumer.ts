import type { EventEmitter } from 'node:events';
import { runBatch } from '../batch-runner';
import type { LogMessage, SubscribeOptions, Subscription } from '../port';
import { GroupLease } from './group-lease';
import type { LogStore } from './store';

const LEASE_RENEW_MS = 2_000;

/**
 * Polls each partition from the group's committed offset, hands batches to the handler and commits
 * after it (and any dead-lettering) finished. Appends in this process wake it at once; appends from
 * other processes are seen on the next poll.
 */
export class EmbeddedConsumer implements Subscription {
  private running = true;
  private readonly lease: GroupLease;
  /** Counts the times this member took the group's lease: its partitions may have been consumed by another member in between. */
  private assignment = 0;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;
  /** Where the group starts in each partition when it has no commit, fixed at subscription time. */
  private readonly initialPositions: number[];
  private readonly onAppend = (topic: string) => {
    if (topic === this.options.topic) this.wake?.();
  };

  constructor(
    private readonly store: LogStore,
    private readonly partitions: number,
    private readonly options: SubscribeOptions,
    private readonly appends: EventEmitter,
    private readonly appendTo: (topic: string, messages: LogMessage[]) => Promise<unknown>,
  ) {
    this.lease = new GroupLease(store, options.groupId, options.topic);
    this.initialPositions = Array.from({ length: partitions }, (_, p) =>
      options.fromBeginning === false ? store.endOffset(options.topic, p) : 0,
    );
    appends.on('append', this.onAppend);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.appends.off('append', this.onAppend);
    await this.lease.release();
  }

  private async run(): Promise<void> {
    const maxBatch = this.options.maxBatchSize ?? 5000;
    const idleMs = this.options.maxWaitMs ?? 50;
    const positions: number[] = [];
    let leaseCheckedAt = 0;
    let holding = false;
    while (this.running) {
      if (Date.now() - leaseCheckedAt >= (holding ? LEASE_RENEW_MS : idleMs)) {
        const held = holding;
        holding = await this.lease.tryAcquire();
        leaseCheckedAt = Date.now();
        if (holding && !held) this.assignment++;
        // Positions are re-read on every (re)acquisition: another member may have committed meanwhile.
        if (!holding) positions.length = 0;
      }
      const progressed = holding ? await this.consumeRound(positions, maxBatch) : false;
      if (progressed === undefined) return;
      if (!progressed && this.running) await this.idle(idleMs);
    }
  }

  /**
   * One batch from each partition that has records, up to `partitionsConsumedConcurrently` of them in
   * the handler at once. Resolves whether any partition progressed, or undefined when the consumer
   * stopped with a batch left uncommitted.
   */
  private async consumeRound(positions: number[], maxBatch: number): Promise<boolean | undefined> {
    let next = 0;
    let progressed = false;
    let stopped = false;
    const worker = async () => {
      while (this.running && !stopped && next < this.partitions) {
        const partition = next++;
        const outcome = await this.consumePartition(partition, positions, maxBatch);
        if (outcome === undefined) stopped = true;
        else progressed ||= outcome;
      }
    };
    const width = Math.max(1, Math.min(this.options.partitionsConsumedConcurrently ?? 1, this.partitions));
    await Promise.all(Array.from({ length: width }, worker));
    return stopped ? undefined : progressed;
  }

  /** Hands the partition's next batch to the handler and commits it; false when it had none, undefined when not completed. */
  private async consumePartition(partition: number, positions: number[], maxBatch: number): Promise<boolean | undefined> {
    const { topic, groupId } = this.options;
    positions[partition] ??= this.startOffset(partition);
    const batch = await this.store.read(topic, partition, positions[partition], maxBatch, this.options.maxBatchBytes);
    if (batch.length === 0) return false;
    const next = batch[batch.length - 1].offset + 1;
    const context = { topic, partition, highWatermark: this.store.endOffset(topic, partition), assignment: this.assignment };
    const done = await runBatch(batch, context, {
      handler: this.options.handler,
      groupId,
      deadLetterTopic: this.options.deadLetterTopic ?? `${topic}.dlq`,
      appendDeadLetters: this.appendTo,
      onError: this.options.onError,
      isRunning: () => this.running,
    });
    if (!done) return undefined;
    await this.store.commit(groupId, topic, partition, next);
    positions[partition] = next;
    return true;
  }

  private startOffset(partition: number): number {
    return this.store.committedOffset(this.options.groupId, this.options.topic, partition) ?? this.initialPositions[partition];
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
