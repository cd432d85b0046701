import { NotFoundError, type EventOf, type XpEvent } from '@xp/events';
import { encodeEvent, TOPICS, type EventLog } from '@xp/event-log';
import type { CurriculumStrategy } from '../curriculum/strategies';
import { CODE_VERSION } from '../loop/drive';
import { forkPrerequisites } from '../loop/fork-run';
import { project } from '../loop/projection';
import { readRunEvents, recordRunStart } from '../loop/run-history';
import { PRODUCERS, type EventDraft } from '../loop/run-writer';
import { stampDecision } from '../services/decision-writer';
import { declaresExternalStages, resolveExternalConfig } from './external-config';

export interface ForkExternalRunOptions {
  log: EventLog;
  parentRunId: string;
  atOffset: number;
  runId: string;
  curriculum: CurriculumStrategy;
  /** Iterations the child runs after the ones it inherits. */
  iterations: number;
  clock?: () => Date;
}

/** The first registration of a problem (repeated reports of it count once, as everywhere). */
function registration(inherited: ReadonlyArray<{ event: XpEvent }>, problemId: string) {
  return (inherited.find((e) => e.event.type === 'problem.registered' && e.event.payload.problemId === problemId)!.event as EventOf<'problem.registered'>).payload;
}

/** Whether a run's run.started declares external stages (its fork is then external too). */
export async function isExternalRun(log: EventLog, runId: string): Promise<boolean> {
  const [first] = await readRunEvents(log, runId, Infinity);
  return first?.event.type === 'run.started' && declaresExternalStages(first.event.payload.config);
}

/**
 * Forks an external run: the child's run.started (the parent's config with another curriculum, the
 * parent's seed, parentRunId + forkedAtOffset) and the inherited problems, in one append. Nothing is
 * trained here: xp's curriculum service decides the child's next iteration at once, and the external
 * trainer attaches to the child run and picks it up (`run.iterations()` starts after the inherited ones).
 */
export async function forkExternalRun(options: ForkExternalRunOptions): Promise<{ runId: string; firstIteration: number }> {
  const { inherited, parentStart } = await forkPrerequisites(options);
  if (!parentStart) throw new NotFoundError(`run '${options.parentRunId}' has no run.started below offset ${options.atOffset}; fork at a later offset`);
  const state = project(inherited);
  const parentConfig = resolveExternalConfig(parentStart.payload.config);
  // A strategy switch must not inherit the knobs of the strategy it replaces.
  const config = resolveExternalConfig({
    ...parentConfig,
    iterations: options.iterations,
    curriculum: { strategy: options.curriculum, problemsPerIteration: parentConfig.curriculum.problemsPerIteration },
  });
  const drafts: EventDraft[] = [
    {
      type: 'run.started',
      producer: PRODUCERS.runner,
      payload: {
        config: config as unknown as Record<string, unknown>,
        seed: state.runSeed,
        codeVersion: CODE_VERSION,
        parentRunId: options.parentRunId,
        forkedAtOffset: options.atOffset,
      },
    },
    ...[...state.catalog.keys()].map((problemId) => ({ type: 'problem.registered' as const, producer: PRODUCERS.runner, payload: registration(inherited, problemId) })),
  ];
  const context = { team: parentStart.team, experimentId: parentStart.experimentId, runId: options.runId };
  const [started] = await options.log.append(TOPICS.events, stampDecision(context, [], drafts, options.clock).map((event: XpEvent) => encodeEvent(event)));
  await recordRunStart(options.log, options.runId, started.offset);
  return { runId: options.runId, firstIteration: state.lastIteration + 1 };
}
