import type { NextFunction, Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The request body, decompressed per its Content-Encoding (none, gzip, deflate, br), as a Buffer in
 * `req.body`. Refused with 413 as soon as it is known to be over `limit` bytes: at once when
 * Content-Length says so, else when the bytes read (or, compressed, inflated) pass the limit, so a
 * small body that inflates past it is refused too. The rest is never read (express.raw reads a
 * refused body to its end before answering): the answer closes the connection. 415 for an unknown
 * encoding, 400 for a body that does not decompress.
 */
export function boundedRawBody(limit: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const answer = (status: number, error: string) => {
      res.setHeader('connection', 'close');
      res.status(status).json({ error });
      res.once('finish', () => req.socket.destroy());
    };
    const tooLarge = (what: string) => answer(413, `request body is over the ${limit}-byte limit${what}; split it into smaller requests`);
    if (encoding !== 'identity' && !DECODERS[encoding]) {
      return answer(415, `unsupported content encoding "${encoding}"; send the body as is or with Content-Encoding gzip, deflate or br`);
    }
    if (Number(req.headers['content-length']) > limit) return tooLarge('');
    const decoder = encoding === 'identity' ? undefined : DECODERS[encoding]();
    const body: Readable = decoder ? (req.pipe(decoder) as unknown as Readable) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const stop = () => {
      settled = true;
      body.off('data', onData).off('end', onEnd);
      if (decoder) req.unpipe(decoder as unknown as NodeJS.WritableStream);
      req.pause();
      chunks.length = 0;
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      tooLarge(decoder ? ' (decompressed)' : '');
    };
    const onEnd = () => {
      if (settled) return;
      settled = true;
      req.body = Buffer.concat(chunks, size);
      next();
    };
    body.on('data', onData).on('end', onEnd);
    req.once('error', (error) => {
      if (!settled) {
        stop();
        next(error);
      }
    });
    decoder?.once('error', (error: Error) => {
      if (settled) return;
      stop();
      answer(400, `request body is not valid ${encoding}: ${error.message}`);
    });
  };
}
