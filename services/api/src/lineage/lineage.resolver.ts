import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import type { RequestContext } from '../graphql/request-context';
import { badInput } from '../graphql/errors';
import { LineageRepository, MAX_LINEAGE_NODES, type WalkDirection } from './lineage.repository';

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
  async walk(
    @Context() ctx: RequestContext,
    @Args('id') id: string,
    @Args('direction') direction: WalkDirection,
    @Args('depth') depth: number,
    @Args('limit') limit: number,
    @Args('fanOut') fanOut: number,
  ) {
    within('depth', depth, MAX_LINEAGE_DEPTH);
    within('limit', limit, MAX_LINEAGE_NODES);
    within('fanOut', fanOut, MAX_LINEAGE_NODES);
    const walk = await this.lineage.walk(ctx.caller.team, id, direction, depth, { nodes: limit, fanOut });
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

function within(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) throw badInput(`${name} must be between 1 and ${max}, got ${value}`);
}
