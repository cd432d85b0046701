import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeColumns, migrate, openAnalyticsStore, projectEvents, resultRows, TABLE_COLUMNS, PROJECTION_TABLES, type AnalyticsStore } from '@xp/analytics';
import { EmbeddedEventLog, encodeEvent, KafkaEventLog, TOPICS, type EventLog } from '@xp/event-log';
import { SchemaRegistry, type XpEvent } from '@xp/events';
import { DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_SIZE, PROJECTOR_GROUP, startProjector } from '../projector';
import { percentile, perSecond, printTable } from './bench-report';
import { firstChild, MappedMemorySampler, type MappedMemory } from './mapped-memory';
import { mixedEvents, type MixedEventsOptions } from './mixed-events';

/** The built CLI (`npm run build`); the benchmark ingests through it as a user would. */
const XP_BIN = resolve(__dirname, '../../../cli/bin/xp.js');

/**
 * End-to-end projection benchmark into chDB:
 *   node services/projector/dist/bench/projector-bench.js [--events 1000000] [--batch 20000] [--lag-seconds 15]
 *     [--output-bytes N] [--runs 32] [--no-kafka]
 * `--output-bytes N` makes every sample's output N bytes of text from a seeded word model (LLM-size
 * completions; statements ~500 bytes); `--lag-seconds 0` skips the lag measure.
 * 1. `xp ingest FILE` in its own process feeding the projector running here, until every row is visible,
 *    on the embedded log, then on Kafka when a broker answers at KAFKA_BROKERS (default 127.0.0.1:9092,
 *    `npm run kafka:start`);
 * 2. the projector alone over the full embedded log (full batches), into a second database;
 * 3. in the same process and engine, raw inserts of the same rows, pre-encoded in the projector's
 *    format, same batch size;
 * 4. projection lag (append -> visible) while events arrive at half the end-to-end rate;
 * 5. `xp project` in its own process over a copy of the log, with its peak RSS (and `xp ingest`'s).
 */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'xp-projector-bench-'));
  try {
    const lines = ndjsonLines(args.events, { runs: args.runs, outputBytes: args.outputBytes });
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const megabytes = statSync(file).size / 1e6;
    const mbPerSecond = (ms: number) => `${((megabytes / ms) * 1000).toFixed(1)} MB/s`;
    const open = async (database: string) => {
      const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database });
      await migrate(store);
      return store;
    };
    const logDir = join(dir, 'log-e2e');
    const e2e = await measureEndToEnd(logDir, await open('xp'), file, lines.length, args.batch);
    const kafka = args.kafka ? await measureEndToEndOnKafka(await open('xp_kafka'), file, lines.length, args.batch) : undefined;
    const alone = await measureProjectorAlone(logDir, await open('xp_alone'), lines.length, args.batch);
    const raw = await measureRawInserts(await open('xp_raw'), lines, args.batch);
    const lagRate = Math.round(e2e.eventsPerSecond / 2);
    const noKafka = args.kafka ? kafkaSkipped : 'skipped (--no-kafka)';
    const lag = args.lagSeconds > 0 ? await measureLag(join(dir, 'log-lag'), await open('xp_lag'), lagRate, args.lagSeconds, args.batch) : undefined;
    const cli = await measureProjectCommand(join(dir, 'cli'), file, lines.length);
    const payload = args.outputBytes === undefined ? 'mixed events' : `mixed events with ${args.outputBytes.toLocaleString('en-US')}-byte outputs`;
    printTable(`Projection, embedded log -> chDB, ${args.events.toLocaleString('en-US')} ${payload} (${megabytes.toFixed(1)} MB of NDJSON), batches of ${args.batch.toLocaleString('en-US')}`, [
      ['`xp ingest` (own process), while projecting', `${perSecond(args.events, e2e.ingestMs)}, ${mbPerSecond(e2e.ingestMs)}`],
      ['end to end: `xp ingest` -> rows visible', `${perSecond(args.events, e2e.totalMs)}, ${mbPerSecond(e2e.totalMs)}`],
      ['projector alone over the full log', `${perSecond(args.events, alone.ms)}, ${mbPerSecond(alone.ms)}`],
      ['rows written per event', (raw.rows / args.events).toFixed(2)],
      ['baseline: raw inserts of the same rows', `${perSecond(args.events, raw.insertMs)}, ${mbPerSecond(raw.insertMs)} (${perSecond(raw.rows, raw.insertMs)} rows)`],
      ['ratio end to end / raw inserts', (raw.insertMs / e2e.totalMs).toFixed(2)],
      ['Kafka: `xp ingest --bus kafka` (own process), while projecting', kafka ? perSecond(args.events, kafka.ingestMs) : noKafka],
      ['Kafka: end to end `xp ingest` -> rows visible', kafka ? perSecond(args.events, kafka.totalMs) : noKafka],
      ['Kafka: ratio end to end / raw inserts', kafka ? (raw.insertMs / kafka.totalMs).toFixed(2) : noKafka],
      ['ratio projector alone / raw inserts', (raw.insertMs / alone.ms).toFixed(2)],
      [`lag p50 at ${lagRate.toLocaleString('en-US')} events/s (half of end to end)`, lag ? `${lag.p50} ms` : 'skipped'],
      [`lag p99 at ${lagRate.toLocaleString('en-US')} events/s`, lag ? `${lag.p99} ms` : 'skipped'],
      ['lag: events measured', lag ? lag.events.toLocaleString('en-US') : 'skipped'],
      ['`xp project` (own process, start to exit) over the full log', `${perSecond(args.events, cli.projectMs)}, ${mbPerSecond(cli.projectMs)}`],
      ['peak RSS of `xp project`', megabytesOf(cli.projectPeakKb)],
      ['`xp project` at its sampled peak: RSS / chDB library / log map / the rest', mappedRow(cli.projectMapped)],
      ['floor of `xp project` (chDB library + log map at that peak)', cli.projectMapped ? megabytesOf(cli.projectMapped.chdbLibraryKb + cli.projectMapped.logMapKb) : 'not measured'],
      ['peak RSS of `xp ingest`', megabytesOf(cli.ingestPeakKb)],
      ['embedded log on disk / NDJSON bytes', (cli.logBytes / (megabytes * 1e6)).toFixed(2)],
      ['analytics bytes per sample, compressed: all tables', `${Math.round(cli.storage.total)} B`],
      ['analytics bytes per sample: samples table alone / events table', `${Math.round(cli.storage.samples)} B / ${Math.round(cli.storage.events)} B`],
      ['ratio all tables / samples table', (cli.storage.total / cli.storage.samples).toFixed(2)],
      ...cli.storage.tables.map(([table, bytes]): [string, string] => [`analytics bytes per sample: ${table}`, `${Math.round(bytes)} B`]),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ndjsonLines(count: number, options: MixedEventsOptions): string[] {
  const lines: string[] = [];
  for (const event of mixedEvents(options)) {
    if (lines.length >= count) break;
    lines.push(JSON.stringify(event));
  }
  return lines;
}

async function measureEndToEnd(logDir: string, store: AnalyticsStore, file: string, count: number, batch: number) {
  const log = EmbeddedEventLog.open({ dir: logDir });
  await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);
  const subscription = await startProjector({ log, store, maxBatchSize: batch });
  const started = performance.now();
  const ingest = spawn(process.execPath, [XP_BIN, 'ingest', file, '--data-dir', logDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(ingest, 'exit')) as [number];
  if (code !== 0) throw new Error(`xp ingest exited with ${code}`);
  const ingestMs = performance.now() - started;
  await waitUntilProjected(log, PROJECTOR_GROUP, count);
  const totalMs = performance.now() - started;
  await subscription.stop();
  await log.close();
  await expectVisible(store, count);
  await store.close();
  return { ingestMs, totalMs, eventsPerSecond: (count / totalMs) * 1000 };
}

const kafkaSkipped = 'skipped: no broker (npm run kafka:start)';

/**
 * The same on Kafka: a fresh consumer group that starts at the end of `xp.events` (the topic outlives
 * runs), so only this run's events count.
 */
async function measureEndToEndOnKafka(store: AnalyticsStore, file: string, count: number, batch: number) {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  let log: KafkaEventLog;
  try {
    log = await KafkaEventLog.connect({ brokers, connectionTimeoutMs: 2000 });
    await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);
  } catch {
    await store.close();
    return undefined;
  }
  const groupId = `bench-projector-${Date.now()}`;
  const start = await log.endOffsets(TOPICS.events);
  const subscription = await startProjector({ log, store, groupId, fromBeginning: false, maxBatchSize: batch });
  const started = performance.now();
  const ingest = spawn(process.execPath, [XP_BIN, 'ingest', file, '--bus', 'kafka', '--brokers', brokers.join(',')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(ingest, 'exit')) as [number];
  if (code !== 0) throw new Error(`xp ingest --bus kafka exited with ${code}`);
  const ingestMs = performance.now() - started;
  // Partitions this run did not append to keep no commit of the group: only the others are awaited.
  const targets = await log.endOffsets(TOPICS.events);
  for (;;) {
    const committed = await log.committedOffsets(groupId, TOPICS.events);
    if (targets.every((end, p) => end === start[p] || committed[p] >= end)) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const totalMs = performance.now() - started;
  await subscription.stop();
  await log.close();
  await expectVisible(store, count);
  await store.close();
  return { ingestMs, totalMs };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function measureProjectorAlone(logDir: string, store: AnalyticsStore, count: number, batch: number) {
  const log = EmbeddedEventLog.open({ dir: logDir });
  const groupId = 'bench-projector-alone';
  const started = performance.now();
  const subscription = await startProjector({ log, store, groupId, maxBatchSize: batch });
  await waitUntilProjected(log, groupId, count);
  const ms = performance.now() - started;
  await subscription.stop();
  await log.close();
  await expectVisible(store, count);
  await store.close();
  return { ms };
}

async function expectVisible(store: AnalyticsStore, count: number): Promise<void> {
  const [{ n }] = await (await store.client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })).json<{ n: string }>();
  if (Number(n) !== count) throw new Error(`expected ${count} events visible, found ${n}`);
}

/**
 * The rows the projector wrote, re-derived and encoded outside the clock; only the inserts are timed.
 * Batches are cut as the projector cuts them: at `batch` events or its byte bound, whichever first.
 */
async function measureRawInserts(store: AnalyticsStore, lines: string[], batch: number) {
  let insertMs = 0;
  let rows = 0;
  for (let from = 0, to = 0; from < lines.length; from = to) {
    let bytes = Buffer.byteLength(lines[from]);
    for (to = from + 1; to < lines.length && to - from < batch; to++) {
      bytes += Buffer.byteLength(lines[to]);
      if (bytes > DEFAULT_MAX_BATCH_BYTES) break;
    }
    const events = lines.slice(from, to).map((line, i) => ({ event: JSON.parse(line) as XpEvent, partition: 0, offset: from + i, appendedAt: Date.now() }));
    const projection = projectEvents(events, { sample: () => undefined, problemOf: () => undefined });
    const bodies = PROJECTION_TABLES.filter((table) => projection.rows[table].length > 0).map((table) => {
      rows += projection.rows[table].length;
      return { table, format: 'JSONCompactColumns' as const, columns: TABLE_COLUMNS[table], body: encodeColumns(projection.rows[table], TABLE_COLUMNS[table].length) };
    });
    const started = performance.now();
    await Promise.all(bodies.map((insert) => store.insertEncoded(insert)));
    insertMs += performance.now() - started;
  }
  await store.close();
  return { insertMs, rows };
}

async function measureLag(logDir: string, store: AnalyticsStore, rate: number, seconds: number, batch: number) {
  const log = EmbeddedEventLog.open({ dir: logDir });
  await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);
  const lags: number[] = [];
  const subscription = await startProjector({
    log, store, maxBatchSize: batch,
    onBatch: (records) => {
      const now = Date.now();
      for (const record of records) lags.push(now - record.timestamp);
    },
  });
  const registry = new SchemaRegistry();
  const events = mixedEvents({ seed: 7 });
  const tickMs = 20;
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate) - sent;
    const chunk: XpEvent[] = [];
    for (let i = 0; i < due; i++) {
      const result = registry.validate(events.next().value);
      if (result.ok) chunk.push(result.event);
    }
    if (chunk.length > 0) await log.append(TOPICS.events, chunk.map(encodeEvent));
    sent += due;
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  await waitUntilProjected(log, PROJECTOR_GROUP, sent);
  await subscription.stop();
  await log.close();
  await store.close();
  lags.sort((a, b) => a - b);
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), events: lags.length };
}

