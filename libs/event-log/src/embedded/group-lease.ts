import { randomUUID } from 'node:crypto';
import type { LogStore } from './store';

const LEASE_TTL_MS = 10_000;

/**
 * A consumer group's ownership of a topic in the embedded log. One member consumes at a time; others
 * wait, as surplus Kafka consumers do. A lease whose owner process is gone (same machine: its pid no
 * longer exists) or that stopped being renewed is taken over at once.
 */
export class GroupLease {
  private readonly owner = randomUUID();

  constructor(
    private readonly store: LogStore,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  /** Takes or renews the lease; false while another live member holds it. */
  async tryAcquire(now = Date.now()): Promise<boolean> {
    const key: [string, string] = [this.groupId, this.topic];
    let acquired = false;
    await this.store.leases.transaction(() => {
      const current = this.store.leases.get(key);
      if (current && current.owner !== this.owner && current.expiresAt > now && isAlive(current.pid)) return;
      this.store.leases.put(key, { owner: this.owner, pid: process.pid, expiresAt: now + LEASE_TTL_MS });
      acquired = true;
    });
    return acquired;
  }

  async release(): Promise<void> {
    const key: [string, string] = [this.groupId, this.topic];
    await this.store.leases.transaction(() => {
      if (this.store.leases.get(key)?.owner === this.owner) this.store.leases.remove(key);
    });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
