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
  const tracker = new ExternalProgressTracker(facts);
  for (const entry of facts.own) tracker.apply(entry);
  return tracker.progress();
}

/**
 * `externalProgress` one event at a time, for a reader that follows a run as it grows (the decision
 * feed): `apply` each own event in log order, then `progress()` is what `externalProgress` over the
 * same events says. `facts.own` is not read; `heldOutBenchmarks` and `replayBatchesAt` are asked
 * when an event needs them, so they must answer for the log up to that event.
 */
export class ExternalProgressTracker {
  private iteration: number;
  private phase: Phase;
  private due: DueDecision | undefined;
  private finished = false;
  private readonly seen = new Set<string>();
  private readonly lastIteration: number;

  constructor(private readonly facts: Omit<ExternalRunFacts, 'own'>) {
    this.lastIteration = facts.inheritedIteration + facts.config.iterations;
    this.iteration = facts.inheritedIteration;
    this.phase = { name: facts.inheritedIteration > 0 ? 'setup' : 'first-checkpoint' };
  }

  apply({ event, offset }: { event: XpEvent; offset: number }): void {
    const { config, runId } = this.facts;
    if (this.seen.has(event.eventId)) return;
    this.seen.add(event.eventId);
    const phase = this.phase;
    switch (event.type) {
      case 'run.started':
      case 'problem.registered':
        // A fork's own history opens with its run.started and the problems it registers again.
        if (phase.name === 'setup') this.due = { kind: 'curriculum', iteration: this.iteration + 1, watermark: offset + 1 };
        break;
      case 'curriculum.decided': {
        const iteration = (this.iteration = event.payload.iteration);
        this.due = undefined;
        const planned = new Set(event.payload.problemIds.flatMap((_, p) =>
          Array.from({ length: config.attemptsPerProblem }, (__, a) => trainingSampleId(runId, iteration, p, a))));
        this.phase = { name: 'sampling', planned, verified: new Set(), rewarded: new Set() };
        break;
      }
      case 'sample.verified':
      case 'reward.assigned': {
        if (phase.name !== 'sampling' || this.due || !phase.planned.has(event.payload.sampleId)) break;
        (event.type === 'sample.verified' ? phase.verified : phase.rewarded).add(event.payload.sampleId);
        if (judged(phase) >= replayThreshold(config, phase.planned.size)) {
          const watermark = offset + 1;
          this.due = { kind: 'replay', iteration: this.iteration, watermark };
          if (this.facts.replayBatchesAt(this.iteration, watermark) === 0) this.iterationDone(watermark);
        }
        break;
      }
      case 'replay.batch':
        this.due = undefined;
        this.phase = { name: 'training', batches: phase.name === 'training' ? phase.batches + 1 : 1 };
        break;
      case 'model.updated':
        if (phase.name === 'first-checkpoint' || phase.name === 'training') this.afterModel(offset + 1);
        break;
      case 'evaluation.completed': {
        if (phase.name !== 'evaluating') break;
        phase.evaluated.add(event.payload.benchmark);
        const heldOut = this.facts.heldOutBenchmarks;
        if (heldOut.size === 0 || [...heldOut].every((b) => phase.evaluated.has(b))) this.iterationDone(offset + 1);
        break;
      }
      case 'run.finished':
        this.finished = true;
        this.due = undefined;
        break;
      default:
        break;
    }
  }

  progress(): ExternalProgress {
    const { iteration, due, finished } = this;
    if (finished) return { iteration, finished };
    const evaluations = Math.max(1, this.facts.heldOutBenchmarks.size);
    return { iteration, due, waiting: waitingFor(this.phase, due, this.facts.config, this.facts, evaluations), finished };
  }

  private iterationDone(watermark: number): void {
    const last = this.iteration >= this.lastIteration;
    this.due = { kind: last ? 'finish' : 'curriculum', iteration: last ? this.iteration : this.iteration + 1, watermark };
    this.phase = { name: 'deciding' };
  }

  private afterModel(watermark: number): void {
    if (this.facts.config.triggers.curriculum === 'model.updated') this.iterationDone(watermark);
    else this.phase = { name: 'evaluating', evaluated: new Set() };
  }
}

function judged(phase: Extract<Phase, { name: 'sampling' }>): number {
  let count = 0;
  for (const id of phase.verified) if (phase.rewarded.has(id)) count++;
  return count;
}

function replayThreshold(config: ExternalLoopConfig, planned: number): number {
  return Math.min(planned, config.triggers.replayMinAttempts ?? planned);
}

function waitingFor(phase: Phase, due: DueDecision | undefined, config: ExternalLoopConfig, facts: Pick<ExternalRunFacts, 'heldOutBenchmarks'>, evaluations: number): Waiting {
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
