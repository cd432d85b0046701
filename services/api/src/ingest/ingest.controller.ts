import { Readable } from 'node:stream';
import { Controller, Headers, HttpException, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { formatIssue, type ValidationIssue } from '@xp/events';
import { ingestNdjson } from '@xp/ingest';
import { API_DEPENDENCIES, type ApiDependencies } from '../api-dependencies';
import { authenticate, UnauthenticatedError } from '../auth/caller';
import { teamMismatch } from './team-scope';

/**
 * POST /v1/events: an NDJSON body, one event per line. Good lines are appended even when others are
 * bad; the response lists every rejected line with its reasons (400 when any was rejected).
 */
@Controller('v1')
export class IngestController {
  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {}

  @Post('events')
  async ingest(@Headers('authorization') authorization: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    let team: string;
    try {
      team = authenticate(this.deps.keys, authorization).team;
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw new HttpException({ error: error.message }, HttpStatus.UNAUTHORIZED);
      throw error;
    }
    const body = req.body;
    if (!Buffer.isBuffer(body)) {
      throw new HttpException({ error: 'send the events as an NDJSON request body (Content-Type: application/x-ndjson)' }, HttpStatus.BAD_REQUEST);
    }
    const report = await ingestNdjson(Readable.from([body]), {
      log: this.deps.log,
      registry: this.deps.registry,
      admit: (event) => teamMismatch(event, team) ?? this.deps.admitEvent?.(event),
    });
    this.deps.telemetry.eventsIngested.inc({ source: 'http' }, report.accepted);
    this.deps.telemetry.eventsRejected.inc({ source: 'http' }, report.rejected.length);
    const rejected = report.rejected.map((r) => ({ line: r.line, reasons: r.issues.map((i: ValidationIssue) => formatIssue(i)) }));
    res.status(rejected.length > 0 ? HttpStatus.BAD_REQUEST : HttpStatus.OK).json({ accepted: report.accepted, rejected });
  }
}
