import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedStatement {
  query: string;
  settings: Record<string, string>;
}

/**
 * An HTTP server that answers every request as an empty success and records its statement and
 * settings: what a ClickHouse server receives from `@clickhouse/client`.
 */
export async function recordingServer(): Promise<{ server: Server; url: string; requests: RecordedStatement[] }> {
  const requests: RecordedStatement[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const settings = Object.fromEntries([...url.searchParams].filter(([k]) => !['query', 'database', 'query_id', 'session_id'].includes(k) && !k.startsWith('param_')));
      // A statement comes in the URL when a body carries rows, in the body otherwise.
      requests.push({ query: url.searchParams.get('query') ?? Buffer.concat(chunks).toString('utf8'), settings });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-clickhouse-summary': '{}' }).end('');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
