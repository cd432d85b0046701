import type { XpEvent } from '@xp/events';
import { decodeEvent, TOPICS, type EventLog } from '@xp/event-log';

const PAGE = 5000;

/**
 * Reads one partition of the event topic from `from` up to its current end, page by page, and hands
 * each record that is an event of the run it is keyed by to `onEvent`. A record that is not JSON is
 * no event of any run: the projector dead-letters it, readers pass it by. Returns the next offset to
 * read and the end it read to.
 */
export async function scanPartition(
  log: EventLog, partition: number, from: number, onEvent: (event: XpEvent, offset: number) => void | Promise<void>,
): Promise<{ next: number; end: number }> {
  const end = (await log.endOffsets(TOPICS.events))[partition] ?? 0;
  let next = from;
  while (next < end) {
    const records = await log.read(TOPICS.events, partition, next, Math.min(PAGE, end - next));
    if (records.length === 0) break;
    for (const record of records) {
      const event = decodeOrSkip(record);
      if (event && event.runId === record.key) await onEvent(event, record.offset);
    }
    next = records[records.length - 1].offset + 1;
  }
  return { next, end };
}

function decodeOrSkip(record: Parameters<typeof decodeEvent>[0]): XpEvent | undefined {
  try {
    const event = decodeEvent(record) as XpEvent;
    return typeof event?.type === 'string' && typeof event.runId === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}
