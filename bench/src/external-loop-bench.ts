/**
 * npm run bench:external-loop -- [--iterations N] [--samples N] [--bytes B] [--repeat N]
 *
 * The stack of `xp up` in this process (embedded log, chDB, projector, API with the decision feed,
 * the curriculum and replay services), then:
 * 1. Decision latency: bench/python/decision_latency.py drives an external run of N iterations with
 *    xp_client and times each decision from the report that completes its inputs to its arrival in
 *    the Python process; beside it, the service's own time to decide (from reading the run to the
 *    append being acknowledged, LoopDecision.ms). Overhead = latency - decide time, per decision, split
 *    at the log's acknowledgements: the report reaching the log (client, HTTP, ingest), the service
 *    picking the run up, and the appended decision reaching the client (long-poll wake-up, read, HTTP).
 * 2. Replay-batch delivery: an external run whose replay decision draws `--samples` samples with
 *    `--bytes`-byte outputs; GET /v1/runs/{id}/decisions of its batches (outputs, rewards and
 *    probabilities, parsed) against the same sampled rows read as `xp sql` reads them (the read-only
 *    SQL path, JSONEachRow, parsed), warm, median of `--repeat`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openAnalyticsStore, readOnlySqlText } from '@xp/analytics';
import { startApiServer } from '@xp/api';
import { ApiKeyStore } from '@xp/auth';
import { AppendSignal, EmbeddedEventLog, encodeEvent, signallingLog, TOPICS, type EventLog } from '@xp/event-log';
import { EventFactory, SchemaRegistry, type EventType, type PayloadByType, type XpEvent } from '@xp/events';
import { DecisionFeed, startLoopService, type LoopDecision } from '@xp/loop';
import { caughtUp, PROJECTOR_GROUP, startProjector } from '@xp/projector';
import { Telemetry } from '@xp/telemetry';

const REPO = join(__dirname, '../..');

function numberArgument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${process.argv[at + 1]}`);
  return value;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const iterations = numberArgument('--iterations', 40);
  const samples = numberArgument('--samples', 2048);
  const bytes = numberArgument('--bytes', 4096);
  const repeat = numberArgument('--repeat', 10);
  const dir = mkdtempSync(join(tmpdir(), 'xp-external-bench-'));
  // As in `xp up`: the services' appends wake the API's long polls in this process.
  const appended = new AppendSignal();
  const log = signallingLog(EmbeddedEventLog.open({ dir: join(dir, 'log') }), appended);
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
  await migrate(store);
  const keys = ApiKeyStore.open(dir);
  const { key } = await keys.create('bench');
  const projector = await startProjector({ log, store });
  const decisions: LoopDecision[] = [];
  const services = await Promise.all((['curriculum', 'replay'] as const).map((name) => startLoopService(name, {
    log, dataDir: dir, onDecision: (d) => decisions.push(d), onError: (error) => console.error(`${name}: ${(error as Error).message}`),
  })));
  const feed = new DecisionFeed(log, { appended });
  // When each record of the event topic was acknowledged, to split a decision's latency at the log.
  const acknowledgedAt = new Map<string, number>();
  appended.listen((topic, positions) => {
    const now = Date.now();
    if (topic === TOPICS.events) for (const { partition, offset } of positions) acknowledgedAt.set(`${partition} ${offset}`, now);
  });
  const server = await startApiServer(
    { log, analytics: store, keys, registry: new SchemaRegistry(), telemetry: new Telemetry(), decisions: feed },
    { port: 0, logger: false },
  );
  try {
    console.log(`decision latency: ${iterations} iterations driven by xp_client (bench/python/decision_latency.py)`);
    // The API answers in this process, so the driver runs alongside it, not blocking it.
    const driver = await runPython([join(REPO, 'bench/python/decision_latency.py'), server.url, key, 'latency-run', String(iterations)], { ...process.env, XP_SPOOL_DIR: join(dir, 'spool'), XP_TEAM: 'bench' });
    const measured = driver.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; iteration: number; ms: number; startedAt: number; arrivedAt: number });
    const partition = await log.partitionFor(TOPICS.events, 'latency-run');
    const watermarks = new Map((await feed.read('bench', 'latency-run', 0)).decisions.map((d) => [d.offset, (d.event.payload as { watermark?: number }).watermark]));
    for (const kind of ['curriculum', 'replay']) {
      const rows = measured.filter((m) => m.kind === kind).map((m) => {
        const decided = decisions.find((d) => d.runId === 'latency-run' && d.kind === kind && d.iteration === m.iteration);
        if (!decided) throw new Error(`no ${kind} decision of iteration ${m.iteration} was recorded`);
        // The report that completed the decision's inputs is the record just below its watermark.
        const reported = acknowledgedAt.get(`${partition} ${watermarks.get(decided.offset)! - 1}`)!;
        const appendedAt = acknowledgedAt.get(`${partition} ${decided.offset}`)!;
        return {
          latency: m.ms, decide: decided.ms, overhead: m.ms - decided.ms,
          toLog: reported - m.startedAt, wake: appendedAt - reported - decided.ms, delivery: m.arrivedAt - appendedAt,
        };
      });
      const column = (pick: (r: (typeof rows)[number]) => number) => `p50 ${fmt(percentile(rows.map(pick), 50))}, p99 ${fmt(percentile(rows.map(pick), 99))}`;
      console.log(`  ${kind.padEnd(10)} (${rows.length}): report -> decision at the client ${column((r) => r.latency)}; service decides in ${column((r) => r.decide)}; overhead ${column((r) => r.overhead)} (goal: p99 <= 50 ms)`);
      console.log(`  ${''.padEnd(10)} overhead by leg: report sent and acknowledged by the log ${column((r) => r.toLog)}; log -> service reading the run ${column((r) => r.wake)}; decision appended -> at the client ${column((r) => r.delivery)}`);
    }

    console.log(`replay-batch delivery: ${samples} sampled rows with ${bytes}-byte outputs`);
    const { runId, after } = await externalRunWithReplay(log, feed, samples, bytes);
    await caughtUp(log, PROJECTOR_GROUP);
    const url = `${server.url}/v1/runs/${runId}/decisions?after=${after}`;
    const deliver = async () => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      const lines = (await response.text()).trim().split('\n').map((l) => JSON.parse(l) as { samples?: unknown[] });
      return lines.reduce((n, d) => n + (d.samples?.length ?? 0), 0);
    };
    const ids = [...new Set((await feed.read('bench', runId, after)).decisions.flatMap((d) => (d.samples ?? []).map((s) => s.sampleId)))];
    const sql = `SELECT s.sample_id, s.problem_id, s.output, r.value AS reward FROM samples AS s INNER JOIN rewards AS r ON r.run_id = s.run_id AND r.sample_id = s.sample_id
      WHERE s.run_id = '${runId}' AND s.sample_id IN (${ids.map((id) => `'${id}'`).join(',')})`;
    const read = async () => (await readOnlySqlText(store, sql, { format: 'JSONEachRow' })).trim().split('\n').map((l) => JSON.parse(l)).length;
    const cold = await timedMs(deliver);
    const delivered: number[] = [];
    const sqlTimes: number[] = [];
    let rows = 0;
    let sampled = 0;
    for (let i = 0; i < repeat; i++) {
      delivered.push(await timedMs(async () => { sampled = await deliver(); }));
      sqlTimes.push(await timedMs(async () => { rows = await read(); }));
    }
    const [d, s] = [percentile(delivered, 50), percentile(sqlTimes, 50)];
    console.log(`  decisions over HTTP (${sampled} sampled rows, outputs, rewards, probabilities): median ${fmt(d)} (${Math.round(sampled / (d / 1000)).toLocaleString('en-US')} rows/s); first, cold ${fmt(cold)}`);
    console.log(`  xp sql of the same ${rows} distinct rows (read-only SQL, JSONEachRow, parsed): median ${fmt(s)} (${Math.round(rows / (s / 1000)).toLocaleString('en-US')} rows/s)`);
    console.log(`  delivery vs xp sql, time for the replay decision's rows: ${(s / d).toFixed(2)}x (goal: >= 0.8x)`);
  } finally {
    await server.close();
    await Promise.all(services.map((service) => service.stop()));
    await projector.stop();
    await keys.close();
    await store.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runPython(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', () => clearTimeout(timer));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${args[0]} exited with ${code}:\n${stderr}`))));
  });
}

async function timedMs(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** An external run with one iteration of `samples` attempts, every one kept, and its replay decision drawn. */
async function externalRunWithReplay(log: EventLog, feed: DecisionFeed, samples: number, bytes: number): Promise<{ runId: string; after: number }> {
  const runId = 'delivery-run';
  const factory = new EventFactory({ team: 'bench', experimentId: 'bench', runId, producer: 'bench-trainer' });
  const event = <T extends EventType>(type: T, payload: PayloadByType[T]) => factory.create(type, payload) as XpEvent;
  const append = async (events: XpEvent[]) => {
    for (let i = 0; i < events.length; i += 1000) await log.append(TOPICS.events, events.slice(i, i + 1000).map(encodeEvent));
  };
  const problems = samples / 4;
  await append([
    event('run.started', {
      seed: 3, codeVersion: 'bench', config: {
        stages: { sampler: 'external', verifier: 'external', trainer: 'external', evaluator: 'external' }, iterations: 1, attemptsPerProblem: 4,
        curriculum: { strategy: 'uniform', problemsPerIteration: problems }, replay: { strategy: 'prioritized', batchSize: 256, batchesPerIteration: samples / 256 },
        triggers: { curriculum: 'model.updated' },
      },
    }),
    ...Array.from({ length: problems }, (_, i) => event('problem.registered', {
      problemId: `p${i}`, benchmark: 'bench', difficulty: 1, split: 'train', statement: `problem ${i}`, source: { kind: 'dataset', dataset: 'bench' },
    })),
    event('model.updated', { checkpointId: 'ckpt-0', parentCheckpointId: null, batchIds: [], step: 0, loss: 0, artifactUri: 'file:///dev/null', sha256: '0'.repeat(64) }),
  ]);
  const curriculum = await waitFor(feed, runId, 0, 'curriculum.decided');
  const output = (id: string) => createHash('sha256').update(id).digest('hex').repeat(Math.ceil(bytes / 64)).slice(0, bytes);
  await append(curriculum.problems!.flatMap((p) => p.attempts.flatMap((a) => [
    event('sample.generated', { sampleId: a.sampleId, problemId: p.problemId, checkpointId: 'ckpt-0', iteration: 1, attempt: a.attempt, output: output(a.sampleId), tokens: bytes / 4, logprob: -1, seed: a.seed }),
    event('sample.verified', { sampleId: a.sampleId, problemId: p.problemId, verifierId: 'bench', verifierVersion: '1', verdict: 'correct' }),
    event('reward.assigned', { sampleId: a.sampleId, problemId: p.problemId, value: 0.5 + (a.attempt % 2) / 2, components: {}, rewardFunction: 'bench', rewardVersion: '1' }),
  ])));
  await waitFor(feed, runId, curriculum.offset + 1, 'replay.batch');
  return { runId, after: curriculum.offset + 1 };
}

async function waitFor(feed: DecisionFeed, runId: string, after: number, type: string) {
  for (;;) {
    const found = (await feed.read('bench', runId, after)).decisions.find((d) => d.type === type);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
