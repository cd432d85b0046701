import { ConflictError, NotFoundError, UsageError, type EventOf, type XpEvent } from '@xp/events';
import { TOPICS, type EventLog } from '@xp/event-log';
import { project } from '../loop/projection';
import { inheritedEntries, type HistoryEntry } from '../loop/run-history';
import { attemptSeed, trainingSampleId } from '../loop/stages/sampling-stage';
import { scanPartition } from '../services/partition-scan';
import { RunView } from '../services/run-view';
import { declaresExternalStages, resolveExternalConfig, type ExternalLoopConfig } from './external-config';
import type { Waiting } from './external-progress';

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

/** What the feed remembers of one external run, built incrementally from its partition. */
interface RunIndex {
  team: string;
  runSeed: number;
  config: ExternalLoopConfig;
  own: HistoryEntry[];
  inherited: HistoryEntry[];
  problems: Map<string, { benchmark: string; difficulty: number; statement: string }>;
  outputs: Map<string, { problemId: string; output: string }>;
  rewards: Map<string, number>;
  verified: Set<string>;
  decisions: Array<{ offset: number; event: XpEvent }>;
  /** `<iteration> <shard>/<of>` -> worker that took it. */
  claims: Map<string, string>;
}

/** An external run, or why the feed does not index a run (a built-in run, an invalid config), with its team. */
type Indexed = RunIndex | { team: string; refused: string };

const DECISION_TYPES = new Set(['curriculum.decided', 'replay.batch', 'run.finished']);

/**
 * Delivery of external runs' decisions. It only reads the log: each partition is scanned once,
 * incrementally, and every run that declares external stages is indexed (its decisions, problem
 * statements, sample outputs and rewards), so a poll costs the records appended since the last one
 * plus the decisions it returns.
 */
export class DecisionFeed {
  private readonly partitions = new Map<number, { next: number; runs: Map<string, Indexed> }>();

  constructor(private readonly log: EventLog) {}

  /** The run's decisions at offsets >= after, with what they refer to; NotFoundError for other teams' runs. */
  async read(team: string, runId: string, after: number, shard?: ShardRequest): Promise<{ decisions: DeliveredDecision[]; end: number }> {
    const { run, end } = await this.run(team, runId);
    const decisions = run.decisions.filter((d) => d.offset >= after).map((d) => this.deliver(runId, run, d, shard));
    return { decisions, end };
  }

  /** The offset of the run's latest curriculum decision (where a trainer without a cursor resumes) and what the run waits for. */
  async latest(team: string, runId: string): Promise<LatestDecision> {
    const { run, end } = await this.run(team, runId);
    const last = run.decisions.filter((d) => d.event.type === 'curriculum.decided').at(-1);
    const view = new RunView(runId, [...run.inherited, ...run.own]);
    const progress = view.externalProgress();
    const start = run.own[0].event as EventOf<'run.started'>;
    return {
      startedAt: start.occurredAt,
      ...(start.payload.parentRunId ? { parentRunId: start.payload.parentRunId, inheritedIteration: project(run.inherited).lastIteration } : {}),
      ...(last ? { offset: last.offset, iteration: (last.event.payload as { iteration: number }).iteration } : {}),
      finished: progress.finished,
      ...(progress.waiting ? { waiting: progress.waiting } : {}),
      end,
    };
  }

  /** The next offset of the run's partition: a long poll waits for it to move. */
  async endOf(runId: string): Promise<number> {
    const partition = await this.log.partitionFor(TOPICS.events, runId);
    return (await this.log.endOffsets(TOPICS.events))[partition] ?? 0;
  }

  private async run(team: string, runId: string): Promise<{ run: RunIndex; end: number }> {
    const partition = await this.log.partitionFor(TOPICS.events, runId);
    const end = await this.refresh(partition);
    const run = this.partitions.get(partition)!.runs.get(runId);
    // Another team's run does not exist for the caller.
    if (run === undefined || run.team !== team) throw new NotFoundError(`run '${runId}' not found`);
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
    if (run === undefined) {
      run = await this.start(event);
      runs.set(event.runId, run);
    }
    if ('refused' in run) return;
    const entry = { event, offset, own: true };
    run.own.push(entry);
    fold(run, entry);
    if (DECISION_TYPES.has(event.type)) run.decisions.push({ offset, event });
  }

