import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import { queryLeaderboard, type LeaderboardOptions, type LeaderboardRow } from '@xp/analytics';
import { API_DEPENDENCIES, type ApiDependencies } from '../api-dependencies';
import type { RequestContext } from '../graphql/request-context';
import { badInput } from '../graphql/errors';
import { leaderboardCache, leaderboardKey, type LeaderboardCache } from './leaderboard-cache';

type Metric = 'PASS_AT_K' | 'MAJ_AT_K' | 'MEAN_REWARD' | 'SOLVED';

const MAX_K = 1000;

@Resolver('Query')
export class LeaderboardResolver {
  private readonly cache: LeaderboardCache | undefined;

  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {
    this.cache = leaderboardCache(deps);
  }

  @Query('leaderboard')
  async leaderboard(
    @Context() ctx: RequestContext,
    @Args('benchmark') benchmark: string,
    @Args('metric') metric: Metric,
    @Args('k') k: number,
    @Args('scope') scope: 'TEAM' | 'EXPERIMENT',
    @Args('experimentId') experimentId: string | undefined,
    @Args('groupBy') groupBy: 'CHECKPOINT' | 'RUN',
    @Args('split') split: 'TRAIN' | 'HELDOUT' | undefined,
    @Args('commonProblems') commonProblems: boolean | undefined,
  ) {
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw badInput(`k must be between 1 and ${MAX_K}, got ${k}`);
    if (scope === 'EXPERIMENT' && !experimentId) throw badInput('scope EXPERIMENT needs experimentId');
    const options: LeaderboardOptions = {
      team: ctx.caller.team,
      benchmark,
      k,
      groupBy: groupBy === 'RUN' ? 'run' : 'checkpoint',
      experimentId: scope === 'EXPERIMENT' ? experimentId : undefined,
      split: split === undefined || split === null ? undefined : split === 'HELDOUT' ? 'heldout' : 'train',
      commonProblems: commonProblems === true,
      // Only what the metric needs: majority votes and rewards cost reads of their own.
      majority: metric === 'MAJ_AT_K',
      meanReward: metric === 'MEAN_REWARD',
    };
    const read = () => queryLeaderboard(this.deps.analytics.client, options);
    const board = this.cache ? await this.cache.get(leaderboardKey(options), read) : await read();
    const ranked = board.rows
      .map((row) => ({ row, ...valueOf(row, metric, k) }))
      .sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity) || a.row.group_id.localeCompare(b.row.group_id));
    return {
      benchmark,
      metric,
      k,
      scope,
      groupBy,
      split: board.split === 'heldout' ? 'HELDOUT' : 'TRAIN',
      commonProblems: board.commonProblems,
      rows: ranked.map(({ row, value, note }, i) => ({
        rank: i + 1,
        checkpointId: groupBy === 'CHECKPOINT' ? row.group_id : null,
        runId: groupBy === 'RUN' ? row.group_id : null,
        experimentId: scope === 'EXPERIMENT' ? experimentId : null,
        value,
        problems: row.problems,
        minAttempts: row.min_attempts,
        solved: row.solved,
        note,
      })),
    };
  }
}

function valueOf(row: LeaderboardRow, metric: Metric, k: number): { value: number | null; note: string | null } {
  switch (metric) {
    case 'PASS_AT_K': {
      if (row.pass_at_k === null) return { value: null, note: `every problem has fewer than k=${k} attempts` };
      const note = row.problems_below_k > 0 ? `${row.problems_below_k} of ${row.problems} problems have fewer than k=${k} attempts and are left out` : null;
      return { value: row.pass_at_k, note };
    }
    case 'MAJ_AT_K':
      return { value: row.majority_correct, note: null };
    case 'MEAN_REWARD':
      return { value: row.mean_reward, note: row.mean_reward === null ? 'no rewards assigned' : null };
    case 'SOLVED':
      return { value: row.solved, note: null };
  }
}
