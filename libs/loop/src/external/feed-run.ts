import type { EventOf, XpEvent } from '@xp/events';
import { applyEvent, emptyState, type LoopState } from '../loop/projection';
import type { HistoryEntry } from '../loop/run-history';
import { decideReplayStage } from '../loop/stages/replay-stage';
import type { ExternalLoopConfig } from './external-config';
import { ExternalProgressTracker, type ExternalProgress } from './external-progress';
import type { OutputCache } from './output-cache';

/** Where a sample's first report lies in the log: its output is read back from there when a batch is delivered. */
export interface SampleLocation {
  /** The run whose partition holds the record (a fork's inherited samples lie in its parent's). */
  runId: string;
  offset: number;
}

const DECISION_TYPES = new Set(['curriculum.decided', 'replay.batch', 'run.finished']);

/**
 * What the decision feed keeps of one running external run, updated one event at a time: the loop
 * state its triggers read (without sample outputs), where each sample's output lies in the log, the
 * rewards and verdicts deliveries report, the decisions, and the run's progress. Nothing is rebuilt
 * per poll, and output text is left to the feed's bounded cache: a run's memory grows with its
 * sample count, not with the size of its outputs.
 */
export class FeedRun {
  readonly state: LoopState = emptyState();
  readonly samples = new Map<string, SampleLocation>();
  readonly rewards = new Map<string, number>();
  readonly verified = new Set<string>();
  readonly decisions: Array<{ offset: number; event: XpEvent }> = [];
  /** `<iteration> <shard>/<of>` -> worker that took it. */
  readonly claims = new Map<string, string>();
  readonly start: EventOf<'run.started'>;
  readonly inheritedIteration: number;
  private readonly heldOutBenchmarks = new Set<string>();
  private readonly tracker: ExternalProgressTracker;

  constructor(
    readonly runId: string, start: EventOf<'run.started'>, readonly config: ExternalLoopConfig, inherited: readonly HistoryEntry[],
    private readonly outputs: OutputCache,
  ) {
    this.start = start;
    for (const entry of inherited) this.fold(entry);
    this.inheritedIteration = inherited.length > 0 ? this.state.lastIteration : 0;
    this.tracker = new ExternalProgressTracker({
      runId,
      config,
      heldOutBenchmarks: this.heldOutBenchmarks,
      inheritedIteration: this.inheritedIteration,
      // The state holds exactly the log up to the event being applied, which is this watermark.
      replayBatchesAt: (iteration, watermark) => decideReplayStage(this.state, runId, iteration, watermark).length,
    });
  }

  get team(): string {
    return this.start.team;
  }

  /** Applies one of the run's own events, in log order. */
  add(event: XpEvent, offset: number): void {
    const entry = { event, offset, own: true };
    this.fold(entry);
    this.tracker.apply(entry);
    if (DECISION_TYPES.has(event.type)) this.decisions.push({ offset, event });
  }

  progress(): ExternalProgress {
    return this.tracker.progress();
  }

  /** Whether every report of the sample (output, verdict, reward) is in: a restarted sampler skips it. */
  reported(sampleId: string): boolean {
    return this.samples.has(sampleId) && this.verified.has(sampleId) && this.rewards.has(sampleId);
  }

  private fold(entry: HistoryEntry): void {
    const { event, offset } = entry;
    switch (event.type) {
      case 'problem.registered': {
        applyEvent(this.state, entry);
        // The first registration of a problem is the one that counts, as in the state's catalog.
        const problem = this.state.catalog.get(event.payload.problemId);
        if (problem?.split === 'heldout') this.heldOutBenchmarks.add(problem.benchmark);
        return;
      }
      case 'sample.generated':
        // First report wins, as in the state's own fold (a re-report carries the same fact).
        if (!this.samples.has(event.payload.sampleId)) {
          this.samples.set(event.payload.sampleId, { runId: event.runId, offset });
          this.outputs.put(event.runId, event.payload.sampleId, event.payload.problemId, event.payload.output);
        }
        // The state never reads output text; only the feed's bounded cache keeps recent outputs.
        applyEvent(this.state, { ...entry, event: { ...event, payload: { ...event.payload, output: '' } } });
        return;
      case 'sample.verified':
        this.verified.add(event.payload.sampleId);
        break;
      case 'reward.assigned':
        if (!this.rewards.has(event.payload.sampleId)) this.rewards.set(event.payload.sampleId, event.payload.value);
        break;
      default:
        break;
    }
    applyEvent(this.state, entry);
  }
}

/** What the feed keeps of a finished external run: enough to answer `latest`, and to know a read needs the run rebuilt. */
export interface FinishedRun {
  team: string;
  start: EventOf<'run.started'>;
  inheritedIteration: number;
  lastCurriculum?: { offset: number; iteration: number };
  /** The run.finished decision, and the offset of the decision before it (-1: none): a read from at or before it rebuilds the run. */
  finish: { offset: number; event: XpEvent };
  previousDecisionOffset: number;
  iteration: number;
}

export function finishedSummary(run: FeedRun): FinishedRun {
  const curricula = run.decisions.filter((d) => d.event.type === 'curriculum.decided');
  const last = curricula.at(-1);
  return {
    team: run.team,
    start: run.start,
    inheritedIteration: run.inheritedIteration,
    ...(last ? { lastCurriculum: { offset: last.offset, iteration: (last.event.payload as { iteration: number }).iteration } } : {}),
    finish: run.decisions.at(-1)!,
    previousDecisionOffset: run.decisions.at(-2)?.offset ?? -1,
    iteration: run.progress().iteration,
  };
}
