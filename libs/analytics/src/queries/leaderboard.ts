import type { ClickHouseClient } from '@clickhouse/client';
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
 * A team leaderboard for one benchmark, read from the leaderboard aggregates (kept by materialized
 * views) rather than from the samples. Each group's per-problem attempt and correct counts come as
 * one sumMap (problem ids, attempts, corrects), which the aggregate projection of migration 0009
 * holds ready, so pass@k, solved and the attempt counts read one row per group and part instead of
 * one per problem; pass@k is still computed per problem and averaged. Majority votes need each
 * problem's vote counts and are read only when asked for, as is the mean reward. Every value from
 * the caller travels as a bound parameter.
 */
export function leaderboardQuery(options: LeaderboardOptions): { query: string; query_params: Record<string, unknown> } {
  const group = GROUP_COLUMN[options.groupBy];
  const filters = ['team = {team:String}', 'benchmark = {benchmark:String}'];
  if (options.experimentId !== undefined) filters.push('experiment_id = {experimentId:String}');
  const verdictFilters = [...filters];
  if (options.verifierId !== undefined) verdictFilters.push('verifier_id = {verifierId:String}');
  const majority = options.majority ?? true;
  const meanReward = options.meanReward ?? true;
  const ctes = [
    `per_group AS (
      SELECT ${group} AS group_id, sumMap([problem_id], [attempts], [correct]) AS per_problem
      FROM leaderboard_verdicts
      WHERE ${verdictFilters.join(' AND ')}
      GROUP BY group_id
    )`,
  ];
  if (majority) {
    ctes.push(`majority AS (
      SELECT group_id, avg(has(right_answers, mapKeys(votes)[indexOf(mapValues(votes), arrayMax(mapValues(votes)))])) AS majority_correct
      FROM (
        SELECT ${group} AS group_id, problem_id, sumMap(answer_votes) AS votes, groupUniqArrayArray(correct_answers) AS right_answers
        FROM leaderboard_verdicts
        WHERE ${verdictFilters.join(' AND ')}
        GROUP BY group_id, problem_id
      )
      GROUP BY group_id
    )`);
  }
  if (meanReward) {
    ctes.push(`rewards AS (
      SELECT ${group} AS group_id, sum(reward_sum) / sum(rewards) AS mean_reward
      FROM leaderboard_rewards
      WHERE ${filters.join(' AND ')}
      GROUP BY group_id
    )`);
  }
  const query = `
    WITH ${ctes.join(',\n    ')}
    SELECT g.group_id AS group_id,
           toUInt64(length(g.per_problem.1)) AS problems,
           arraySum(g.per_problem.2) AS attempts,
           arraySum(g.per_problem.3) AS correct,
           toUInt64(arrayCount(x -> x > 0, g.per_problem.3)) AS solved,
           arrayMin(g.per_problem.2) AS min_attempts,
           toUInt64(arrayCount(x -> x < {k:UInt32}, g.per_problem.2)) AS problems_below_k,
           if(problems_below_k = problems, NULL,
              arraySum(arrayMap((n, c) -> ifNull(${passAtKSql('n', 'c', '{k:UInt32}')}, 0), g.per_problem.2, g.per_problem.3))
                / (problems - problems_below_k)) AS pass_at_k,
           ${majority ? 'm.majority_correct' : 'NULL'} AS majority_correct,
           ${meanReward ? 'r.mean_reward' : 'NULL'} AS mean_reward
    FROM per_group AS g
    ${majority ? 'LEFT JOIN majority AS m ON m.group_id = g.group_id' : ''}
    ${meanReward ? 'LEFT JOIN rewards AS r ON r.group_id = g.group_id' : ''}
    ORDER BY pass_at_k DESC NULLS LAST, group_id
    SETTINGS join_use_nulls = 1`;
  const query_params: Record<string, unknown> = { team: options.team, benchmark: options.benchmark, k: options.k };
  if (options.experimentId !== undefined) query_params.experimentId = options.experimentId;
  if (options.verifierId !== undefined) query_params.verifierId = options.verifierId;
  return { query, query_params };
}

export async function queryLeaderboard(client: ClickHouseClient, options: LeaderboardOptions): Promise<LeaderboardRow[]> {
  const result = await client.query({ ...leaderboardQuery(options), format: 'JSONEachRow' });
  const rows = await result.json<Record<string, unknown>>();
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
