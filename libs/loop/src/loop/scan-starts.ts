import { TOPICS, type EventLog } from '@xp/event-log';

/**
 * Where reads of the event topic may start instead of offset 0, one compacted record per key, value
 * `{"scanFrom": offset}`:
 * - `xp.events/<partition>`: where the partition's oldest unfinished services run begins (the loop
 *   services publish it as they read; see RunCache);
 * - `xp.events/run/<runId>`: where a run's first event is (written by whoever starts the run).
 * A start only ever moves forward, so the furthest value published for a key is the one that holds.
 */
export const SCAN_FROM_TOPIC = TOPICS.loopScanFrom;

const PAGE = 5000;
const RUN_PREFIX = `${TOPICS.events}/run/`;

export function partitionScanKey(partition: number): string {
  return `${TOPICS.events}/${partition}`;
}

export function runScanKey(runId: string): string {
  return `${RUN_PREFIX}${runId}`;
}

export function isPartitionScanKey(key: string): boolean {
  return !key.startsWith(RUN_PREFIX);
}

/** The furthest published start of every key `wanted` accepts (a late write of an older value does not move it back). */
export async function readScanStarts(log: EventLog, wanted: (key: string) => boolean): Promise<Map<string, number>> {
  const starts = new Map<string, number>();
  // A log no service or run start has written to has no such topic yet: nothing is known, reads start at 0.
  const end = (await log.endOffsets(SCAN_FROM_TOPIC))[0] ?? 0;
  for (let next = 0; next < end;) {
    const records = await log.read(SCAN_FROM_TOPIC, 0, next, Math.min(PAGE, end - next));
    if (records.length === 0) break;
    for (const record of records) {
      if (!wanted(record.key)) continue;
      const scanFrom = parseScanFrom(record.value);
      if (scanFrom !== undefined && scanFrom > (starts.get(record.key) ?? -1)) starts.set(record.key, scanFrom);
    }
    next = records[records.length - 1].offset + 1;
  }
  return starts;
}

export async function publishScanStart(log: EventLog, key: string, scanFrom: number): Promise<void> {
  await log.ensureTopics([{ name: SCAN_FROM_TOPIC, partitions: 1 }]);
  await log.append(SCAN_FROM_TOPIC, [{ key, value: Buffer.from(JSON.stringify({ scanFrom })) }]);
}

/** Where a run's first event is, if its start was recorded. */
export async function recordedRunStart(log: EventLog, runId: string): Promise<number | undefined> {
  const key = runScanKey(runId);
  return (await readScanStarts(log, (k) => k === key)).get(key);
}

function parseScanFrom(value: Buffer): number | undefined {
  try {
    const scanFrom = (JSON.parse(value.toString('utf8')) as { scanFrom?: unknown }).scanFrom;
    return Number.isInteger(scanFrom) && (scanFrom as number) >= 0 ? (scanFrom as number) : undefined;
  } catch {
    return undefined;
  }
}
