import type { ClickHouseClient } from '@clickhouse/client';
import { resultRows } from '../result-rows';
import { majorityAtK } from './maj-at-k';
import { passAtKSql } from './pass-at-k';

export type LeaderboardGroupBy = 'checkpoint' | 'run';

export type LeaderboardSplit = 'train' | 'heldout';

export interface LeaderboardOptions {
  team: string;
  benchmark: string;
  /** k of pass@k and maj@k (1 or more). */
  k: number;
  groupBy: LeaderboardGroupBy;
  /**
   * Ranks attempts on this split's problems. Absent: held-out where the benchmark has held-out
   * verdicts (in the experiment, when one is given), else train; the result says which.
   */
  split?: LeaderboardSplit;
  /** Ranks only on problems that every ranked group attempted at least k times (default false). */
  commonProblems?: boolean;
  /** Narrows to one experiment; all of the team's experiments otherwise. */
  experimentId?: string;
  /** Counts only this verifier's verdicts; every verifier's otherwise. */
  verifierId?: string;
  /** Computes maj@k (default true); it reads every problem's vote counts. */
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
  /** Problems with fewer than k attempts: left out of pass@k and maj@k. */
  problems_below_k: number;
  /** Mean over problems with at least k attempts; null when there is none. */
  pass_at_k: number | null;
  /** maj@k (see majorityAtK) averaged over problems with at least k attempts; null when there is none or not asked for. */
  majority_correct: number | null;
  /** Mean reward over all rewarded attempts; null when none was rewarded or not asked for. */
  mean_reward: number | null;
}

export interface LeaderboardResult {
  /** The split the board ranks on: the one asked for, or the one the default chose. */
  split: LeaderboardSplit;
  /** With commonProblems: how many of the split's problems every group attempted k times (kept), and the others. */
  commonProblems: { kept: number; leftOut: number } | null;
  rows: LeaderboardRow[];
}

const GROUP_COLUMN: Record<LeaderboardGroupBy, string> = { checkpoint: 'checkpoint_id', run: 'run_id' };

/**
 * A team leaderboard for one benchmark and split, read from the leaderboard aggregates (one row
 * per checkpoint x problem, kept by materialized views) rather than from the samples. Majority
 * votes need each problem's vote counts and the mean reward another table: both are read only
 * when asked for. The default split and the common problems are decided inside the one statement.
 * Every value from the caller travels as a bound parameter.
 */
export function leaderboardQuery(options: LeaderboardOptions): { query: string; query_params: Record<string, unknown> } {
  const group = GROUP_COLUMN[options.groupBy];
  const { split, filters, verdictFilters } = boardFilters(options);
  const majority = options.majority ?? true;
  const meanReward = options.meanReward ?? true;
  const common = options.commonProblems ?? false;
  const rewardFilters = common ? [...filters, 'problem_id IN (SELECT problem_id FROM common)'] : filters;
  const query = `
    WITH ${split} AS ranked_split,
    attempted AS (
      SELECT ${group} AS group_id, problem_id,
             sum(attempts) AS n, sum(correct) AS c
             ${majority ? ', sumMap(answer_votes) AS votes, groupUniqArrayArray(correct_answers) AS right_answers' : ''}
      FROM leaderboard_verdicts
      WHERE ${verdictFilters.join(' AND ')}
      GROUP BY group_id, problem_id
    )${
      common
        ? `,
    common AS (
      SELECT problem_id FROM attempted GROUP BY problem_id
      HAVING countIf(n >= {k:UInt32}) = (SELECT uniqExact(group_id) FROM attempted)
    ),
    per_problem AS (SELECT * FROM attempted WHERE problem_id IN (SELECT problem_id FROM common))`
        : `,
    per_problem AS (SELECT * FROM attempted)`
    }${
      meanReward
        ? `,
    rewards AS (
      SELECT ${group} AS group_id, sum(reward_sum) / sum(rewards) AS mean_reward
      FROM leaderboard_rewards
      WHERE ${rewardFilters.join(' AND ')}
      GROUP BY group_id
    )`
        : ''
    }
    SELECT p.group_id AS group_id,
           ranked_split AS split,
           ${common ? '(SELECT count() FROM common)' : 'NULL'} AS common_kept,
           ${common ? '(SELECT uniqExact(problem_id) FROM attempted)' : 'NULL'} AS split_problems,
           toUInt64(count()) AS problems,
           sum(p.n) AS attempts,
           sum(p.c) AS correct,
           toUInt64(countIf(p.c > 0)) AS solved,
           min(p.n) AS min_attempts,
           toUInt64(countIf(p.n < {k:UInt32})) AS problems_below_k,
           avgIf(${passAtKSql('p.n', 'p.c', '{k:UInt32}')}, p.n >= {k:UInt32}) AS pass_at_k_raw,
           if(problems_below_k = problems, NULL, pass_at_k_raw) AS pass_at_k,
           ${majority ? 'groupArrayIf((p.n, p.votes, p.right_answers), p.n >= {k:UInt32})' : 'NULL'} AS majority_problems,
           ${meanReward ? 'any(r.mean_reward)' : 'NULL'} AS mean_reward
    FROM per_problem AS p
    ${meanReward ? 'LEFT JOIN rewards AS r ON r.group_id = p.group_id' : ''}
    GROUP BY p.group_id
    ORDER BY pass_at_k DESC NULLS LAST, group_id
    SETTINGS join_use_nulls = 1`;
  return { query, query_params: boardParams(options) };
}

