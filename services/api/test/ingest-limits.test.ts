import { request } from 'node:http';
import { MAX_LINE_BYTES } from '@xp/events';
import { resultRows } from '@xp/analytics';
import { DEFAULT_MAX_INGEST_BYTES } from '../src/api-app';
import { exampleEvents, openApiFixture, type ApiFixture } from './api-fixture';

const FIFTY_MB = 50 * 1024 * 1024;
const PIECE = Buffer.alloc(64 * 1024, 'x');

/**
 * Sends up to 50 MB of body in 64 KiB pieces (announced by Content-Length, or chunked), stopping as
 * soon as the server answers: resolves the status and how many bytes were sent by then.
 */
function postHuge(fx: ApiFixture, announced: boolean): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${fx.url}/v1/events`);
    let sent = 0;
    let answered = false;
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${fx.keys.alpha}`, ...(announced ? { 'content-length': FIFTY_MB } : {}) } },
      (res) => {
        answered = true;
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, sent });
        });
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const write = () => {
      while (!answered && sent < FIFTY_MB) {
        sent += PIECE.length;
        if (!req.write(PIECE)) return void req.once('drain', write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

describe('HTTP ingest limits (default settings)', () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await openApiFixture();
  });
  afterAll(() => fx.dispose());

  it('refuses a 50 MB body announced by Content-Length with 413 before it is sent', async () => {
    const result = await postHuge(fx, true);
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error).toMatch(new RegExp(`over the ${DEFAULT_MAX_INGEST_BYTES}-byte limit`));
    expect(result.sent).toBeLessThan(FIFTY_MB / 2);
  });

  it('refuses a chunked 50 MB body with 413 once the limit is passed, without reading the rest', async () => {
    const result = await postHuge(fx, false);
    expect(result.status).toBe(413);
    expect(result.sent).toBeLessThan(FIFTY_MB);
  });

  it('accepts and projects an event of 1 MB, the per-line limit', async () => {
    const verdict = exampleEvents().find((e) => e.type === 'sample.verified')!;
    const event = { ...verdict, eventId: '0193a1b2-c3d4-7fff-8abc-00000000f1ab', runId: 'run-1mb', payload: { ...verdict.payload, sampleId: 'run-1mb/s/0', details: { value: 7, trace: '' } } };
    const trace = 'lorem ipsum '.repeat(MAX_LINE_BYTES / 12).slice(0, MAX_LINE_BYTES - Buffer.byteLength(JSON.stringify(event)));
    const line = JSON.stringify({ ...event, payload: { ...event.payload, details: { value: 7, trace } } });
    expect(Buffer.byteLength(line)).toBe(MAX_LINE_BYTES);
    const response = await fetch(`${fx.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${fx.keys.alpha}` }, body: `${line}\n` });
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { accepted: 1, rejected: [] } });
    await fx.projected();
    const rows = await resultRows<{ n: number }>(await fx.store.client.query({ query: "SELECT length(JSONExtractString(details, 'trace')) AS n FROM verifications WHERE sample_id = 'run-1mb/s/0'", format: 'JSONEachRow' }));
    expect(rows).toEqual([{ n: trace.length }]);
  });
});
