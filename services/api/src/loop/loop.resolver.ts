import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import { formatIssue, UsageError } from '@xp/events';
import { ingestValues } from '@xp/ingest';
import { API_DEPENDENCIES, type ApiDependencies } from '../api-dependencies';
import type { RequestContext } from '../graphql/request-context';
import { teamMismatch } from '../ingest/team-scope';
import type { LoopControl } from '../loop-control';
import { RunsRepository } from '../runs/runs.repository';
import { toRun } from '../runs/runs.resolver';
import { badInput } from '../graphql/errors';

const MAX_EVENTS_PER_MUTATION = 10_000;

@Resolver('Mutation')
export class LoopMutationsResolver {
  constructor(
    @Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies,
    @Inject(RunsRepository) private readonly runs: RunsRepository,
  ) {}

  @Mutation('ingestEvents')
  async ingestEvents(@Context() ctx: RequestContext, @Args('events') events: unknown[]) {
    if (events.length > MAX_EVENTS_PER_MUTATION) {
      throw badInput(`at most ${MAX_EVENTS_PER_MUTATION} events per mutation, got ${events.length}; use POST /v1/events for bulk ingest`);
    }
    const report = await ingestValues(events, {
      log: this.deps.log,
      registry: this.deps.registry,
      admit: (event) => teamMismatch(event, ctx.caller.team) ?? this.deps.admitEvent?.(event),
    });
    this.deps.telemetry.eventsIngested.inc({ source: 'graphql' }, report.accepted);
    this.deps.telemetry.eventsRejected.inc({ source: 'graphql' }, report.rejected.length);
    return { accepted: report.accepted, rejected: report.rejected.map((r) => ({ index: r.line, reasons: r.issues.map(formatIssue) })) };
  }

  @Mutation('startRun')
  async startRun(@Context() ctx: RequestContext, @Args('input') input: { experimentId?: string; seed?: number; iterations?: number; curriculum?: string; replay?: string } | undefined) {
    const { runId } = await requireLoop(this.deps).startRun({ team: ctx.caller.team, ...stripNulls(input ?? {}) });
    return runOrPending(this.runs, ctx.caller.team, runId, input?.experimentId ?? undefined);
  }

  @Mutation('replayRun')
  async replayRun(@Context() ctx: RequestContext, @Args('id') id: string, @Args('verify') verify: boolean) {
    if (verify === false) throw badInput('replayRun only verifies for now: pass verify: true (or omit it)');
    return requireLoop(this.deps).replayRun(ctx.caller.team, id);
  }

  @Mutation('forkRun')
  async forkRun(@Context() ctx: RequestContext, @Args('id') id: string, @Args('atOffset') atOffset: number, @Args('curriculum') curriculum: string) {
    if (!Number.isInteger(atOffset) || atOffset < 0) throw badInput(`atOffset must be a non-negative integer, got ${atOffset}`);
    const { runId } = await requireLoop(this.deps).forkRun(ctx.caller.team, id, atOffset, curriculum);
    return runOrPending(this.runs, ctx.caller.team, runId, undefined, id, atOffset);
  }
}

// Helpers live outside the class: in schema-first mode every method of a resolver class is bound as a field.
function requireLoop(deps: ApiDependencies): LoopControl {
  if (!deps.loop) throw new UsageError('this API process runs no training loop; start runs through `xp up` or the loop services');
  return deps.loop;
}

/** The run as projected, or what is known of it while its first events are on their way to the analytics store. */
async function runOrPending(runs: RunsRepository, team: string, runId: string, experimentId?: string, parentRunId?: string, forkedAtOffset?: number) {
  const row = await runs.byId(team, runId);
  if (row) return toRun(row);
  return { id: runId, team, experimentId: experimentId ?? 'default', status: 'RUNNING', parentRunId: parentRunId ?? null, forkedAtOffset: forkedAtOffset ?? null };
}

function stripNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}
