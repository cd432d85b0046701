import { NotFoundError, type EventOf } from '@xp/events';
import type { LoopConfig } from '../loop/config';
import { heldOutProblems, project, type LoopState } from '../loop/projection';
import { groupByIteration, type IterationRecords } from '../loop/run-records';
import { RunHistory, type HistoryEntry } from '../loop/run-history';
import type { RunContext } from '../loop/run-writer';
import { decideReplayStage } from '../loop/stages/replay-stage';
import { declaresExternalStages, resolveExternalConfig, type ExternalLoopConfig } from '../external/external-config';
import { externalProgress, type ExternalProgress } from '../external/external-progress';

/**
 * Key of run.started's config under which a run started for the services records how many
 * iterations they drive. Its presence is also what makes the run theirs: a run driven by `runLoop`
 * lacks it, so a service never appends decisions into a run an orchestrator is driving.
 */
export const SCHEDULE_KEY = 'services';

export interface RunSchedule {
  iterations: number;
}

/**
 * A run as a service sees it: its events so far grouped by iteration, plus the questions every
 * service asks to find out whose turn it is. All answers come from the log alone.
 */
export class RunView {
  readonly history: RunHistory;
  readonly start: EventOf<'run.started'>;
  readonly config: LoopConfig;
  readonly schedule: RunSchedule;
  readonly iterations: IterationRecords[];
  private heldOutBenchmarks?: number;
  private externalConfig?: ExternalLoopConfig;

  constructor(readonly runId: string, entries: HistoryEntry[]) {
    const first = entries.find((e) => e.own)?.event;
    if (first?.type !== 'run.started') throw new NotFoundError(`run '${runId}' has no run.started as its first event`);
    this.start = first;
    this.config = first.payload.config as unknown as LoopConfig;
    this.schedule = (first.payload.config as Record<string, unknown>)[SCHEDULE_KEY] as RunSchedule;
    this.history = new RunHistory(runId, entries);
    this.iterations = groupByIteration(runId, entries);
  }

  /** Whether the run declares external stages; such a run is served by the curriculum and replay services only. */
  get isExternal(): boolean {
    return declaresExternalStages(this.start.payload.config);
  }

  /** The external run's config, validated (throws a UsageError naming the field when it is not valid). */
  get external(): ExternalLoopConfig {
    return (this.externalConfig ??= resolveExternalConfig(this.start.payload.config));
  }

  /** Where an external run stands: the decision due, or what it waits for. */
  externalProgress(): ExternalProgress {
    const inherited = this.history.entries.filter((e) => !e.own);
    const catalog = project(this.history.entries).catalog;
    return externalProgress({
      runId: this.runId,
      config: this.external,
      own: this.history.own(),
      heldOutBenchmarks: new Set([...catalog.values()].filter((p) => p.split === 'heldout').map((p) => p.benchmark)),
      inheritedIteration: inherited.length > 0 ? project(inherited).lastIteration : 0,
      replayBatchesAt: (iteration, watermark) => decideReplayStage(this.stateAt(watermark), this.runId, iteration, watermark).length,
    });
  }

  get context(): RunContext {
    return { team: this.start.team, experimentId: this.start.experimentId, runId: this.runId };
  }

  /** The iteration in progress (iteration 0 holds the first checkpoint and its evaluation). */
  get latest(): IterationRecords | undefined {
    return this.iterations.at(-1);
  }

  /** The run's state as a decision with this watermark reads it. */
  stateAt(watermark: number): LoopState {
    return project(this.history.upTo(watermark));
  }

  /** Every planned training attempt of the iteration (possibly none) has its sample, verdict and reward in the log. */
  sampled(records: IterationRecords): boolean {
    if (!records.curriculum) return false;
    const expected = this.trainingAttempts(records);
    const { generated, verdicts, rewards } = records.train;
    return generated.length === expected && verdicts.size === expected && rewards.size === expected;
  }

  trainingAttempts(records: IterationRecords): number {
    return (records.curriculum?.payload.problemIds.length ?? 0) * this.config.attemptsPerProblem;
  }

  /** Offset just past the iteration's samples: the watermark of its replay decision. */
  samplingEnd(records: IterationRecords): number {
    return records.train.generated.length > 0 ? records.train.end : records.curriculum!.offset + 1;
  }

  /**
   * How many replay batches the iteration's replay decision holds. The decision is a pure function
   * of the log up to its watermark, so recomputing it tells the trainer how many to wait for, and the
   * evaluator that there are none (nothing kept yet) and training is skipped.
   */
  replayBatches(records: IterationRecords): number {
    const watermark = this.samplingEnd(records);
    return decideReplayStage(this.stateAt(watermark), this.runId, records.iteration, watermark).length;
  }

  /** The evaluator has recorded evaluation.completed for every held-out benchmark. */
  evaluated(records: IterationRecords): boolean {
    this.heldOutBenchmarks ??= new Set(heldOutProblems(project(this.history.entries)).map((p) => p.benchmark)).size;
    return records.evaluations.length > 0 && records.evaluations.length === this.heldOutBenchmarks;
  }
}
