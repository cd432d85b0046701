/**
 * npm run bench:log -- [--events N] [--skip-kafka] [--output-bytes 4096,16384] [--payload-mb M] [--rounds R]
 * Writes N events (~300 bytes) through each event-log adapter and reads them back, beside same-run
 * baselines: raw LMDB puts/reads for the embedded adapter, the bare kafkajs producer/consumer for Kafka.
 * Then, per output size, M MB of events with LLM-size outputs through each adapter with each codec
 * (`log-payload-bench.ts`); `--output-bytes none` skips that part.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { EventFactory } from '@xp/events';
import { EmbeddedEventLog, KafkaEventLog, encodeEvent, partitionForKey, type EventLog, type LogMessage } from '@xp/event-log';
import { printTable, timed, type BenchRow } from './bench-table';
import { benchPayloads } from './log-payload-bench';
import { rawLmdbRoundTrip } from './raw-lmdb';

const CHUNK = 5000;
const PARTITIONS = 4;

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Realistic sample.generated events spread over 16 runs. */
function makeMessages(count: number): LogMessage[] {
  const factories = Array.from({ length: 16 }, (_, r) => new EventFactory({ team: 'bench', experimentId: 'e1', runId: `run-${r}`, producer: 'b' }));
  return Array.from({ length: count }, (_, i) =>
    encodeEvent(
      factories[i % 16].create('sample.generated', {
        sampleId: `s${i}`,
        problemId: `p${i % 500}`,
        checkpointId: 'c3',
        iteration: 3,
        attempt: i % 8,
        output: '(3+4)*2',
        tokens: 7,
        logprob: -3.25,
        seed: i,
      }),
    ),
  );
}

async function appendAll(log: EventLog, topic: string, messages: LogMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += CHUNK) await log.append(topic, messages.slice(i, i + CHUNK));
}

async function consumeAll(log: EventLog, topic: string, expected: number): Promise<void> {
  let seen = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const subscription = await log.subscribe({
    topic,
    groupId: `bench-${randomUUID()}`,
    handler: async (batch) => {
      seen += batch.length;
      if (seen >= expected) finish();
    },
  });
  await done;
  await subscription.stop();
}

async function benchEmbedded(messages: LogMessage[]): Promise<BenchRow[]> {
  const n = messages.length;
  const raw = await rawLmdbRoundTrip(messages, CHUNK, PARTITIONS);
  const adapterDir = mkdtempSync(join(tmpdir(), 'xp-bench-log-'));
  try {
    const log = EmbeddedEventLog.open({ dir: adapterDir });
    await log.ensureTopics([{ name: 'bench', partitions: PARTITIONS }]);
    const append = await timed(() => appendAll(log, 'bench', messages));
    const consume = await timed(() => consumeAll(log, 'bench', n));
    await log.close();
    return [
      { subject: 'embedded adapter', phase: 'produce', eventsPerSecond: n / append, baseline: 'raw LMDB puts', baselineEventsPerSecond: n / raw.putSeconds, goal: '>= 200,000 events/s' },
      { subject: 'embedded adapter', phase: 'consume', eventsPerSecond: n / consume, baseline: 'raw LMDB range read', baselineEventsPerSecond: n / raw.readSeconds },
    ];
  } finally {
    rmSync(adapterDir, { recursive: true, force: true });
  }
}

async function benchKafka(messages: LogMessage[], brokers: string[]): Promise<BenchRow[]> {
  const n = messages.length;
  const kafka = new Kafka({ clientId: 'xp-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const bareTopic = `bench-bare-${randomUUID()}`;
  const adapterTopic = `bench-adapter-${randomUUID()}`;
  await admin.createTopics({ waitForLeaders: true, topics: [bareTopic, adapterTopic].map((topic) => ({ topic, numPartitions: PARTITIONS })) });

  // The bare client gets the adapter's durability settings (idempotent, acks=all) and codec (lz4, which
  // @xp/event-log registers), so the ratio is the adapter's cost; the codecs' own cost is in the payload table.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const bareProduce = await timed(async () => {
    for (let i = 0; i < n; i += CHUNK) {
      await producer.send({
        topic: bareTopic,
        acks: -1,
        compression: CompressionTypes.LZ4,
        messages: messages.slice(i, i + CHUNK).map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition: partitionForKey(m.key, PARTITIONS) })),
      });
    }
  });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: bareTopic, fromBeginning: true });
  const bareConsume = await timed(
    () =>
      new Promise<void>((resolve) => {
        let seen = 0;
        void consumer.run({
          eachBatch: async ({ batch }) => {
            seen += batch.messages.length;
            if (seen >= n) resolve();
          },
        });
      }),
  );
  await consumer.disconnect();

  const log = await KafkaEventLog.connect({ brokers, compression: 'lz4' });
  const append = await timed(() => appendAll(log, adapterTopic, messages));
  const consume = await timed(() => consumeAll(log, adapterTopic, n));
  await log.close();
  await admin.deleteTopics({ topics: [bareTopic, adapterTopic] }).catch(() => undefined);
  await admin.disconnect();
  return [
    { subject: 'kafka adapter', phase: 'produce', eventsPerSecond: n / append, baseline: 'bare kafkajs producer', baselineEventsPerSecond: n / bareProduce, goal: '>= 0.8x bare' },
    { subject: 'kafka adapter', phase: 'consume', eventsPerSecond: n / consume, baseline: 'bare kafkajs consumer', baselineEventsPerSecond: n / bareConsume, goal: '>= 0.8x bare' },
  ];
}

async function main(): Promise<void> {
  const n = Number(argument('--events') ?? 1_000_000);
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const messages = makeMessages(n);
  const avg = Math.round(messages.reduce((s, m) => s + m.value.length, 0) / n);
  console.log(`event-log benchmark: ${n.toLocaleString('en-US')} events, ${avg} bytes each on average, chunks of ${CHUNK}, ${PARTITIONS} partitions`);
  const rows = await benchEmbedded(messages);
  if (!process.argv.includes('--skip-kafka')) rows.push(...(await benchKafka(messages, brokers)));
  printTable(rows);
  const outputBytes = argument('--output-bytes') ?? '4096,16384';
  if (outputBytes !== 'none') {
    await benchPayloads({
      outputBytes: outputBytes.split(',').map(Number),
      brokers: process.argv.includes('--skip-kafka') ? undefined : brokers,
      jsonBytes: Number(argument('--payload-mb') ?? 64) * 1e6,
      rounds: Number(argument('--rounds') ?? 2),
      append: appendAll,
      consume: consumeAll,
    });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
