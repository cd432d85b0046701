import type { WriteRange } from '@xp/analytics';
import type { LogRecord } from '@xp/event-log';

/** Reads up to `limit` records of the batch's partition from `fromOffset`. */
export type ReadPartition = (fromOffset: number, limit: number) => Promise<LogRecord[]>;

/**
 * Cuts a delivered batch (one partition, consecutive offsets) into writes. When the batch starts
 * where the last announced write started, that write was interrupted before its offsets were
 * committed: it is rebuilt first with exactly its records (read from the log when the batch is
 * shorter), so its inserts repeat under the same tokens; whatever follows is one more write.
 */
export async function planWrites(batch: LogRecord[], announced: WriteRange | undefined, read: ReadPartition): Promise<LogRecord[][]> {
  if (batch.length === 0) return [];
  if (!announced || announced.fromOffset !== batch[0].offset) return [batch];
  const head = batch.filter((record) => record.offset <= announced.toOffset);
  while (head[head.length - 1].offset < announced.toOffset) {
    const next = head[head.length - 1].offset + 1;
    const more = await read(next, announced.toOffset - next + 1);
    if (more.length === 0) break;
    head.push(...more.filter((record) => record.offset <= announced.toOffset));
  }
  const tail = batch.filter((record) => record.offset > announced.toOffset);
  return tail.length > 0 ? [head, tail] : [head];
}

/**
 * Splits off the records a crashed life already wrote. Writes of one partition run in offset order and
 * each is announced only after the one before it finished, so everything before the last announced
 * write was written (and is in the ledger): writing it again under a new token would double the
 * additive aggregates. Those records are only checked for dead letters. This holds as well for a
 * batch that ends before that write starts: written as a new write, it would be announced in its
 * place, and the interrupted write would then be finished under other tokens and boundaries.
 */
export function splitCompleted(batch: LogRecord[], announced: WriteRange | undefined): { completed: LogRecord[]; pending: LogRecord[] } {
  if (!announced || batch.length === 0 || batch[0].offset >= announced.fromOffset) {
    return { completed: [], pending: batch };
  }
  return { completed: batch.filter((r) => r.offset < announced.fromOffset), pending: batch.filter((r) => r.offset >= announced.fromOffset) };
}

export function rangeOf(records: LogRecord[]): WriteRange {
  return { partition: records[0].partition, fromOffset: records[0].offset, toOffset: records[records.length - 1].offset };
}
