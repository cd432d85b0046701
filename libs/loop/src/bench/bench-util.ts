import { performance } from 'node:perf_hooks';

/**
 * Median wall times of several workloads, measured in alternation (A, B, A, B, ...) so that load
 * from other processes on a shared machine hits them alike; milliseconds, after `warmup` rounds.
 */
export async function interleavedMedianMs(workloads: Array<() => Promise<unknown>>, runs = 9, warmup = 2): Promise<number[]> {
  const times: number[][] = workloads.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    for (let w = 0; w < workloads.length; w++) {
      const started = performance.now();
      await workloads[w]();
      if (round >= warmup) times[w].push(performance.now() - started);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((cell, c) => cell.padStart(widths[c])).join('  ')).join('\n');
}

export const fixed = (value: number, digits = 3) => value.toFixed(digits);
