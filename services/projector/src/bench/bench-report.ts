/** Prints rows of (measure, value) as an aligned two-column table. */
export function printTable(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([measure]) => measure.length), 'measure'.length);
  const valueWidth = Math.max(...rows.map(([, value]) => value.length), 'value'.length);
  const line = (a: string, b: string) => `| ${a.padEnd(width)} | ${b.padStart(valueWidth)} |`;
  console.log(`\n${title}\n`);
  console.log(line('measure', 'value'));
  console.log(`|${'-'.repeat(width + 2)}|${'-'.repeat(valueWidth + 1)}:|`);
  for (const [measure, value] of rows) console.log(line(measure, value));
}

export function perSecond(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
