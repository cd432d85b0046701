import { Inject } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { NotFoundError, UsageError } from '@xp/events';
import { API_DEPENDENCIES, type ApiDependencies } from '../api-dependencies';
import type { RequestContext } from '../graphql/request-context';
import type { DecisionSource } from './decision-source';

/** Longest single wait of a runDecisions subscription before it reads again. */
const FOLLOW_WAIT_MS = 30_000;

@Resolver('Query')
export class DecisionsQueryResolver {
  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {}

  @Query('decisions')
  async decisions(@Context() ctx: RequestContext, @Args('runId') runId: string, @Args('after', { type: () => Int }) after: number) {
    return (await source(this.deps).read(ctx.caller.team, runId, after)).decisions;
  }
}

@Resolver('Run')
export class RunWaitResolver {
  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {}

  /** Only external runs wait on someone; for the others (and without a decision source) there is nothing to say. */
  @ResolveField('waitingFor')
  async waitingFor(@Parent() run: { id: string; status?: string; config?: { stages?: Record<string, string> } }, @Context() ctx: RequestContext) {
    const external = run.config?.stages && Object.values(run.config.stages).includes('external');
    if (!external || !this.deps.decisions || (run.status && run.status !== 'RUNNING')) return null;
    try {
      return (await this.deps.decisions.latest(ctx.caller.team, run.id)).waiting ?? null;
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof UsageError) return null;
      throw error;
    }
  }
}

@Resolver('Subscription')
export class DecisionsSubscriptionResolver {
  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {}

  @Subscription('runDecisions', { resolve: (value: unknown) => value })
  runDecisions(@Context() ctx: RequestContext, @Args('runId') runId: string, @Args('after', { type: () => Int }) after: number): AsyncIterableIterator<unknown> {
    return follow(source(this.deps), ctx.caller.team, runId, after);
  }
}

/** Each decision once, in log order, as it is appended; ends after run.finished. */
async function* follow(decisions: DecisionSource, team: string, runId: string, after: number) {
  let next = after;
  for (;;) {
    const { decisions: found, end } = await decisions.read(team, runId, next);
    for (const decision of found) {
      yield decision;
      next = decision.offset + 1;
      if ((decision as { type?: string }).type === 'run.finished') return;
    }
    await decisions.waitPast(runId, end, FOLLOW_WAIT_MS);
  }
}

function source(deps: ApiDependencies): DecisionSource {
  if (!deps.decisions) throw new UsageError('this API process delivers no decisions (start it with xp up or xp serve api)');
  return deps.decisions;
}
