import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import type { RequestContext } from '../graphql/request-context';
import { pageLimit } from '../runs/runs.resolver';
import { badInput } from '../graphql/errors';
import { SamplesRepository, type SampleRow } from './samples.repository';

interface SampleFilterInput {
  verdict?: string;
  problemId?: string;
  checkpointId?: string;
  iteration?: number;
}

export function encodeCursor(sampleId: string): string {
  return Buffer.from(sampleId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id.length === 0 || encodeCursor(id) !== cursor) throw badInput(`after: '${cursor}' is not a cursor returned by this API`);
  return id;
}

@Resolver('Query')
export class SamplesQueryResolver {
  constructor(@Inject(SamplesRepository) private readonly samples: SamplesRepository) {}

  @Query('samples')
  async samplesPage(
    @Context() ctx: RequestContext,
    @Args('runId') runId: string,
    @Args('filter') filter: SampleFilterInput | undefined,
    @Args('first') first: number,
    @Args('after') after: string | undefined,
  ) {
    const limit = pageLimit(first);
    const cleaned = {
      verdict: filter?.verdict?.toLowerCase(),
      problemId: filter?.problemId ?? undefined,
      checkpointId: filter?.checkpointId ?? undefined,
      iteration: filter?.iteration ?? undefined,
    };
    // One row more than asked tells whether another page exists.
    const rows = await this.samples.page(ctx.caller.team, runId, cleaned, after ? decodeCursor(after) : undefined, limit + 1);
    const page = rows.slice(0, limit);
    return {
      edges: page.map((row) => ({ cursor: encodeCursor(row.sample_id), node: toSample(row) })),
      pageInfo: { hasNextPage: rows.length > limit, endCursor: page.length > 0 ? encodeCursor(page[page.length - 1].sample_id) : null },
    };
  }
}

function toSample(row: SampleRow) {
  return {
    id: row.sample_id,
    runId: row.run_id,
    problemId: row.problem_id,
    benchmark: row.benchmark || null,
    checkpointId: row.checkpoint_id,
    iteration: Number(row.iteration),
    attempt: Number(row.attempt),
    output: row.output,
    tokens: Number(row.tokens),
    logprob: Number(row.logprob),
    occurredAt: row.occurred_at,
  };
}

/** Verdict and reward come from other tables; a page's samples are judged in one batched query. */
@Resolver('Sample')
export class SampleFieldsResolver {
  @ResolveField('verdict')
  async verdict(@Parent() sample: { id: string }, @Context() ctx: RequestContext) {
    return (await ctx.loaders.judgementBySample.load(sample.id))?.verdict?.toUpperCase() ?? null;
  }

  @ResolveField('verifierId')
  async verifierId(@Parent() sample: { id: string }, @Context() ctx: RequestContext) {
    return (await ctx.loaders.judgementBySample.load(sample.id))?.verifier_id ?? null;
  }

  @ResolveField('verifierVersion')
  async verifierVersion(@Parent() sample: { id: string }, @Context() ctx: RequestContext) {
    return (await ctx.loaders.judgementBySample.load(sample.id))?.verifier_version ?? null;
  }

  @ResolveField('reward')
  async reward(@Parent() sample: { id: string }, @Context() ctx: RequestContext) {
    const reward = (await ctx.loaders.judgementBySample.load(sample.id))?.reward;
    return reward === null || reward === undefined ? null : Number(reward);
  }
}
