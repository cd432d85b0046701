import type { NextFunction, Request, Response } from 'express';

/**
 * The raw request body as a Buffer in `req.body`, refused with 413 as soon as it is known to be over
 * `limit` bytes: at once when Content-Length says so, else when the bytes read pass the limit. The
 * rest is never read (express.raw reads a refused body to its end before answering): the answer
 * closes the connection.
 */
export function boundedRawBody(limit: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refuse = () => {
      res.setHeader('connection', 'close');
      res.status(413).json({ error: `request body is over the ${limit}-byte limit; split it into smaller requests` });
      res.once('finish', () => req.socket.destroy());
    };
    if (Number(req.headers['content-length']) > limit) return refuse();
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).pause();
      chunks.length = 0;
      refuse();
    };
    const onEnd = () => {
      req.body = Buffer.concat(chunks, size);
      next();
    };
    req.on('data', onData).on('end', onEnd).once('error', next);
  };
}
