import type { XpEvent } from '@xp/events';
import { trainingSampleId } from '../loop/stages/sampling-stage';
import type { ExternalLoopConfig } from './external-config';

/** A decision xp owes an external run now, with the watermark it reads the log up to. */
export interface DueDecision {
  kind: 'curriculum' | 'replay' | 'finish';
  iteration: number;
  watermark: number;
}

/** What an external run waits for, as `xp runs`, the API and the dashboard show it. */
export interface Waiting {
  /** Who has to act: an external stage, or xp's own curriculum or replay service. */
  stage: 'sampler' | 'trainer' | 'evaluator' | 'curriculum' | 'replay';
  message: string;
  done?: number;
  expected?: number;
}

export interface ExternalProgress {
  /** The iteration in progress: 0 until the first curriculum decision. */
  iteration: number;
  due?: DueDecision;
  waiting?: Waiting;
  finished: boolean;
}

export interface ExternalRunFacts {
  runId: string;
  config: ExternalLoopConfig;
  /** The run's own events in log order (repeats are ignored by event id). */
  own: ReadonlyArray<{ event: XpEvent; offset: number }>;
  /** Benchmarks with registered held-out problems: the evaluations a trigger on evaluation waits for. */
  heldOutBenchmarks: ReadonlySet<string>;
  /** Last iteration a fork inherited (0 for a run of its own): its first decision is the next one. */
  inheritedIteration: number;
  /** How many batches the replay decision at this watermark draws (none when nothing was kept yet). */
  replayBatchesAt(iteration: number, watermark: number): number;
}

type Phase =
  | { name: 'setup' }
  | { name: 'first-checkpoint' }
  | { name: 'sampling'; planned: Set<string>; verified: Set<string>; rewarded: Set<string> }
  | { name: 'training'; batches: number }
  | { name: 'evaluating'; evaluated: Set<string> }
  | { name: 'deciding' };

/**
 * Where an external run stands, from its log alone. The triggers, per iteration i:
 * - the first curriculum (iteration 1) once the trainer reports its first checkpoint (model.updated),
 *   and, when the curriculum trigger is evaluation.completed, its evaluation; a fork's first curriculum
 *   once its run.started and problem registrations are in;
 * - iteration i's replay batches once `replayMinAttempts` (default: all) of its planned attempts have
 *   both a verdict and a reward;
 * - iteration i+1's curriculum once a model.updated follows iteration i's batches and, with the
 *   evaluation trigger, an evaluation.completed for every benchmark with held-out problems (at least
 *   one when none are registered); straight after replay when replay draws no batch (nothing kept);
 * - run.finished once the configured iterations are done.
 * Each decision's watermark is the offset just past the report that completed its inputs.
 */
