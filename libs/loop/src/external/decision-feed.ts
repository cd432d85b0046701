import { ConflictError, NotFoundError, UsageError, type EventOf, type XpEvent } from '@xp/events';
import { TOPICS, type AppendSignal, type EventLog } from '@xp/event-log';
import { inheritedEntries, readRunEvents } from '../loop/run-history';
import { attemptSeed, trainingSampleId } from '../loop/stages/sampling-stage';
import { scanPartition } from '../services/partition-scan';
import { declaresExternalStages, resolveExternalConfig } from './external-config';
import type { Waiting } from './external-progress';
import { FeedRun, finishedSummary, type FinishedRun } from './feed-run';
import { OutputCache } from './output-cache';
import { PartitionWatch } from './partition-watch';
import { readSampleOutputs } from './sample-outputs';

/** A curriculum decision's problem as an external sampler needs it. */
export interface DeliveredProblem {
  /** Position in the decision: sample ids and seeds are numbered by it. */
  index: number;
  problemId: string;
  benchmark: string;
  difficulty: number;
  statement: string;
  /** `reported`: the sample, its verdict and its reward are all in the log (a restarted sampler skips it). */
  attempts: Array<{ sampleId: string; attempt: number; seed: number; reported: boolean }>;
}

/** A replay batch's sample as an external trainer needs it. */
export interface DeliveredSample {
  sampleId: string;
  problemId: string;
  output: string;
  reward: number;
  /** Prioritized replay: the probability one draw picks the sample (an importance weight). */
  probability?: number;
}

/** One decision of an external run, read back from the log with what it refers to. */
export interface DeliveredDecision {
  offset: number;
  type: 'curriculum.decided' | 'replay.batch' | 'run.finished';
  event: XpEvent;
  problems?: DeliveredProblem[];
  samples?: DeliveredSample[];
}

/** Where an external run stands, for a trainer resuming without a cursor and for `waitingFor`. */
export interface LatestDecision {
  startedAt: string;
  /** A fork: its parent, and the last iteration it inherited (its own iterations start after it). */
  parentRunId?: string;
  inheritedIteration?: number;
  /** The latest curriculum decision. */
  offset?: number;
  iteration?: number;
  finished: boolean;
  waiting?: Waiting;
  end: number;
}

export interface ShardRequest {
  shard: number;
  of: number;
  /** Stable per worker (kept in the client's spool), so a restarted worker takes its shard back. */
  worker: string;
}

export interface DecisionFeedOptions {
  /** Characters of recent sample outputs kept for delivery (default about 64 MB). */
  outputCacheChars?: number;
  /** Appends made in this process (`xp up`'s loop services and ingest): long polls wake on them at once. */
  appended?: AppendSignal;
  /** How often long polls look for appends made by other processes (default 5 ms embedded, 20 ms on Kafka: one look serves every poll). */
  pollMs?: number;
}

/** A run the feed indexes: running (its incremental state), finished (a summary), or refused (a built-in run, an invalid config). */
type Indexed = { running: FeedRun } | { finished: FinishedRun } | { team: string; refused: string };

/** Finished runs whose earlier decisions are read again (a trainer re-reading a run) are rebuilt from the log; this many are kept. */
const REBUILT_RUNS = 4;

/**
 * Delivery of external runs' decisions. It only reads the log: each partition is scanned once,
 * incrementally, and each running external run keeps a state updated per event (`FeedRun`), so a poll
 * costs the records appended since the last one plus the decisions it returns. A run that finishes
 * drops to a summary; reading its earlier decisions again rebuilds it from the log. A restarted feed
 * rebuilds the same way, by one scan, holding only the runs still running.
 */
export class DecisionFeed {
  private readonly partitions = new Map<number, { next: number; runs: Map<string, Indexed> }>();
  private readonly rebuilt = new Map<string, Promise<FeedRun>>();
  private readonly outputs: OutputCache;
  private readonly watch: PartitionWatch;

  constructor(private readonly log: EventLog, options: DecisionFeedOptions = {}) {
    this.outputs = new OutputCache(options.outputCacheChars);
    this.watch = new PartitionWatch(log, options.pollMs ?? (log.kind === 'kafka' ? 20 : 5), options.appended);
  }

  /** The run's decisions at offsets >= after, with what they refer to; NotFoundError for other teams' runs. */
  async read(team: string, runId: string, after: number, shard?: ShardRequest): Promise<{ decisions: DeliveredDecision[]; end: number }> {
    const { run, end } = await this.run(team, runId);
    if ('finished' in run) {
      const { finish, previousDecisionOffset } = run.finished;
      // Only the run's end is asked for (a trainer's last poll): no need to rebuild the run.
      if (after > previousDecisionOffset) return { decisions: after <= finish.offset ? [{ offset: finish.offset, type: 'run.finished', event: finish.event }] : [], end };
    }
    const full = 'running' in run ? run.running : await this.rebuild(runId);
    const wanted = full.decisions.filter((d) => d.offset >= after);
    const outputs = await this.outputsOf(full, wanted);
    return { decisions: wanted.map((d) => this.deliver(full, d, outputs, shard)), end };
  }

