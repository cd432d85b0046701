import type { Command } from 'commander';
import { ConflictError } from '@xp/events';
import { CURRICULUM_STRATEGIES, forkExternalRun, isExternalRun, REPLAY_STRATEGIES, verifyReplay, type CurriculumStrategy } from '@xp/loop';
import { nonNegativeInt, type BusFlags } from '../config';
import { withBusOptions } from '../bus-options';
import { formatSummary, newRunId, runDemo, runFork, summarize } from '../loop-runner';
import { openAnalyticsStack, openLogStack } from '../stack';
import { caughtUp, PROJECTOR_GROUP, startProjector } from '@xp/projector';
import { EXIT_REJECTED } from './ingest';

export const DEFAULT_DEMO_ITERATIONS = 6;
export const DEFAULT_DEMO_SEED = 7;

export function registerLoopCommands(program: Command): void {
  withBusOptions(
    program
      .command('demo')
      .description('run the built-in expert-iteration loop (arithmetic and maze suites) and print its learning curve')
      .option('--iterations <n>', 'iterations to run', String(DEFAULT_DEMO_ITERATIONS))
      .option('--seed <s>', 'run seed (32-bit); the same seed gives the same decisions and checkpoints', String(DEFAULT_DEMO_SEED))
      .option('--curriculum <strategy>', `curriculum: ${CURRICULUM_STRATEGIES.join(', ')}`)
      .option('--replay <strategy>', `replay: ${REPLAY_STRATEGIES.join(', ')}`)
      .option('--run-id <id>', 'run id (default: a new run-... id)')
      .option('--team <team>', 'team the run belongs to (default: default)')
      .option('--experiment <id>', 'experiment the run belongs to')
      .option('--no-project', 'leave the projection to a running projector (xp up runs its demo and API-started runs this way)')
      .option('--json', 'print the result as one JSON object on the last line'),
  ).action(async (flags: BusFlags & {
    iterations: string; seed: string; curriculum?: string; replay?: string; runId?: string; team?: string; experiment?: string; project: boolean; json?: boolean;
  }) => {
    const stack = await openLogStack(flags);
    try {
      const result = await runDemo({
        log: stack.log,
        dataDir: stack.dataDir,
        iterations: nonNegativeInt('--iterations', flags.iterations, DEFAULT_DEMO_ITERATIONS),
        seed: nonNegativeInt('--seed', flags.seed, DEFAULT_DEMO_SEED),
        curriculum: flags.curriculum,
        replay: flags.replay,
        runId: flags.runId,
        team: flags.team,
        experimentId: flags.experiment,
      });
      const summary = summarize(result);
      process.stdout.write(`${flags.json ? JSON.stringify(summary) : formatSummary(summary)}\n`);
    } finally {
      await stack.close();
    }
    if (flags.project) await projectIfFree(flags);
  });

  withBusOptions(
    program
      .command('replay')
      .argument('<runId>', 'the run to replay')
      .description("recompute a run's curriculum, sampling and replay decisions from the log and compare their hashes")
      .option('--verify', 'compare every recomputed decision with the recorded one (the default and only mode)')
      .option('--json', 'print the report as JSON'),
  ).action(async (runId: string, flags: BusFlags & { json?: boolean }) => {
    const stack = await openLogStack(flags);
    try {
      const report = await verifyReplay(stack.log, runId);
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else if (report.status === 'identical') process.stdout.write(`identical (${report.decisionsChecked} decisions)\n`);
      else {
        const m = report.mismatch;
        process.stdout.write(
          `mismatch at ${m.kind} decision ${m.decisionId} (iteration ${m.iteration}, offset ${m.offset}): ` +
            `recorded ${m.recordedHash}, recomputed ${m.recomputedHash}\n${m.message}\n`,
        );
      }
      if (report.status !== 'identical') process.exitCode = EXIT_REJECTED;
    } finally {
      await stack.close();
    }
  });

  withBusOptions(
    program
      .command('fork')
      .argument('<runId>', 'the parent run')
      .description("start a child run sharing the parent's history up to an offset, then following another curriculum")
      .requiredOption('--at <offset>', "offset in the parent's partition (see xp events --run)")
      .requiredOption('--curriculum <strategy>', `curriculum of the child: ${CURRICULUM_STRATEGIES.join(', ')}`)
      .option('--iterations <n>', 'iterations the child runs', '3')
      .option('--run-id <id>', 'run id of the child (default: a new fork-... id)')
      .option('--no-project', 'leave the projection to a running projector (xp up runs forks this way)')
      .option('--json', 'print the result as one JSON object on the last line'),
  ).action(async (runId: string, flags: BusFlags & { at: string; curriculum: string; iterations: string; runId?: string; project: boolean; json?: boolean }) => {
    const stack = await openLogStack(flags);
    try {
      if (await isExternalRun(stack.log, runId)) {
        // The child's sampler and trainer are the parent's external loop: xp decides, the trainer attaches.
        const child = await forkExternalRun({
          log: stack.log, parentRunId: runId, atOffset: nonNegativeInt('--at', flags.at, 0), runId: flags.runId ?? newRunId('fork'),
          curriculum: flags.curriculum as CurriculumStrategy, iterations: nonNegativeInt('--iterations', flags.iterations, 3),
        });
        const summary = { ...child, parentRunId: runId, curriculum: flags.curriculum };
        process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n`
          : `forked ${child.runId} from ${runId}: xp decides its iteration ${child.firstIteration} with ${flags.curriculum}; attach the trainer to ${child.runId}\n`);
        return;
      }
      const result = await runFork({
        log: stack.log,
        dataDir: stack.dataDir,
        parentRunId: runId,
        atOffset: nonNegativeInt('--at', flags.at, 0),
        curriculum: flags.curriculum,
        iterations: nonNegativeInt('--iterations', flags.iterations, 3),
        runId: flags.runId,
      });
      const summary = summarize(result);
      process.stdout.write(`${flags.json ? JSON.stringify(summary) : formatSummary(summary)}\n`);
    } finally {
      await stack.close();
    }
    if (flags.project) await projectIfFree(flags);
  });
}

/**
 * Brings the projections up to date after a loop command, so `xp sql` shows the run at once. When
 * `xp up` owns the analytics store, its projector does this already.
 */
async function projectIfFree(flags: BusFlags): Promise<void> {
  let stack;
  try {
    stack = await openAnalyticsStack(flags);
  } catch (error) {
    if (error instanceof ConflictError) {
      process.stderr.write('the analytics store is in use by a running xp up; its projector picks the run up\n');
      return;
    }
    throw error;
  }
  try {
    const projector = await startProjector({ log: stack.log, store: stack.store });
    await caughtUp(stack.log, PROJECTOR_GROUP);
    await projector.stop();
  } finally {
    await stack.close();
  }
}
