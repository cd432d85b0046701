import type { Command } from 'commander';
import { listRuns, type RunListing } from '@xp/loop';
import type { BusFlags } from '../config';
import { withBusOptions } from '../bus-options';
import { openLogStack } from '../stack';

const COLUMNS = ['RUN', 'EXPERIMENT', 'STATUS', 'ITERATION', 'WAITING FOR'] as const;

/** `xp runs`: every run with its status, iteration and, for an external run, what it waits for. Reads the log, so it works while `xp up` runs. */
export function registerRuns(program: Command): void {
  withBusOptions(
    program
      .command('runs')
      .description('list runs: id, experiment, status, iteration, and what an external run waits for')
      .option('--team <team>', 'only this team\'s runs')
      .option('--json', 'one JSON object per run'),
  ).action(async (flags: BusFlags & { team?: string; json?: boolean }) => {
    const stack = await openLogStack(flags);
    try {
      const runs = await listRuns(stack.log, { team: flags.team });
      if (flags.json) for (const run of runs) process.stdout.write(`${JSON.stringify(run)}\n`);
      else if (runs.length === 0) process.stderr.write('no runs in the log\n');
      else process.stdout.write(formatTable(runs));
    } finally {
      await stack.close();
    }
  });
}

function formatTable(runs: RunListing[]): string {
  const rows = runs.map((run) => [run.runId, run.experimentId, run.external ? `${run.status} (external)` : run.status, String(run.iteration), run.waiting?.message ?? '']);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  return [[...COLUMNS], ...rows].map((row) => `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()}\n`).join('');
}
