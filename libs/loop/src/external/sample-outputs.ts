import { NotFoundError, type XpEvent } from '@xp/events';
import { decodeEvent, TOPICS, type EventLog } from '@xp/event-log';
import type { SampleLocation } from './feed-run';

/** Records between two wanted offsets read through rather than fetched apart: one read beats many on Kafka. */
const MAX_GAP = 64;

/**
 * The outputs of samples at known log positions, read back for a replay batch's delivery. Offsets
 * of one partition are read in runs of nearby records, so a batch drawn from one iteration (whose
 * reports lie together) costs a few reads.
 */
export async function readSampleOutputs(
  log: EventLog, wanted: Array<SampleLocation & { sampleId: string }>,
): Promise<Map<string, { problemId: string; output: string }>> {
  const byPartition = new Map<number, Map<number, string>>();
  for (const { sampleId, runId, offset } of wanted) {
    const partition = await log.partitionFor(TOPICS.events, runId);
    let offsets = byPartition.get(partition);
    if (!offsets) byPartition.set(partition, (offsets = new Map()));
    offsets.set(offset, sampleId);
  }
  const found = new Map<string, { problemId: string; output: string }>();
  for (const [partition, offsets] of byPartition) {
    for (const [first, last] of spans([...offsets.keys()].sort((a, b) => a - b))) {
      for (let next = first; next <= last; ) {
        const records = await log.read(TOPICS.events, partition, next, last - next + 1);
        if (records.length === 0) break;
        for (const record of records) {
          const sampleId = offsets.get(record.offset);
          if (sampleId === undefined) continue;
          const event = decodeEvent(record) as XpEvent;
          if (event.type === 'sample.generated' && event.payload.sampleId === sampleId) found.set(sampleId, { problemId: event.payload.problemId, output: event.payload.output });
        }
        next = records[records.length - 1].offset + 1;
      }
    }
  }
  const missing = wanted.find((w) => !found.has(w.sampleId));
  if (missing) throw new NotFoundError(`sample ${missing.sampleId} is not at offset ${missing.offset} of run ${missing.runId}'s partition, where it was reported`);
  return found;
}

/** Sorted offsets grouped into [first, last] spans whose gaps are at most MAX_GAP records. */
function spans(offsets: number[]): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  for (const offset of offsets) {
    const current = result.at(-1);
    if (current && offset - current[1] <= MAX_GAP) current[1] = offset;
    else result.push([offset, offset]);
  }
  return result;
}