  private async start(event: XpEvent): Promise<Indexed> {
    if (event.type !== 'run.started' || !declaresExternalStages(event.payload.config)) {
      return { team: event.team, refused: 'it declares no external stages, so xp\'s own loop runs it and there are no decisions to deliver' };
    }
    let config: ExternalLoopConfig;
    try {
      config = resolveExternalConfig(event.payload.config);
    } catch (error) {
      return { team: event.team, refused: `its external config is not valid: ${(error as Error).message}` };
    }
    const inherited = await inheritedEntries(this.log, event.payload.parentRunId, event.payload.forkedAtOffset);
    const run: RunIndex = {
      team: event.team, runSeed: event.payload.seed, config, own: [], inherited,
      problems: new Map(), outputs: new Map(), rewards: new Map(), verified: new Set(), decisions: [], claims: new Map(),
    };
    for (const entry of inherited) fold(run, entry);
    return run;
  }

  private deliver(runId: string, run: RunIndex, { offset, event }: { offset: number; event: XpEvent }, shard?: ShardRequest): DeliveredDecision {
    if (event.type === 'curriculum.decided') {
      const { iteration, problemIds } = event.payload;
      if (shard) this.claim(run, iteration, shard);
      const problems = problemIds.flatMap((problemId, index): DeliveredProblem[] => {
        if (shard && index % shard.of !== shard.shard) return [];
        const problem = run.problems.get(problemId);
        if (!problem) throw new NotFoundError(`curriculum decision ${event.payload.decisionId} names problem ${problemId}, which the run never registered`);
        const attempts = Array.from({ length: run.config.attemptsPerProblem }, (_, attempt) => {
          const sampleId = trainingSampleId(runId, iteration, index, attempt);
          return { sampleId, attempt, seed: attemptSeed(run.runSeed, 'train', iteration, index, attempt), reported: run.outputs.has(sampleId) && run.verified.has(sampleId) && run.rewards.has(sampleId) };
        });
        return [{ index, problemId, ...problem, attempts }];
      });
      return { offset, type: event.type, event, problems };
    }
    if (event.type === 'replay.batch') {
      const { sampleIds, probabilities } = event.payload;
      const samples = sampleIds.map((sampleId, i): DeliveredSample => {
        const sample = run.outputs.get(sampleId);
        if (!sample) throw new NotFoundError(`replay batch ${event.payload.batchId} names sample ${sampleId}, which the log does not hold`);
        return { sampleId, problemId: sample.problemId, output: sample.output, reward: run.rewards.get(sampleId) ?? 0, ...(probabilities ? { probability: probabilities[i] } : {}) };
      });
      return { offset, type: event.type, event, samples };
    }
    return { offset, type: 'run.finished', event };
  }

  /**
   * Data-parallel samplers split an iteration's problems by index modulo `of`. Two workers asking
   * for the same shard would sample the same attempts twice, so the second is refused; the same
   * worker asking again (a restart) gets its shard back.
   */
  private claim(run: RunIndex, iteration: number, { shard, of, worker }: ShardRequest): void {
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
}

/** What deliveries join from the log: statements, outputs and rewards (first report wins). */
function fold(run: RunIndex, { event }: HistoryEntry): void {
  switch (event.type) {
    case 'problem.registered':
      if (!run.problems.has(event.payload.problemId)) {
        const { benchmark, difficulty, statement } = event.payload;
        run.problems.set(event.payload.problemId, { benchmark, difficulty, statement });
      }
      break;
    case 'sample.generated':
      if (!run.outputs.has(event.payload.sampleId)) run.outputs.set(event.payload.sampleId, { problemId: event.payload.problemId, output: event.payload.output });
      break;
    case 'sample.verified':
      run.verified.add(event.payload.sampleId);
      break;
    case 'reward.assigned':
      if (!run.rewards.has(event.payload.sampleId)) run.rewards.set(event.payload.sampleId, event.payload.value);
      break;
    default:
      break;
  }
}
