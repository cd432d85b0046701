import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import type { RequestContext } from '../graphql/request-context';
import { badInput } from '../graphql/errors';
import { LineageRepository, type WalkDirection } from './lineage.repository';

export const MAX_LINEAGE_DEPTH = 10;

const NODE_KINDS: Record<string, string> = {
  run: 'RUN',
  problem: 'PROBLEM',
  sample: 'SAMPLE',
  verification: 'VERIFICATION',
  reward: 'REWARD',
  decision: 'CURRICULUM_DECISION',
  batch: 'REPLAY_BATCH',
  checkpoint: 'CHECKPOINT',
  evaluation: 'EVALUATION',
};

@Resolver('Query')
export class LineageResolver {
  constructor(@Inject(LineageRepository) private readonly lineage: LineageRepository) {}

  @Query('lineage')
  async walk(@Context() ctx: RequestContext, @Args('id') id: string, @Args('direction') direction: WalkDirection, @Args('depth') depth: number) {
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_LINEAGE_DEPTH) {
      throw badInput(`depth must be between 1 and ${MAX_LINEAGE_DEPTH}, got ${depth}`);
    }
    const walk = await this.lineage.walk(ctx.caller.team, id, direction, depth);
    return {
      rootId: id,
      direction,
      depth,
      nodes: walk.nodes.map((n) => ({ ...n, kind: NODE_KINDS[n.kind] ?? 'UNKNOWN' })),
      edges: walk.edges,
      truncated: walk.truncated,
    };
  }
}
