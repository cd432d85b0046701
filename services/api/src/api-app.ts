import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LoggerService } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ApiDependencies } from './api-dependencies';
import { ApiModule } from './app.module';

export const DEFAULT_PORT = 4000;
export const DEFAULT_MAX_INGEST_BYTES = 16 * 1024 * 1024;

export interface ApiServer {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Builds and starts the HTTP server: GraphQL at /graphql, NDJSON ingest at /v1/events (plain or gzip), health and metrics. */
export async function startApiServer(
  deps: ApiDependencies,
  options: { port?: number; host?: string; logger?: LoggerService | false; staticDir?: string } = {},
): Promise<ApiServer> {
  const app = await NestFactory.create(ApiModule.register(deps), { bodyParser: false, logger: options.logger ?? ['error', 'warn'] });
  // Express hashes every body it sends for an ETag; a GraphQL answer is never revalidated, and a
  // lineage of thousands of nodes then costs a megabyte of SHA-1. Static files keep their own ETags.
  (app.getHttpAdapter().getInstance() as express.Express).set('etag', false);
  const limit = deps.maxIngestBytes ?? DEFAULT_MAX_INGEST_BYTES;
  app.use('/v1/events', express.raw({ type: () => true, limit }));
  app.use('/graphql', express.json({ limit: '8mb' }));
  app.use(bodyErrors(limit));
  if (options.staticDir) app.use(express.static(options.staticDir, { index: 'index.html', fallthrough: true }));
  const port = options.port ?? DEFAULT_PORT;
  const host = options.host ?? '127.0.0.1';
  await app.listen(port, host);
  const address = (app.getHttpServer() as Server).address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return { app, url: `http://${host}:${boundPort}`, close: () => app.close() };
}

/**
 * Body-parser failures as JSON with the right status: 413 over the size limit (counted after
 * decompression, so a small gzip body that inflates past it is refused too), 415 for an unknown
 * Content-Encoding, 400 for a body that does not decompress or malformed JSON.
 */
function bodyErrors(limit: number) {
  return (error: { type?: string; status?: number; message?: string; code?: string }, req: Request, res: Response, next: NextFunction) => {
    if (error?.type === 'entity.too.large') {
      res.status(413).json({ error: `request body is over the ${limit}-byte limit (decompressed); split it into smaller requests` });
    } else if (error?.type === 'encoding.unsupported') {
      res.status(415).json({ error: `${error.message}; send the body as is or with Content-Encoding gzip, deflate or br` });
    } else if (typeof error?.code === 'string' && error.code.startsWith('Z_')) {
      res.status(400).json({ error: `request body is not valid ${req.headers['content-encoding']}: ${error.message}` });
    } else if (error?.type === 'entity.parse.failed') {
      res.status(400).json({ error: `request body is not valid JSON: ${error.message}` });
    } else {
      next(error);
    }
  };
}
