import { Controller, Get, Headers, HttpException, HttpStatus, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { XpError } from '@xp/events';
import { API_DEPENDENCIES, type ApiDependencies } from '../api-dependencies';
import { authenticate, UnauthenticatedError } from '../auth/caller';
import type { ShardClaim } from './decision-source';

/** Longest wait of one long poll; an empty answer after it is normal, as with SQS. */
export const MAX_WAIT_SECONDS = 30;

/**
 * GET /v1/runs/{runId}/decisions?after=OFFSET&wait=SECONDS[&shard=S&of=N&worker=W]: NDJSON of an
 * external run's curriculum.decided, replay.batch and run.finished events at offsets >= after, each
 * with what it refers to (statements, seeds, outputs, rewards, probabilities), or 204 when none came
 * within the wait. GET /v1/runs/{runId}/decisions/latest: where a trainer without a cursor resumes.
 */
@Controller('v1/runs')
export class DecisionsController {
  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {}

  @Get(':runId/decisions/latest')
  async latest(@Headers('authorization') authorization: string | undefined, @Param('runId') runId: string): Promise<unknown> {
    const team = this.caller(authorization);
    return this.answer(() => this.source().latest(team, runId));
  }

  @Get(':runId/decisions')
  async decisions(
    @Headers('authorization') authorization: string | undefined,
    @Param('runId') runId: string,
    @Query() query: Record<string, string | undefined>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const team = this.caller(authorization);
    const after = integer(query.after ?? '0', 'after', 0);
    const waitMs = Math.min(integer(query.wait ?? '0', 'wait', 0), MAX_WAIT_SECONDS) * 1000;
    const shard = shardClaim(query);
    const source = this.source();
    // A client that hangs up ends its wait at once.
    const hungUp = new AbortController();
    req.on('close', () => hungUp.abort());
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { decisions, end } = await this.answer(() => source.read(team, runId, after, shard));
      if (decisions.length > 0) {
        res.status(HttpStatus.OK).type('application/x-ndjson').send(decisions.map((d) => `${JSON.stringify(d)}\n`).join(''));
        return;
      }
      // Nothing yet: wait until the run's partition grows (or the wait is over), then read again.
      const moved = await source.waitPast(runId, end, deadline - Date.now(), hungUp.signal);
      if (hungUp.signal.aborted) return;
      if (!moved) {
        const latest = await this.answer(() => source.latest(team, runId));
        if (latest.waiting) res.setHeader('x-xp-waiting', latest.waiting.message);
        res.status(HttpStatus.NO_CONTENT).end();
        return;
      }
    }
  }

  private caller(authorization: string | undefined): string {
    try {
      return authenticate(this.deps.keys, authorization).team;
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw new HttpException({ error: error.message }, HttpStatus.UNAUTHORIZED);
      throw error;
    }
  }

  private source() {
    if (!this.deps.decisions) throw new HttpException({ error: 'this API process delivers no decisions (start it with xp up or xp serve api)' }, HttpStatus.SERVICE_UNAVAILABLE);
    return this.deps.decisions;
  }

  /** The loop's typed errors as HTTP statuses: 404 unknown run, 400 bad request, 409 a shard taken twice. */
  private async answer<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof XpError)) throw error;
      const status = { NOT_FOUND: HttpStatus.NOT_FOUND, USAGE: HttpStatus.BAD_REQUEST, CONFLICT: HttpStatus.CONFLICT }[error.code] ?? HttpStatus.SERVICE_UNAVAILABLE;
      throw new HttpException({ error: error.message, code: error.code }, status);
    }
  }
}

function integer(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new HttpException({ error: `${name} must be a non-negative integer (got '${value}')` }, HttpStatus.BAD_REQUEST);
  return n;
}

function shardClaim(query: Record<string, string | undefined>): ShardClaim | undefined {
  if (query.shard === undefined && query.of === undefined) return undefined;
  if (query.shard === undefined || query.of === undefined || !query.worker) {
    throw new HttpException({ error: 'a shard request needs shard, of and worker (a stable id of the worker, so a restart takes its shard back)' }, HttpStatus.BAD_REQUEST);
  }
  return { shard: integer(query.shard, 'shard', 0), of: integer(query.of, 'of', 1), worker: query.worker };
}
