import { ConflictError, UsageError } from '@xp/events';
import { buildSuite, toProblemRegistered } from '../tasks/suite';
import { resolveLoopConfig } from './config';
import { checkIterations, CODE_VERSION, driveIterations, ensureEventTopic, strategyOverrides, type LoopOptionsBase, type RunResult } from './drive';
import { emptyState } from './projection';
import { recordRunStart, RunHistory, runHasEvents } from './run-history';
import { PRODUCERS, RunWriter } from './run-writer';
import { initialCheckpoint } from './stages/training-stage';

export interface RunLoopOptions extends LoopOptionsBase {
  runId: string;
  /** 32-bit run seed: every decision's randomness derives from it. */
  seed: number;
  team?: string;
  experimentId?: string;
  name?: string;
}

export const DEFAULT_TEAM = 'default';
export const DEFAULT_EXPERIMENT = 'loop-demo';

/**
 * Starts a run and runs it to the end: registers the suite, writes the first checkpoint and
 * evaluates it (iteration 0), then `iterations` rounds of curriculum -> sampling -> replay ->
 * training -> evaluation, every step an event in the log.
 */
export async function runLoop(options: RunLoopOptions): Promise<RunResult> {
  checkIterations(options.iterations);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new UsageError(`seed must be an integer in [0, 4294967295] (got ${options.seed})`);
  }
  const config = resolveLoopConfig(strategyOverrides(options));
  await ensureEventTopic(options.log);
  if (await runHasEvents(options.log, options.runId)) {
    throw new ConflictError(`run '${options.runId}' already has events in the log; choose another run id (or fork it)`);
  }
  const context = { team: options.team ?? DEFAULT_TEAM, experimentId: options.experimentId ?? DEFAULT_EXPERIMENT, runId: options.runId };
  const writer = new RunWriter(options.log, context, new RunHistory(options.runId), emptyState(), options.clock);
  options.onProgress?.({ runId: options.runId, iteration: 0, totalIterations: options.iterations, completedIterations: 0, stage: 'setup' });
  const [started] = await writer.write([
    {
      type: 'run.started',
      producer: PRODUCERS.runner,
      payload: { config: config as unknown as Record<string, unknown>, seed: options.seed, codeVersion: CODE_VERSION, ...(options.name ? { name: options.name } : {}) },
    },
    ...buildSuite(config.suite).map((problem) => ({ type: 'problem.registered' as const, producer: PRODUCERS.runner, payload: toProblemRegistered(problem) })),
  ]);
  await recordRunStart(options.log, options.runId, started.offset);
  const first = initialCheckpoint(options.seed, config, options.dataDir);
  await writer.write([{ type: 'model.updated', producer: PRODUCERS.trainer, payload: first }]);
  const outcome = await driveIterations(writer, 1, options, (engine) => engine.evaluate(0, first));
  return { runId: options.runId, seed: options.seed, config, ...outcome };
}