  /** The offset of the run's latest curriculum decision (where a trainer without a cursor resumes) and what the run waits for. */
  async latest(team: string, runId: string): Promise<LatestDecision> {
    const { run, end } = await this.run(team, runId);
    if ('finished' in run) {
      const { start, inheritedIteration, lastCurriculum } = run.finished;
      return { ...origin(start, inheritedIteration), ...(lastCurriculum ?? {}), finished: true, end };
    }
    const live = run.running;
    const last = live.decisions.filter((d) => d.event.type === 'curriculum.decided').at(-1);
    const progress = live.progress();
    return {
      ...origin(live.start, live.inheritedIteration),
      ...(last ? { offset: last.offset, iteration: (last.event.payload as { iteration: number }).iteration } : {}),
      finished: progress.finished,
      ...(progress.waiting ? { waiting: progress.waiting } : {}),
      end,
    };
  }

  /**
   * Waits until the run's partition grows past `end` (the `end` a read returned): true then, false
   * once `timeoutMs` passed or `abort` fired. A long poll reads again when it is true.
   */
  async waitPast(runId: string, end: number, timeoutMs: number, abort?: AbortSignal): Promise<boolean> {
    return this.watch.past(await this.log.partitionFor(TOPICS.events, runId), end, timeoutMs, abort);
  }

  /** How many runs the feed holds, by kind: running runs carry state, finished ones a summary. */
  held(): { running: number; finished: number; rebuilt: number; outputChars: number } {
    let running = 0;
    let finished = 0;
    for (const { runs } of this.partitions.values()) {
      for (const run of runs.values()) {
        if ('running' in run) running++;
        else if ('finished' in run) finished++;
      }
    }
    return { running, finished, rebuilt: this.rebuilt.size, outputChars: this.outputs.size };
  }

  private async run(team: string, runId: string): Promise<{ run: Exclude<Indexed, { refused: string }>; end: number }> {
    const partition = await this.log.partitionFor(TOPICS.events, runId);
    const end = await this.refresh(partition);
    const run = this.partitions.get(partition)!.runs.get(runId);
    // Another team's run does not exist for the caller.
    if (run === undefined || teamOf(run) !== team) throw new NotFoundError(`run '${runId}' not found`);
    if ('refused' in run) throw new UsageError(`run '${runId}': ${run.refused}`);
    return { run, end };
  }

  private async refresh(partition: number): Promise<number> {
    let cache = this.partitions.get(partition);
    if (!cache) this.partitions.set(partition, (cache = { next: 0, runs: new Map() }));
    const runs = cache.runs;
    const { next, end } = await scanPartition(this.log, partition, cache.next, (event, offset) => this.index(runs, event, offset));
    cache.next = next;
    return end;
  }

  private async index(runs: Map<string, Indexed>, event: XpEvent, offset: number): Promise<void> {
    let run = runs.get(event.runId);
    if (run === undefined) runs.set(event.runId, (run = await this.begin(event)));
    if (!('running' in run)) return;
    run.running.add(event, offset);
    if (event.type === 'run.finished') runs.set(event.runId, { finished: finishedSummary(run.running) });
  }

  private async begin(event: XpEvent): Promise<Indexed> {
    const refused = refusal(event);
    if (refused !== undefined) return { team: event.team, refused };
    const start = event as EventOf<'run.started'>;
    const inherited = await inheritedEntries(this.log, start.payload.parentRunId, start.payload.forkedAtOffset);
    return { running: new FeedRun(start.runId, start, resolveExternalConfig(start.payload.config), inherited, this.outputs) };
  }

  /** A finished run read from before its end: its state again, from the log. */
  private rebuild(runId: string): Promise<FeedRun> {
    let run = this.rebuilt.get(runId);
    if (run) {
      this.rebuilt.delete(runId);
    } else {
      run = (async () => {
        const own = await readRunEvents(this.log, runId);
        const full = own.length > 0 ? await this.begin(own[0].event) : undefined;
        if (!full || !('running' in full)) throw new NotFoundError(`run '${runId}' has no external run.started in the log`);
        for (const { event, offset } of own) full.running.add(event, offset);
        return full.running;
      })();
      run.catch(() => this.rebuilt.delete(runId));
    }
    this.rebuilt.set(runId, run);
    while (this.rebuilt.size > REBUILT_RUNS) this.rebuilt.delete(this.rebuilt.keys().next().value!);
    return run;
  }