export function externalProgress(facts: ExternalRunFacts): ExternalProgress {
  const { config, runId } = facts;
  const lastIteration = facts.inheritedIteration + config.iterations;
  let iteration = facts.inheritedIteration;
  let phase: Phase = { name: facts.inheritedIteration > 0 ? 'setup' : 'first-checkpoint' };
  let due: DueDecision | undefined;
  let finished = false;
  const seen = new Set<string>();

  const iterationDone = (watermark: number) => {
    due = { kind: iteration >= lastIteration ? 'finish' : 'curriculum', iteration: iteration >= lastIteration ? iteration : iteration + 1, watermark };
    phase = { name: 'deciding' };
  };
  const afterModel = (watermark: number) => {
    if (config.triggers.curriculum === 'model.updated') iterationDone(watermark);
    else phase = { name: 'evaluating', evaluated: new Set() };
  };
  const evaluationsNeeded = () => Math.max(1, facts.heldOutBenchmarks.size);

  for (const { event, offset } of facts.own) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    switch (event.type) {
      case 'run.started':
      case 'problem.registered':
        // A fork's own history opens with its run.started and the problems it registers again.
        if (phase.name === 'setup') due = { kind: 'curriculum', iteration: iteration + 1, watermark: offset + 1 };
        break;
      case 'curriculum.decided': {
        iteration = event.payload.iteration;
        due = undefined;
        const planned = new Set(event.payload.problemIds.flatMap((_, p) =>
          Array.from({ length: config.attemptsPerProblem }, (__, a) => trainingSampleId(runId, iteration, p, a))));
        phase = { name: 'sampling', planned, verified: new Set(), rewarded: new Set() };
        break;
      }
      case 'sample.verified':
      case 'reward.assigned': {
        if (phase.name !== 'sampling' || due || !phase.planned.has(event.payload.sampleId)) break;
        (event.type === 'sample.verified' ? phase.verified : phase.rewarded).add(event.payload.sampleId);
        if (judged(phase) >= replayThreshold(config, phase.planned.size)) {
          const watermark = offset + 1;
          due = { kind: 'replay', iteration, watermark };
          if (facts.replayBatchesAt(iteration, watermark) === 0) iterationDone(watermark);
        }
        break;
      }
      case 'replay.batch':
        due = undefined;
        phase = { name: 'training', batches: phase.name === 'training' ? phase.batches + 1 : 1 };
        break;
      case 'model.updated':
        if (phase.name === 'first-checkpoint' || phase.name === 'training') afterModel(offset + 1);
        break;
      case 'evaluation.completed':
        if (phase.name !== 'evaluating') break;
        phase.evaluated.add(event.payload.benchmark);
        if (facts.heldOutBenchmarks.size === 0 || [...facts.heldOutBenchmarks].every((b) => phase.name === 'evaluating' && phase.evaluated.has(b))) {
          iterationDone(offset + 1);
        }
        break;
      case 'run.finished':
        finished = true;
        due = undefined;
        break;
      default:
        break;
    }
  }
  if (finished) return { iteration, finished };
  return { iteration, due, waiting: waitingFor(phase, due, config, facts, evaluationsNeeded()), finished };
}

function judged(phase: Extract<Phase, { name: 'sampling' }>): number {
  let count = 0;
  for (const id of phase.verified) if (phase.rewarded.has(id)) count++;
  return count;
}

function replayThreshold(config: ExternalLoopConfig, planned: number): number {
  return Math.min(planned, config.triggers.replayMinAttempts ?? planned);
}

function waitingFor(phase: Phase, due: DueDecision | undefined, config: ExternalLoopConfig, facts: ExternalRunFacts, evaluations: number): Waiting {
  if (due) {
    const stage = due.kind === 'replay' ? 'replay' : 'curriculum';
    return { stage, message: `waiting for the ${stage} service: ${due.kind === 'finish' ? 'run.finished' : `${due.kind} of iteration ${due.iteration}`} is due` };
  }
  switch (phase.name) {
    case 'setup':
      return { stage: 'curriculum', message: 'waiting for the run\'s problem registrations' };
    case 'first-checkpoint':
      return { stage: 'trainer', message: 'waiting for the trainer: no first checkpoint (model.updated) reported yet' };
    case 'sampling': {
      const done = judged(phase);
      const expected = replayThreshold(config, phase.planned.size);
      return { stage: 'sampler', done, expected, message: `waiting for the sampler: ${done} of ${expected} attempts verified and rewarded` };
    }
    case 'training':
      return { stage: 'trainer', message: `waiting for the trainer: a model.updated after the ${phase.batches} replay batches` };
    case 'evaluating': {
      const missing = [...facts.heldOutBenchmarks].filter((b) => !phase.evaluated.has(b));
      return {
        stage: 'evaluator', done: phase.evaluated.size, expected: evaluations,
        message: `waiting for the evaluator: ${phase.evaluated.size} of ${evaluations} evaluation.completed reported${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`,
      };
    }
    case 'deciding':
      return { stage: 'curriculum', message: 'waiting for the curriculum service' };
  }
}
