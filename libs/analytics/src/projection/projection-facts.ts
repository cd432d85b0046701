import type { ClickHouseClient } from '@clickhouse/client';
import { resultRows } from '../result-rows';
import { answerSql } from './answer';
import { factKey, type Projection } from './project-events';
import type { PositionedEvent, ProblemFacts, ProblemSplit, ProjectionContext, SampleFacts } from './projection-rows';

/** Facts kept in memory; a miss costs one lookup per batch, so this only needs to cover recent activity. */
const DEFAULT_CAPACITY = 500_000;

interface FactRefs {
  samples: Set<string>;
  problems: Set<string>;
}

/**
 * Supplies `projectEvents` with facts from earlier batches: samples (for their verdicts and rewards)
 * and problems (benchmark and split). Recent facts are cached; misses are read from ClickHouse, restricted to the
 * same partition below the offset of the batch's first event, so a batch rebuilt after a crash sees exactly the
 * facts it saw the first time (even though part of it may already have been written).
 */
export class ProjectionFacts {
  private readonly samples = new Map<string, SampleFacts>();
  private readonly problems = new Map<string, ProblemFacts>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The context for events of one partition, in log order, none of them before `fromOffset`; facts are read back only from below it. */
  async contextFor(events: PositionedEvent[], partition: number, fromOffset: number): Promise<ProjectionContext> {
    const missing = this.missingRefs(events);
    const found = { samples: new Map<string, SampleFacts>(), problems: new Map<string, ProblemFacts>() };
    if (missing.samples.size > 0) await this.readSamples(missing.samples, partition, fromOffset, found.samples);
    if (missing.problems.size > 0) await this.readProblems(missing.problems, partition, fromOffset, found.problems);
    return {
      sample: (team, runId, sampleId) => {
        const key = factKey(team, runId, sampleId);
        return this.samples.get(key) ?? found.samples.get(key);
      },
      problemOf: (team, runId, problemId) => {
        const key = factKey(team, runId, problemId);
        return this.problems.get(key) ?? found.problems.get(key);
      },
    };
  }

  /** Caches what a batch taught, once its rows were written (never before: a failed write is redone as it was). */
  remember(projection: Pick<Projection, 'samples' | 'problems'>): void {
    remember(this.samples, projection.samples, this.capacity);
    remember(this.problems, projection.problems, this.capacity);
  }

  /** References the batch does not define itself and the cache cannot answer. */
  private missingRefs(events: PositionedEvent[]): FactRefs {
    const defined: FactRefs = { samples: new Set(), problems: new Set() };
    const missing: FactRefs = { samples: new Set(), problems: new Set() };
    const needSample = (key: string) => !this.samples.has(key) && !defined.samples.has(key) && missing.samples.add(key);
    const needProblem = (key: string) => !this.problems.has(key) && !defined.problems.has(key) && missing.problems.add(key);
    for (const { event } of events) {
      const key = (id: string) => factKey(event.team, event.runId, id);
      switch (event.type) {
        case 'problem.registered':
          defined.problems.add(key(event.payload.problemId));
          break;
        case 'sample.generated':
          needProblem(key(event.payload.problemId));
          defined.samples.add(key(event.payload.sampleId));
          break;
        case 'sample.verified':
          needSample(key(event.payload.sampleId));
          needProblem(key(event.payload.problemId));
          break;
        case 'reward.assigned':
          needSample(key(event.payload.sampleId));
          if (event.payload.problemId) needProblem(key(event.payload.problemId));
          break;
      }
    }
    return missing;
  }

  private async readSamples(keys: Set<string>, partition: number, before: number, into: Map<string, SampleFacts>) {
    const rows = await this.lookup<{
      team: string; run_id: string; id: string; problem_id: string; checkpoint_id: string; iteration: number; benchmark: string; split: ProblemSplit; answer: string;
    }>(
      `SELECT team, run_id, sample_id AS id, problem_id, checkpoint_id, iteration, benchmark, split, ${answerSql('output')} AS answer
       FROM samples WHERE log_partition = {partition:UInt32} AND log_offset < {before:UInt64}
         AND team IN {teams:Array(String)} AND run_id IN {runs:Array(String)} AND sample_id IN {ids:Array(String)}
       ORDER BY log_offset DESC LIMIT 1 BY team, run_id, sample_id`,
      keys, partition, before,
    );
    for (const row of rows) {
      const key = factKey(row.team, row.run_id, row.id);
      if (!keys.has(key)) continue;
      into.set(key, {
        problemId: row.problem_id, checkpointId: row.checkpoint_id, iteration: Number(row.iteration), benchmark: row.benchmark, split: row.split, answer: row.answer,
      });
    }
  }

  private async readProblems(keys: Set<string>, partition: number, before: number, into: Map<string, ProblemFacts>) {
    const rows = await this.lookup<{ team: string; run_id: string; id: string; benchmark: string; split: ProblemSplit }>(
      `SELECT team, run_id, problem_id AS id, benchmark, split
       FROM problems WHERE log_partition = {partition:UInt32} AND log_offset < {before:UInt64}
         AND team IN {teams:Array(String)} AND run_id IN {runs:Array(String)} AND problem_id IN {ids:Array(String)}
       ORDER BY log_offset DESC LIMIT 1 BY team, run_id, problem_id`,
      keys, partition, before,
    );
    for (const row of rows) {
      const key = factKey(row.team, row.run_id, row.id);
      if (keys.has(key)) into.set(key, { benchmark: row.benchmark, split: row.split });
    }
  }

  /** Reads rows whose (team, run_id, id) is among `keys`; the caller drops cross-product extras. */
  private async lookup<T>(query: string, keys: Set<string>, partition: number, before: number): Promise<T[]> {
    const parts = [...keys].map((key) => key.split('\u0000'));
    const distinct = (i: number) => [...new Set(parts.map((p) => p[i]))];
    return resultRows<T>(await this.client.query({
      query,
      query_params: { partition, before, teams: distinct(0), runs: distinct(1), ids: distinct(2) },
      format: 'JSONEachRow',
    }));
  }
}

function remember<V>(cache: Map<string, V>, learned: Map<string, V>, capacity: number): void {
  for (const [key, value] of learned) {
    cache.delete(key);
    cache.set(key, value);
  }
  // Maps iterate in insertion order, so the first keys are the least recently learned.
  for (const key of cache.keys()) {
    if (cache.size <= capacity) break;
    cache.delete(key);
  }
}