async function waitUntilProjected(log: EventLog, groupId: string, expected: number): Promise<void> {
  for (;;) {
    if (sum(await log.committedOffsets(groupId, TOPICS.events)) >= expected) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Where `/usr/bin/time` (GNU time) is, for children's peak RSS; without it the figure is not reported. */
const GNU_TIME = '/usr/bin/time';

/**
 * Runs `xp` with the given arguments in its own process; resolves its peak RSS in KiB when measurable,
 * and what chDB's library and the log's map held at its sampled peak.
 */
async function runXp(args: string[], peakFile: string): Promise<{ peakKb?: number; mapped?: MappedMemory }> {
  const measured = existsSync(GNU_TIME);
  const child = measured
    ? spawn(GNU_TIME, ['-f', '%M', '-o', peakFile, process.execPath, XP_BIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] })
    : spawn(process.execPath, [XP_BIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const sampler = new MappedMemorySampler(() => (measured ? firstChild(child.pid!) : child.pid));
  const [code] = (await once(child, 'exit')) as [number];
  const mapped = sampler.stop();
  if (code !== 0) throw new Error(`xp ${args[0]} exited with ${code}`);
  return { peakKb: measured ? Number(readFileSync(peakFile, 'utf8').trim().split('\n').pop()) : undefined, mapped };
}

/** `xp ingest` then `xp project` as a user runs them, each in its own process; only the projection is timed. */
async function measureProjectCommand(dataDir: string, file: string, count: number) {
  const ingestPeakKb = (await runXp(['ingest', file, '--data-dir', dataDir], join(dataDir, '..', 'ingest.peak'))).peakKb;
  const started = performance.now();
  const project = await runXp(['project', '--data-dir', dataDir], join(dataDir, '..', 'project.peak'));
  const projectMs = performance.now() - started;
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dataDir, 'analytics'), database: 'xp' });
  await expectVisible(store, count);
  const storage = await storedBytes(store);
  await store.close();
  return { projectMs, projectPeakKb: project.peakKb, projectMapped: project.mapped, ingestPeakKb, logBytes: statSync(join(dataDir, 'log', 'data.mdb')).size, storage };
}

