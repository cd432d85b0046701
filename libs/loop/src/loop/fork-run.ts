import { ConflictError, NotFoundError, UsageError, type EventOf, type XpEvent } from '@xp/events';
import type { EventLog } from '@xp/event-log';
import { resolveLoopConfig } from './config';
import { checkIterations, CODE_VERSION, driveIterations, ensureEventTopic, strategyOverrides, type LoopOptionsBase, type RunResult } from './drive';
import { requireConfig } from './require-config';
import { project } from './projection';
import { inheritedEntries, recordRunStart, RunHistory, runHasEvents, type HistoryEntry } from './run-history';
import { PRODUCERS, RunWriter } from './run-writer';

export interface ForkRunOptions extends LoopOptionsBase {
  parentRunId: string;
  /** The child inherits the parent's events below this offset of the parent's partition. */
  atOffset: number;
  /** The child's run id. */
  runId: string;
  /** Defaults to the parent's seed, so the child draws the randomness the parent would have drawn. */
  seed?: number;
}

/**
 * What every fork checks and reads first: sound arguments, a child id without events, the parent's
 * history below the fork offset and its run.started (undefined when the offset is below it).
 */
export async function forkPrerequisites(
  options: { log: EventLog; parentRunId: string; atOffset: number; runId: string; iterations: number },
): Promise<{ inherited: HistoryEntry[]; parentStart?: EventOf<'run.started'> }> {
  checkIterations(options.iterations);
  if (!Number.isInteger(options.atOffset) || options.atOffset < 0) throw new UsageError(`the fork offset must be a non-negative integer (got ${options.atOffset})`);
  await ensureEventTopic(options.log);
  if (await runHasEvents(options.log, options.runId)) {
    throw new ConflictError(`run '${options.runId}' already has events in the log; give the fork a new run id`);
  }
  const inherited = await inheritedEntries(options.log, options.parentRunId, options.atOffset);
  const parentStart = inherited.find((e) => e.event.type === 'run.started' && e.event.runId === options.parentRunId)?.event as EventOf<'run.started'> | undefined;
  return { inherited, parentStart };
}

/**
 * Starts a "what if" child run: it shares the parent's history below `atOffset` (problems, samples,
 * replay buffer, latest checkpoint), records parentRunId + forkedAtOffset in run.started, and
 * continues from the next iteration with its own strategies.
 */
export async function forkRun(options: ForkRunOptions): Promise<RunResult> {
  const { inherited, parentStart } = await forkPrerequisites(options);
  const state = project(inherited);
  if (!parentStart || !state.checkpoint) {
    throw new NotFoundError(`run '${options.parentRunId}' has no run.started and first checkpoint below offset ${options.atOffset}; fork at a later offset`);
  }
  const config = resolveLoopConfig(strategyOverrides(options), requireConfig(state));
  const seed = options.seed ?? state.runSeed;
  const context = { team: parentStart.team, experimentId: parentStart.experimentId, runId: options.runId };
  const writer = new RunWriter(options.log, context, new RunHistory(options.runId, inherited), state, options.clock);
  const [started] = await writer.write([{
    type: 'run.started',
    producer: PRODUCERS.runner,
    payload: {
      config: config as unknown as Record<string, unknown>,
      seed,
      codeVersion: CODE_VERSION,
      parentRunId: options.parentRunId,
      forkedAtOffset: options.atOffset,
    },
  }, ...inheritedProblems(inherited)]);
  await recordRunStart(options.log, options.runId, started.offset);
  const outcome = await driveIterations(writer, state.lastIteration + 1, options);
  return { runId: options.runId, seed, config, parentRunId: options.parentRunId, forkedAtOffset: options.atOffset, ...outcome };
}

/**
 * The inherited problems, registered again under the child run: every run's partition then holds the
 * facts its own events refer to (a sample's benchmark), whichever partition the parent lives in.
 */
function inheritedProblems(inherited: Array<{ event: XpEvent }>) {
  return inherited
    .filter((e) => e.event.type === 'problem.registered')
    .map((e) => ({ type: 'problem.registered' as const, producer: PRODUCERS.runner, payload: (e.event as EventOf<'problem.registered'>).payload }));
}
