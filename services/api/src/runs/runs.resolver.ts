import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import type { RequestContext } from '../graphql/request-context';
import { ForgettingRepository } from './forgetting.repository';
import { RunsRepository, type RunRow } from './runs.repository';
import { MAX_POINTS_LIMIT, MetricSeriesRepository } from './metric-series.repository';
import { badInput } from '../graphql/errors';

export const MAX_PAGE = 500;

export function pageLimit(first: number | undefined, fallback = 50): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}, got ${n}`);
  return n;
}

export function toRun(row: RunRow) {
  return {
    id: row.run_id,
    team: row.team,
    experimentId: row.experiment_id,
    name: row.name,
    status: (row.status ?? 'running').toUpperCase(),
    seed: row.seed === null ? null : Number(row.seed),
    codeVersion: row.code_version,
    config: row.config === null ? null : JSON.parse(row.config),
    parentRunId: row.parent_run_id,
    forkedAtOffset: row.forked_at_offset === null ? null : Number(row.forked_at_offset),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

@Resolver('Query')
export class RunsQueryResolver {
  constructor(@Inject(RunsRepository) private readonly runs: RunsRepository) {}

  @Query('experiments')
  async experiments(@Context() ctx: RequestContext) {
    const rows = await this.runs.experiments(ctx.caller.team);
    return rows.map((r) => ({
      id: r.experiment_id,
      team: ctx.caller.team,
      runCount: Number(r.run_count),
      firstEventAt: r.first_event_at,
      lastEventAt: r.last_event_at,
    }));
  }

  @Query('runs')
  async list(@Context() ctx: RequestContext, @Args('filter') filter: { experimentId?: string; status?: string } | undefined, @Args('first') first: number) {
    const rows = await this.runs.list(ctx.caller.team, { experimentId: filter?.experimentId ?? undefined, status: filter?.status?.toLowerCase() }, pageLimit(first));
    return rows.map(toRun);
  }

  @Query('run')
  async run(@Context() ctx: RequestContext, @Args('id') id: string) {
    const row = await this.runs.byId(ctx.caller.team, id);
    return row ? toRun(row) : null;
  }
}

@Resolver('Run')
export class RunFieldsResolver {
  constructor(
    @Inject(MetricSeriesRepository) private readonly metricSeries: MetricSeriesRepository,
    @Inject(ForgettingRepository) private readonly forgettingMatrix: ForgettingRepository,
  ) {}

  @ResolveField('metrics')
  async metrics(@Parent() run: { id: string }, @Context() ctx: RequestContext, @Args('names') names: string[] | undefined, @Args('maxPoints') maxPoints: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_POINTS_LIMIT) {
      throw badInput(`maxPoints must be between 2 and ${MAX_POINTS_LIMIT}, got ${maxPoints}`);
    }
    return this.metricSeries.series(ctx.caller.team, run.id, names ?? undefined, maxPoints);
  }

  @ResolveField('forgetting')
  async forgetting(@Parent() run: { id: string; team: string }) {
    return this.forgettingMatrix.forRun(run.team, run.id);
  }

  @ResolveField('iterations')
  async iterations(@Parent() run: { id: string }, @Context() ctx: RequestContext) {
    const rows = await ctx.loaders.iterationsByRun.load(run.id);
    return rows.map((r) => ({
      iteration: Number(r.iteration),
      samples: Number(r.samples),
      trainPassRate: r.train_pass_rate,
      heldOutPassAt1: r.held_out_pass_at_1,
      meanReward: r.mean_reward,
      loss: r.loss,
      checkpointId: r.checkpoint_id,
    }));
  }
}
