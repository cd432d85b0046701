import type { AnalyticsStore } from '@xp/analytics';
import { queryRows } from '../analytics/query-rows';

export interface SampleRow {
  run_id: string;
  sample_id: string;
  problem_id: string;
  benchmark: string;
  checkpoint_id: string;
  iteration: number;
  attempt: number;
  output: string;
  tokens: number;
  logprob: number;
  occurred_at: string;
}

export interface SampleJudgement {
  sample_id: string;
  verdict: string | null;
  verifier_id: string | null;
  verifier_version: string | null;
  reward: number | null;
}

export interface SampleFilter {
  verdict?: string;
  problemId?: string;
  checkpointId?: string;
  iteration?: number;
}

/** A run's samples in sample-id order (the table's sort key), paged by keyset on that id. */
export class SamplesRepository {
  constructor(private readonly store: AnalyticsStore) {}

  page(team: string, runId: string, filter: SampleFilter, after: string | undefined, limit: number): Promise<SampleRow[]> {
    const where = ['team = {team:String}', 'run_id = {runId:String}'];
    if (after !== undefined) where.push('sample_id > {after:String}');
    if (filter.problemId !== undefined) where.push('problem_id = {problemId:String}');
    if (filter.checkpointId !== undefined) where.push('checkpoint_id = {checkpointId:String}');
    if (filter.iteration !== undefined) where.push('iteration = {iteration:UInt32}');
    if (filter.verdict !== undefined) {
      where.push(`sample_id IN (SELECT sample_id FROM verifications
                   WHERE team = {team:String} AND run_id = {runId:String} AND verdict = {verdict:String})`);
    }
    return queryRows(
      this.store,
      `SELECT run_id, sample_id, problem_id, benchmark, checkpoint_id, iteration, attempt, output, tokens, logprob, occurred_at
       FROM samples WHERE ${where.join(' AND ')}
       ORDER BY sample_id LIMIT 1 BY sample_id LIMIT {limit:UInt32}`,
      { team, runId, after, limit, ...filter },
    );
  }

  /** Latest verdict and reward of each sample, for a whole page in one query. */
  judgements(team: string, sampleIds: readonly string[]): Promise<SampleJudgement[]> {
    return queryRows(
      this.store,
      `SELECT coalesce(v.sample_id, r.sample_id) AS sample_id, v.verdict AS verdict, v.verifier_id AS verifier_id, v.verifier_version AS verifier_version, r.reward AS reward
       FROM (SELECT sample_id, argMax(toString(verdict), occurred_at) AS verdict, argMax(verifier_id, occurred_at) AS verifier_id,
                    argMax(verifier_version, occurred_at) AS verifier_version
             FROM verifications WHERE team = {team:String} AND sample_id IN {ids:Array(String)} GROUP BY sample_id) AS v
       FULL OUTER JOIN (SELECT sample_id, argMax(value, occurred_at) AS reward FROM rewards
             WHERE team = {team:String} AND sample_id IN {ids:Array(String)} GROUP BY sample_id) AS r
       ON r.sample_id = v.sample_id
       SETTINGS join_use_nulls = 1`,
      { team, ids: sampleIds },
    );
  }
}
