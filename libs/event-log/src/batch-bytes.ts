/**
 * Where a batch that starts at `start` ends (exclusive): after `maxCount` records or once the values
 * reach `maxBytes`, whichever comes first, and never before taking one record.
 */
export function batchEnd(records: ReadonlyArray<{ value: Buffer | null }>, start: number, maxCount: number, maxBytes: number): number {
  const last = Math.min(records.length, start + maxCount);
  let bytes = records[start]?.value?.length ?? 0;
  let end = start + 1;
  while (end < last) {
    bytes += records[end].value?.length ?? 0;
    if (bytes > maxBytes) break;
    end++;
  }
  return Math.min(end, records.length);
}
