import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { EmbeddedEventLog, TOPICS, type LogMessage } from '@xp/event-log';
import { SchemaRegistry, uuidv7 } from '@xp/events';
import { ingestNdjson } from './ingest';

const example = JSON.parse(readFileSync(resolve(__dirname, '../../../schemas/examples/sample.generated.ndjson'), 'utf8').split('\n')[0]);

/** A sample event whose output is `outputBytes` long. */
function sampleLine(i: number, outputBytes: number): string {
  return JSON.stringify({ ...example, eventId: uuidv7(Date.UTC(2026, 10, 1) + i), seq: i, payload: { ...example.payload, output: `${i} `.padEnd(outputBytes, 'y') } });
}

describe('ingestNdjson', () => {
  let dir: string;
  let log: EmbeddedEventLog;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xp-ingest-'));
    log = EmbeddedEventLog.open({ dir });
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends in chunks bounded by bytes as well as by count, every event in order', async () => {
    const appends: number[] = [];
    const append = log.append.bind(log);
    log.append = (topic: string, messages: LogMessage[]) => {
      appends.push(messages.reduce((sum, m) => sum + m.value.length, 0));
      return append(topic, messages);
    };
    const lines = Array.from({ length: 40 }, (_, i) => sampleLine(i, 10_000));
    const report = await ingestNdjson(Readable.from([lines.join('\n')]), { log, registry: new SchemaRegistry(), chunkBytes: 50_000 });
    expect(report).toEqual({ accepted: 40, rejected: [] });
    expect(appends.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...appends)).toBeLessThan(50_000 + 11_000);
    const partition = await log.partitionFor(TOPICS.events, example.runId);
    const stored = await log.read(TOPICS.events, partition, 0, 100);
    expect(stored.map((r) => r.value.toString())).toEqual(lines);
  });
});
