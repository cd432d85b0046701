import { Args, Context, Info, Query, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import type { RequestContext } from '../graphql/request-context';
import { pageLimit } from '../runs/runs.resolver';
import { badInput } from '../graphql/errors';
import type { GraphQLResolveInfo } from 'graphql';
import { requestedFields } from '../graphql/requested-fields';
import { SamplesRepository, type SampleJudgement, type SampleRow } from './samples.repository';

interface SampleFilterInput {
  verdict?: string;
  problemId?: string;
  checkpointId?: string;
  iteration?: number;
  split?: 'TRAIN' | 'HELDOUT';
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
    @Info() info: GraphQLResolveInfo,
  ) {
    const limit = pageLimit(first);
    const cleaned = {
      verdict: filter?.verdict?.toLowerCase(),
      problemId: filter?.problemId ?? undefined,
      checkpointId: filter?.checkpointId ?? undefined,
      iteration: filter?.iteration ?? undefined,
      split: filter?.split ? (filter.split === 'HELDOUT' ? 'heldout' : 'train') : undefined,
    };
    // One row more than asked tells whether another page exists.
    const rows = await this.samples.page(ctx.caller.team, runId, cleaned, after ? decodeCursor(after) : undefined, limit + 1);
    const page = rows.slice(0, limit);
    // Verdict and reward live in other tables: read for the whole page at once, and only when asked for.
    const fields = requestedFields(info);
    const judged = JUDGEMENT_FIELDS.some((f) => fields.has(f)) && page.length > 0;
    const [judgements, statements] = await Promise.all([
      judged ? this.samples.judgements(ctx.caller.team, runId, page.map((r) => r.sample_id)).then((rows) => new Map(rows.map((j) => [j.sample_id, j]))) : undefined,
      fields.has('statement') && page.length > 0 ? this.samples.statements(ctx.caller.team, runId, page.map((r) => r.problem_id)) : undefined,
    ]);
    return {
      edges: page.map((row) => ({
        cursor: encodeCursor(row.sample_id),
        node: { ...toSample(row, judgements?.get(row.sample_id)), statement: statements?.get(row.problem_id) ?? null },
      })),
      pageInfo: { hasNextPage: rows.length > limit, endCursor: page.length > 0 ? encodeCursor(page[page.length - 1].sample_id) : null },
    };
  }
}

const JUDGEMENT_FIELDS = ['verdict', 'verifierId', 'verifierVersion', 'reward', 'verificationDetails', 'rewardComponents'];

function toSample(row: SampleRow, judgement: SampleJudgement | undefined) {
  return {
    id: row.sample_id,
    runId: row.run_id,
    problemId: row.problem_id,
    benchmark: row.benchmark || null,
    checkpointId: row.checkpoint_id,
    iteration: Number(row.iteration),
    attempt: Number(row.attempt),
    output: row.output,
    tokens: row.tokens === null ? null : Number(row.tokens),
    logprob: row.logprob === null ? null : Number(row.logprob),
    occurredAt: row.occurred_at,
    verdict: judgement?.verdict?.toUpperCase() ?? null,
    verifierId: judgement?.verifier_id ?? null,
    verifierVersion: judgement?.verifier_version ?? null,
    reward: judgement?.reward === null || judgement?.reward === undefined ? null : Number(judgement.reward),
    split: row.split === 'heldout' ? 'HELDOUT' : 'TRAIN',
    purpose: row.purpose === 'evaluation' ? 'EVALUATION' : 'TRAINING',
    verificationDetails: judgement?.details ? JSON.parse(judgement.details) : null,
    rewardComponents: judgement?.components ?? null,
  };
}