/** The rows a board reads: the team's benchmark (and experiment), the split, the verifier. */
function boardFilters(options: LeaderboardOptions): { split: string; filters: string[]; verdictFilters: string[] } {
  const filters = ['team = {team:String}', 'benchmark = {benchmark:String}'];
  if (options.experimentId !== undefined) filters.push('experiment_id = {experimentId:String}');
  const heldOutExists = `(SELECT count() > 0 FROM (SELECT 1 FROM leaderboard_verdicts WHERE ${filters.join(' AND ')} AND split = 'heldout' LIMIT 1))`;
  const split = options.split !== undefined ? '{split:String}' : `if(${heldOutExists}, 'heldout', 'train')`;
  filters.push(`split = ${split}`);
  const verdictFilters = [...filters];
  if (options.verifierId !== undefined) verdictFilters.push('verifier_id = {verifierId:String}');
  return { split, filters, verdictFilters };
}

function boardParams(options: LeaderboardOptions): Record<string, unknown> {
  const params: Record<string, unknown> = { team: options.team, benchmark: options.benchmark, k: options.k };
  if (options.split !== undefined) params.split = options.split;
  if (options.experimentId !== undefined) params.experimentId = options.experimentId;
  if (options.verifierId !== undefined) params.verifierId = options.verifierId;
  return params;
}

/** The split and its problem count, for a board without rows (no problem was common, or nothing was judged). */
async function emptyBoardFacts(client: ClickHouseClient, options: LeaderboardOptions): Promise<{ split: LeaderboardSplit; problems: number }> {
  const { split, verdictFilters } = boardFilters(options);
  const [row] = await resultRows<{ split: LeaderboardSplit; problems: number | string }>(await client.query({
    query: `SELECT ${split} AS split, uniqExact(problem_id) AS problems FROM leaderboard_verdicts WHERE ${verdictFilters.join(' AND ')}`,
    query_params: boardParams(options),
    format: 'JSONEachRow',
  }));
  return { split: row.split, problems: Number(row.problems) };
}

type MajorityProblem = [n: number | string, votes: Record<string, number | string>, rightAnswers: string[]];

/** maj@k averaged over the problems with at least k attempts; null when there is none. */
function meanMajority(problems: MajorityProblem[], k: number): number | null {
  if (problems.length === 0) return null;
  let sum = 0;
  for (const [n, votes, right] of problems) {
    const counts = new Map(Object.entries(votes).map(([answer, count]) => [answer, Number(count)]));
    sum += majorityAtK({ attempts: Number(n), votes: counts, correctAnswers: new Set(right) }, k) ?? 0;
  }
  return sum / problems.length;
}

export async function queryLeaderboard(client: ClickHouseClient, options: LeaderboardOptions): Promise<LeaderboardResult> {
  const rows = await resultRows<Record<string, unknown>>(await client.query({ ...leaderboardQuery(options), format: 'JSONEachRow' }));
  const first = rows[0];
  const empty = first === undefined && options.commonProblems ? await emptyBoardFacts(client, options) : undefined;
  // Without rows and common problems, nothing was judged: no held-out verdict either, so the default chose train.
  const split = (first?.split as LeaderboardSplit | undefined) ?? empty?.split ?? options.split ?? 'train';
  const commonProblems = !options.commonProblems
    ? null
    : first === undefined
      ? { kept: 0, leftOut: empty!.problems }
      : { kept: Number(first.common_kept), leftOut: Number(first.split_problems) - Number(first.common_kept) };
  return {
    split,
    commonProblems,
    rows: rows.map((row) => ({
      group_id: String(row.group_id),
      problems: Number(row.problems),
      attempts: Number(row.attempts),
      correct: Number(row.correct),
      solved: Number(row.solved),
      min_attempts: Number(row.min_attempts),
      problems_below_k: Number(row.problems_below_k),
      pass_at_k: row.pass_at_k === null ? null : Number(row.pass_at_k),
      majority_correct: row.majority_problems === null ? null : meanMajority(row.majority_problems as MajorityProblem[], options.k),
      mean_reward: row.mean_reward === null ? null : Number(row.mean_reward),
    })),
  };
}
