import { performance } from 'node:perf_hooks';
import { UsageError, XpError } from '@xp/events';
import { encodeEvent, TOPICS, type EventLog, type Subscription } from '@xp/event-log';
import { ensureEventTopic } from '../loop/drive';
import { PRODUCERS, type EventDraft } from '../loop/run-writer';
import { SamplerCache } from '../loop/sampler-cache';
import { findExternalCurriculumTurn, findExternalReplayTurn } from '../external/external-turns';
import { inheritedEntries, type HistoryEntry } from '../loop/run-history';
import { findCurriculumTurn } from './curriculum-turn';
import { stampDecision } from './decision-writer';
import { findEvaluatorTurn } from './evaluator-turn';
import { findReplayTurn } from './replay-turn';
import { RunCache, type CachedRun } from './run-cache';
import { RunView } from './run-view';
import { findSamplerTurn } from './sampler-turn';
import { findTrainerTurn } from './trainer-turn';
import { LOOP_SERVICES, type FindTurn, type LoopServiceName, type TurnEnvironment, type TurnKind } from './turn';

/** A decision a service appended. */
export interface LoopDecision {
  service: LoopServiceName;
  runId: string;
  kind: TurnKind;
  iteration: number;
  events: number;
  /** Offset of the decision's first event in the run's partition. */
  offset: number;
  /** Milliseconds from reading the run to the decision's append being acknowledged: the service's own time to decide. */
  ms: number;
}

export interface LoopServiceErrorContext {
  service: LoopServiceName;
  /** Set when the error failed a run (recorded as run.finished with status failed). */
  runId?: string;
  partition?: number;
}

export interface LoopServiceOptions {
  log: EventLog;
  /** Where checkpoints are read and (by the trainer) written: `<dataDir>/checkpoints/<sha256>.onnx`. */
  dataDir: string;
  onError?: (error: unknown, context: LoopServiceErrorContext) => void;
  onDecision?: (decision: LoopDecision) => void;
  /** Clock for envelope timestamps only; decisions never read it. */
  clock?: () => Date;
}

const FIND_TURN: Record<LoopServiceName, FindTurn> = {
  curriculum: findCurriculumTurn,
  sampler: findSamplerTurn,
  replay: findReplayTurn,
  trainer: findTrainerTurn,
  evaluator: findEvaluatorTurn,
};

/** External runs: only the curriculum and replay services decide; the external loop does the rest. */
const FIND_EXTERNAL_TURN: Record<LoopServiceName, FindTurn> = {
  curriculum: findExternalCurriculumTurn,
  sampler: () => undefined,
  replay: findExternalReplayTurn,
  trainer: () => undefined,
  evaluator: () => undefined,
};

/**
 * How long the curriculum and replay services wait on an idle log before looking again: an external
 * trainer blocks on their decisions, so they look often (the log adapters' default is 50 ms).
 */
const DECIDING_SERVICE_WAIT_MS = 10;

export function loopServiceGroup(name: LoopServiceName): string {
  return `xp-loop-${name}`;
}

/**
 * Runs one stage of the loop as a consumer of the event topic (group `xp-loop-<name>`). For each run
 * in a batch it rebuilds the run from the log, asks whether the stage owes it a decision now, and if
 * so makes it from the log up to the decision's watermark and appends it. Replicas of a service share
 * the group, and a run's events share a partition, so one replica at a time owns a run.
 */
export async function startLoopService(name: LoopServiceName, options: LoopServiceOptions): Promise<Subscription> {
  const findTurn = FIND_TURN[name];
  if (!findTurn) throw new UsageError(`unknown loop service '${name}' (known: ${LOOP_SERVICES.join(', ')})`);
  await ensureEventTopic(options.log);
  const runs = new RunCache(options.log);
  const env: TurnEnvironment = { dataDir: options.dataDir, samplers: new SamplerCache() };
  // A fork's history below its fork offset never changes, so it is read once per run.
  const inherited = new Map<string, Promise<HistoryEntry[]>>();
  const viewOf = async (runId: string, cached: CachedRun | undefined): Promise<RunView | undefined> => {
    if (!Array.isArray(cached)) return undefined;
    const start = cached[0]?.event;
    if (start?.type !== 'run.started' || start.payload.parentRunId === undefined) return new RunView(runId, [...cached]);
    let parent = inherited.get(runId);
    if (!parent) inherited.set(runId, (parent = inheritedEntries(options.log, start.payload.parentRunId, start.payload.forkedAtOffset)));
    return new RunView(runId, [...(await parent), ...cached]);
  };

  const serve = async (partition: number, runId: string) => {
    const started = performance.now();
    const run = await viewOf(runId, (await runs.refresh(partition)).get(runId));
    const turn = run && (await orFailRun(partition, run, async () => (run.isExternal ? FIND_EXTERNAL_TURN[name] : findTurn)(run, env)));
    if (!run || !turn) return;
    const drafts = await orFailRun(partition, run, () => turn.decide());
    if (!drafts || drafts.length === 0) return;
    // Deciding may take a while; check the log again so a redelivered trigger, or a replica that
    // owned the partition during a rebalance, cannot make the decision a second time.
    const fresh = await viewOf(runId, (await runs.refresh(partition)).get(runId));
    if (!fresh || fresh.history.own().some((e) => turn.recorded(e.event))) return;
    const events = await orFailRun(partition, fresh, async () => stampDecision(fresh.context, fresh.history.own(), drafts, options.clock));
    if (!events) return;
    const positions = await options.log.append(TOPICS.events, events.map(encodeEvent));
    options.onDecision?.({ service: name, runId, kind: turn.kind, iteration: turn.iteration, events: positions.length, offset: positions[0].offset, ms: performance.now() - started });
  };

  /**
   * Runs a step of a decision that reads no log. If it fails for good (a bug, an invalid event, a
   * missing checkpoint file) the run ends as the orchestrator ends it, with run.finished failed, and
   * the consumer goes on with other runs; a retriable failure is rethrown, so the batch is retried.
   */
  const orFailRun = async <T>(partition: number, run: RunView, step: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (error) {
      if (error instanceof XpError && error.retriable) throw error;
      options.onError?.(error, { service: name, runId: run.runId, partition });
      const fresh = await viewOf(run.runId, (await runs.refresh(partition)).get(run.runId));
      if (!fresh) return undefined;
      const iterations = fresh.iterations.filter((r) => r.iteration > 0 && fresh.evaluated(r)).length;
      const draft: EventDraft = {
        type: 'run.finished', producer: PRODUCERS.runner, payload: { status: 'failed', iterations, error: String(error).slice(0, 10000) },
      };
      await options.log.append(TOPICS.events, stampDecision(fresh.context, fresh.history.own(), [draft], options.clock).map(encodeEvent));
      return undefined;
    }
  };

  const subscription = await options.log.subscribe({
    topic: TOPICS.events,
    groupId: loopServiceGroup(name),
    fromBeginning: true,
    ...(name === 'curriculum' || name === 'replay' ? { maxWaitMs: DECIDING_SERVICE_WAIT_MS } : {}),
    handler: async (batch, context) => {
      for (const runId of new Set(batch.map((r) => r.key))) await serve(context.partition, runId);
    },
    onError: (error, context) => options.onError?.(error, { service: name, partition: context.partition }),
  });
  return {
    failure: () => subscription.failure?.(),
    async stop() {
      await subscription.stop();
      await env.samplers.close();
    },
  };
}
