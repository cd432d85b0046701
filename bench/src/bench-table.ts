/** Prints benchmark rows as an aligned table: each measurement beside its same-run baseline. */
export interface BenchRow {
  subject: string;
  phase: string;
  eventsPerSecond: number;
  baseline: string;
  baselineEventsPerSecond: number;
  goal?: string;
}

export function printTable(rows: BenchRow[]): void {
  const header = ['subject', 'phase', 'events/s', 'baseline', 'baseline events/s', 'ratio', 'goal'];
  const body = rows.map((r) => [
    r.subject,
    r.phase,
    Math.round(r.eventsPerSecond).toLocaleString('en-US'),
    r.baseline,
    Math.round(r.baselineEventsPerSecond).toLocaleString('en-US'),
    `${(r.eventsPerSecond / r.baselineEventsPerSecond).toFixed(2)}x`,
    r.goal ?? '',
  ]);
  console.log(alignedTable(header, body));
}

/** Columns padded to their widest cell, a rule under the header. */
export function alignedTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export async function timed(work: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