/** Compressed bytes of the analytics store per sample: all tables, the samples table alone, and each table of more than a byte. */
async function storedBytes(store: AnalyticsStore): Promise<{ total: number; samples: number; events: number; tables: Array<[string, number]> }> {
  const [row] = await resultRows<{ total: string; samples: string; events: string; n: string }>(await store.client.query({
    query: `SELECT sum(data_compressed_bytes) AS total, sumIf(data_compressed_bytes, table = 'samples') AS samples,
              sumIf(data_compressed_bytes, table = 'events') AS events, (SELECT count() FROM samples) AS n
            FROM system.parts WHERE database = currentDatabase() AND active`,
    format: 'JSONEachRow',
  }));
  const perSample = (bytes: string) => Number(bytes) / Number(row.n);
  const tables = await resultRows<{ table: string; bytes: string }>(await store.client.query({
    query: `SELECT table, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE database = currentDatabase() AND active GROUP BY table ORDER BY bytes DESC`,
    format: 'JSONEachRow',
  }));
  return {
    total: perSample(row.total), samples: perSample(row.samples), events: perSample(row.events),
    tables: tables.map(({ table, bytes }): [string, number] => [table, perSample(bytes)]).filter(([, bytes]) => bytes >= 1),
  };
}

function mappedRow(mapped: MappedMemory | undefined): string {
  if (!mapped) return 'not measured (no /proc)';
  const rest = mapped.rssKb - mapped.chdbLibraryKb - mapped.logMapKb;
  return [mapped.rssKb, mapped.chdbLibraryKb, mapped.logMapKb, rest].map(megabytesOf).join(' / ');
}

function megabytesOf(kib: number | undefined): string {
  return kib === undefined ? `not measured (no ${GNU_TIME})` : `${Math.round(kib / 1024)} MB`;
}

interface BenchArgs {
  events: number;
  batch: number;
  lagSeconds: number;
  runs: number;
  outputBytes?: number;
  kafka: boolean;
}

function parseArgs(argv: string[]): BenchArgs {
  const value = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const outputBytes = argv.includes('--output-bytes') ? value('--output-bytes', 0) : undefined;
  return {
    events: value('--events', 1_000_000),
    batch: value('--batch', DEFAULT_MAX_BATCH_SIZE),
    lagSeconds: value('--lag-seconds', 15),
    runs: value('--runs', 32),
    outputBytes,
    kafka: !argv.includes('--no-kafka'),
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