  /** The outputs the replay batches among `decisions` deliver: from the cache, the rest read back from the log in one go. */
  private async outputsOf(run: FeedRun, decisions: Array<{ event: XpEvent }>): Promise<Map<string, { problemId: string; output: string }>> {
    const found = new Map<string, { problemId: string; output: string }>();
    const missing: Array<{ sampleId: string; runId: string; offset: number }> = [];
    for (const { event } of decisions) {
      if (event.type !== 'replay.batch') continue;
      for (const sampleId of event.payload.sampleIds) {
        const location = run.samples.get(sampleId);
        if (!location) throw new NotFoundError(`replay batch ${event.payload.batchId} names sample ${sampleId}, which the log does not hold`);
        const cached = this.outputs.get(location.runId, sampleId);
        if (cached) found.set(sampleId, cached);
        else missing.push({ sampleId, ...location });
      }
    }
    for (const [sampleId, sample] of await readSampleOutputs(this.log, missing)) found.set(sampleId, sample);
    return found;
  }

  private deliver(run: FeedRun, { offset, event }: { offset: number; event: XpEvent }, outputs: Map<string, { problemId: string; output: string }>, shard?: ShardRequest): DeliveredDecision {
    if (event.type === 'curriculum.decided') {
      const { iteration, problemIds } = event.payload;
      if (shard) claim(run, iteration, shard);
      const problems = problemIds.flatMap((problemId, index): DeliveredProblem[] => {
        if (shard && index % shard.of !== shard.shard) return [];
        const problem = run.state.catalog.get(problemId);
        if (!problem) throw new NotFoundError(`curriculum decision ${event.payload.decisionId} names problem ${problemId}, which the run never registered`);
        const attempts = Array.from({ length: run.config.attemptsPerProblem }, (_, attempt) => {
          const sampleId = trainingSampleId(run.runId, iteration, index, attempt);
          return { sampleId, attempt, seed: attemptSeed(run.start.payload.seed, 'train', iteration, index, attempt), reported: run.reported(sampleId) };
        });
        const { benchmark, difficulty, statement } = problem;
        return [{ index, problemId, benchmark, difficulty, statement, attempts }];
      });
      return { offset, type: event.type, event, problems };
    }
    if (event.type === 'replay.batch') {
      const { sampleIds, probabilities } = event.payload;
      const samples = sampleIds.map((sampleId, i): DeliveredSample => {
        const { problemId, output } = outputs.get(sampleId)!;
        return { sampleId, problemId, output, reward: run.rewards.get(sampleId) ?? 0, ...(probabilities ? { probability: probabilities[i] } : {}) };
      });
      return { offset, type: event.type, event, samples };
    }
    return { offset, type: 'run.finished', event };
  }
}

function teamOf(run: Indexed): string {
  return 'running' in run ? run.running.team : 'finished' in run ? run.finished.team : run.team;
}

function origin(start: EventOf<'run.started'>, inheritedIteration: number): Pick<LatestDecision, 'startedAt' | 'parentRunId' | 'inheritedIteration'> {
  return { startedAt: start.occurredAt, ...(start.payload.parentRunId ? { parentRunId: start.payload.parentRunId, inheritedIteration } : {}) };
}

/** Why the feed delivers nothing for a run, or undefined for an external run with a valid config. */
function refusal(first: XpEvent): string | undefined {
  if (first.type !== 'run.started' || !declaresExternalStages(first.payload.config)) {
    return 'it declares no external stages, so xp\'s own loop runs it and there are no decisions to deliver';
  }
  try {
    resolveExternalConfig(first.payload.config);
    return undefined;
  } catch (error) {
    return `its external config is not valid: ${(error as Error).message}`;
  }
}

/**
 * Data-parallel samplers split an iteration's problems by index modulo `of`. Two workers asking
 * for the same shard would sample the same attempts twice, so the second is refused; the same
 * worker asking again (a restart) gets its shard back.
 */
function claim(run: FeedRun, iteration: number, { shard, of, worker }: ShardRequest): void {
  if (!Number.isInteger(of) || of < 1 || !Number.isInteger(shard) || shard < 0 || shard >= of) {
    throw new UsageError(`shard must be an integer in [0, of) and of a positive integer (got shard=${shard}, of=${of})`);
  }
  for (const [key, holder] of run.claims) {
    const [claimedIteration, split] = key.split(' ');
    if (Number(claimedIteration) === iteration && !split.endsWith(`/${of}`)) {
      throw new UsageError(`iteration ${iteration} is already split into ${split.split('/')[1]} shards by worker ${holder}; every worker must pass the same of=`);
    }
  }
  const key = `${iteration} ${shard}/${of}`;
  const holder = run.claims.get(key);
  if (holder !== undefined && holder !== worker) {
    throw new ConflictError(
      `shard ${shard} of ${of} of iteration ${iteration} is already taken by worker ${holder}: give each data-parallel worker its own shard ` +
        `(shard=0..${of - 1}); a restarted worker takes its shard back with the same worker id`,
    );
  }
  run.claims.set(key, worker);
}
