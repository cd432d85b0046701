import { Readable } from 'node:stream';
import { MAX_LINE_BYTES, SchemaRegistry } from '@xp/events';
import { KafkaEventLog, TOPICS } from '@xp/event-log';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestNdjson, ingestValues } from './ingest';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const example = JSON.parse(readFileSync(join(__dirname, '../../../schemas/examples/sample.generated.ndjson'), 'utf8').split('\n')[0]);

/** A schema-valid sample of `runId` with this output, written with \u escapes (6 bytes a character). */
function sample(runId: string, seq: number, output: string): string {
  const event = { ...example, eventId: `0193a1b2-c3d4-7005-8abc-${String(seq).padStart(12, '0')}`, runId, seq, payload: { ...example.payload, output } };
  return JSON.stringify(event).replace('"output":"' + output + '"', '"output":"' + [...output].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('') + '"');
}

describe('ingest into Kafka of an event larger than the topic takes', () => {
  let log: KafkaEventLog;
  const registry = new SchemaRegistry();
  beforeAll(async () => {
    log = await KafkaEventLog.connect({ brokers });
    await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);
  });
  afterAll(() => log.close());

  /** A sample whose line is `bytes` long: its output is 'x's written as \\u escapes (6 bytes each) and plain 'x's. */
  function sampleOfBytes(runId: string, seq: number, bytes: number): string {
    const base = sample(runId, seq, '').length;
    const escaped = Math.floor((bytes - base) / 6);
    const line = sample(runId, seq, 'x'.repeat(escaped)).replace('"output":"', '"output":"' + 'x'.repeat(bytes - base - escaped * 6));
    expect(Buffer.byteLength(line)).toBe(bytes);
    return line;
  }

  async function seqsInLog(runId: string): Promise<number[]> {
    const partition = await log.partitionFor(TOPICS.events, runId);
    const end = (await log.endOffsets(TOPICS.events))[partition];
    const ours = (await log.read(TOPICS.events, partition, Math.max(0, end - 50), 50)).filter((r) => r.key === runId);
    return ours.map((r) => JSON.parse(r.value.toString()).seq);
  }

  it('refuses it over HTTP and GraphQL with its size and the limit, and appends the events around it', async () => {
    const runId = `oversized-values-${Date.now()}`;
    // 10,000 parents of 200 characters: about 2 MB however it is written.
    const big = { ...JSON.parse(sample(runId, 2, 'ok')), parents: Array.from({ length: 10000 }, (_, i) => `${i}`.padEnd(200, 'p')) };
    const values = [JSON.parse(sample(runId, 1, 'ok')), big, JSON.parse(sample(runId, 3, 'ok'))];
    const report = await ingestValues(values, { log, registry });
    expect(report.accepted).toBe(2);
    expect(report.rejected.map((r) => r.line)).toEqual([2]);
    expect(report.rejected[0].issues[0].message).toMatch(/^event is 2,0\d\d,\d\d\d bytes; topic xp\.events takes at most 1,04\d,\d\d\d bytes per record \(its max\.message\.bytes\)$/);
    expect(await seqsInLog(runId)).toEqual([1, 3]);
  });

  it('refuses a line under the line limit that the topic would still refuse', async () => {
    const runId = `oversized-line-${Date.now()}`;
    const lines = [sample(runId, 1, 'ok'), sampleOfBytes(runId, 2, MAX_LINE_BYTES - 10), sample(runId, 3, 'ok')];
    const report = await ingestNdjson(Readable.from([lines.join('\n') + '\n']), { log, registry });
    expect(report.accepted).toBe(2);
    expect(report.rejected.map((r) => r.line)).toEqual([2]);
    expect(report.rejected[0].issues[0].message).toMatch(/^event is 1,048,6\d\d bytes; topic xp\.events takes at most 1,04\d,\d\d\d bytes per record \(its max\.message\.bytes\)$/);
    expect(await seqsInLog(runId)).toEqual([1, 3]);
  });
});
