import { TOPICS, type EventLog } from '@xp/event-log';

/** Waits until the group has committed everything the events topic held when this was called. */
export async function caughtUp(log: EventLog, groupId: string, pollMs = 25): Promise<void> {
  const ends = await log.endOffsets(TOPICS.events);
  for (;;) {
    const committed = await log.committedOffsets(groupId, TOPICS.events);
    if (ends.every((end, p) => (committed[p] ?? 0) >= end)) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
