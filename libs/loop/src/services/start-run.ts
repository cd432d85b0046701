import { ConflictError, UnavailableError, UsageError, type RunFinishedPayload } from '@xp/events';
import { encodeEvent, TOPICS, type EventLog } from '@xp/event-log';
import { buildSuite, toProblemRegistered } from '../tasks/suite';
import { resolveLoopConfig, type LoopConfig } from '../loop/config';
import { checkIterations, CODE_VERSION, ensureEventTopic, strategyOverrides, type LoopOptionsBase } from '../loop/drive';
import { readRunEventsFrom, recordRunStart, runHasEvents } from '../loop/run-history';
import { recordedRunStart } from '../loop/scan-starts';
import { DEFAULT_EXPERIMENT, DEFAULT_TEAM } from '../loop/run-loop';
import { PRODUCERS, type EventDraft } from '../loop/run-writer';
import { stampDecision } from './decision-writer';
import { SCHEDULE_KEY, type RunSchedule } from './run-view';

export interface StartRunForServicesOptions extends Pick<LoopOptionsBase, 'log' | 'iterations' | 'curriculum' | 'replay' | 'config' | 'clock'> {
  runId: string;
  /** 32-bit run seed: every decision's randomness derives from it. */
  seed: number;
  team?: string;
  experimentId?: string;
  name?: string;
}

export interface ServicesRun {
  runId: string;
  seed: number;
  config: LoopConfig;
  schedule: RunSchedule;
}

/**
 * Starts a run for the loop services: run.started (config with the schedule, seed, code version) and
 * the suite's problem registrations, in one append. Everything after that is the services' own work:
 * the trainer writes the first checkpoint, the evaluator evaluates it, the curriculum takes it from
 * there. Starting a run therefore needs the log only, not the checkpoint storage.
 */
export async function startRunForServices(options: StartRunForServicesOptions): Promise<ServicesRun> {
  checkIterations(options.iterations);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new UsageError(`seed must be an integer in [0, 4294967295] (got ${options.seed})`);
  }
  const config = resolveLoopConfig(strategyOverrides(options));
  const schedule: RunSchedule = { iterations: options.iterations };
  await ensureEventTopic(options.log);
  if (await runHasEvents(options.log, options.runId)) {
    throw new ConflictError(`run '${options.runId}' already has events in the log; choose another run id`);
  }
  const drafts: EventDraft[] = [
    {
      type: 'run.started',
      producer: PRODUCERS.runner,
      payload: {
        config: { ...config, [SCHEDULE_KEY]: schedule } as unknown as Record<string, unknown>,
        seed: options.seed,
        codeVersion: CODE_VERSION,
        ...(options.name ? { name: options.name } : {}),
      },
    },
    ...buildSuite(config.suite).map((problem) => ({ type: 'problem.registered' as const, producer: PRODUCERS.runner, payload: toProblemRegistered(problem) })),
  ];
  const context = { team: options.team ?? DEFAULT_TEAM, experimentId: options.experimentId ?? DEFAULT_EXPERIMENT, runId: options.runId };
  const [started] = await options.log.append(TOPICS.events, stampDecision(context, [], drafts, options.clock).map(encodeEvent));
  await recordRunStart(options.log, options.runId, started.offset);
  return { runId: options.runId, seed: options.seed, config, schedule };
}

/**
 * Waits until the services record run.finished for the run and returns its payload. Polls the
 * run's partition, which is enough for a CLI or a test; services themselves never wait on each other.
 * Each poll reads only what was appended since the last one, from the run's recorded start on.
 */
export async function waitForRunFinished(
  log: EventLog, runId: string, options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<RunFinishedPayload> {
  const timeoutMs = options.timeoutMs ?? 10 * 60 * 1000;
  const deadline = Date.now() + timeoutMs;
  let next = (await recordedRunStart(log, runId)) ?? 0;
  for (;;) {
    const read = await readRunEventsFrom(log, runId, next);
    const finished = read.events.find((e) => e.event.type === 'run.finished')?.event;
    if (finished?.type === 'run.finished') return finished.payload;
    next = read.next;
    if (Date.now() > deadline) throw new UnavailableError(`run '${runId}' did not finish within ${timeoutMs} ms; are all five loop services running?`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
  }
}
