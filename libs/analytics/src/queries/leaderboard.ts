import type { ClickHouseClient } from '@clickhouse/client';
import { resultRows } from '../result-rows';
import { passAtKSql } from './pass-at-k';

export type LeaderboardGroupBy = 'checkpoint' | 'run';

export interface LeaderboardOptions {
  team: string;
  benchmark: string;
  /** k of pass@k (1 or more). */
  k: number;
  groupBy: LeaderboardGroupBy;
  /** Narrows to one experiment; all of the team's experiments otherwise. */
  experimentId?: string;
  /** Counts only this verifier's verdicts; every verifier's otherwise. */
  verifierId?: string;
  /** Computes majority-vote correctness (default true); it reads every problem's vote counts. */
  majority?: boolean;
  /** Computes the mean reward (default true). */
  meanReward?: boolean;
}

export interface LeaderboardRow {
  /** The checkpoint id or run id, per `groupBy`. */
  group_id: string;
  problems: number;
  attempts: number;
  correct: number;
  /** Problems with at least one correct attempt. */
  solved: number;
  /** Fewest attempts on any one problem of the group. */
  min_attempts: number;
  /** Problems with fewer than k attempts: left out of pass@k. */
  problems_below_k: number;
  /** Mean over problems with at least k attempts; null when there is none. */
  pass_at_k: number | null;
  /** Share of problems whose most voted answer was judged correct; null when not asked for. */
  majority_correct: number | null;
  /** Mean reward over all rewarded attempts; null when none was rewarded or not asked for. */
  mean_reward: number | null;
}

const GROUP_COLUMN: Record<LeaderboardGroupBy, string> = { checkpoint: 'checkpoint_id', run: 'run_id' };

/**
 * A team leaderboard for one benchmark, read from the leaderboard aggregates (one row per
 * checkpoint x problem, kept by materialized views) rather than from the samples. Majority votes
 * need each problem's vote counts and the mean reward another table: both are read only when asked
 * for. Every value from the caller travels as a bound parameter.
 */
export function leaderboardQuery(options: LeaderboardOptions): { query: string; query_params: Record<string, unknown> } {
  const group = GROUP_COLUMN[options.groupBy];
  const filters = ['team = {team:String}', 'benchmark = {benchmark:String}'];
  if (options.experimentId !== undefined) filters.push('experiment_id = {experimentId:String}');
  const verdictFilters = [...filters];
  if (options.verifierId !== undefined) verdictFilters.push('verifier_id = {verifierId:String}');
  const majority = options.majority ?? true;
  const meanReward = options.meanReward ?? true;
  const query = `
    WITH per_problem AS (
      SELECT ${group} AS group_id, problem_id,
             sum(attempts) AS n, sum(correct) AS c
             ${majority ? ', sumMap(answer_votes) AS votes, groupUniqArrayArray(correct_answers) AS right_answers' : ''}
      FROM leaderboard_verdicts
      WHERE ${verdictFilters.join(' AND ')}
      GROUP BY group_id, problem_id
    )${
      meanReward
        ? `,
    rewards AS (
      SELECT ${group} AS group_id, sum(reward_sum) / sum(rewards) AS mean_reward
      FROM leaderboard_rewards
      WHERE ${filters.join(' AND ')}
      GROUP BY group_id
    )`
        : ''
    }
    SELECT p.group_id AS group_id,
           toUInt64(count()) AS problems,
           sum(p.n) AS attempts,
           sum(p.c) AS correct,
           toUInt64(countIf(p.c > 0)) AS solved,
           min(p.n) AS min_attempts,
           toUInt64(countIf(p.n < {k:UInt32})) AS problems_below_k,
           avgIf(${passAtKSql('p.n', 'p.c', '{k:UInt32}')}, p.n >= {k:UInt32}) AS pass_at_k_raw,
           if(problems_below_k = problems, NULL, pass_at_k_raw) AS pass_at_k,
           ${majority ? 'avg(has(p.right_answers, mapKeys(p.votes)[indexOf(mapValues(p.votes), arrayMax(mapValues(p.votes)))]))' : 'NULL'} AS majority_correct,
           ${meanReward ? 'any(r.mean_reward)' : 'NULL'} AS mean_reward
    FROM per_problem AS p
    ${meanReward ? 'LEFT JOIN rewards AS r ON r.group_id = p.group_id' : ''}
    GROUP BY p.group_id
    ORDER BY pass_at_k DESC NULLS LAST, group_id
    SETTINGS join_use_nulls = 1`;
  const query_params: Record<string, unknown> = { team: options.team, benchmark: options.benchmark, k: options.k };
  if (options.experimentId !== undefined) query_params.experimentId = options.experimentId;
  if (options.verifierId !== undefined) query_params.verifierId = options.verifierId;
  return { query, query_params };
}

export async function queryLeaderboard(client: ClickHouseClient, options: LeaderboardOptions): Promise<LeaderboardRow[]> {
  const rows = await resultRows<Record<string, unknown>>(await client.query({ ...leaderboardQuery(options), format: 'JSONEachRow' }));
  return rows.map((row) => ({
    group_id: String(row.group_id),
    problems: Number(row.problems),
    attempts: Number(row.attempts),
    correct: Number(row.correct),
    solved: Number(row.solved),
    min_attempts: Number(row.min_attempts),
    problems_below_k: Number(row.problems_below_k),
    pass_at_k: row.pass_at_k === null ? null : Number(row.pass_at_k),
    majority_correct: row.majority_correct === null ? null : Number(row.majority_correct),
    mean_reward: row.mean_reward === null ? null : Number(row.mean_reward),
  }));
}
