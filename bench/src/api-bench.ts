/**
 * npm run bench:api -- [--samples N] [--data-dir DIR] [--iterations N] [--warmup N] [--seed S]
 *
 * Generates N samples (default 10,000,000) with their verdicts, rewards, lineage, replay batches and
 * model updates into a fresh chDB store (seeded, server-side INSERT ... SELECT into the projector's
 * tables, so the materialized views fire as in production), starts the real API on it with a key for
 * one team, and measures p50/p95 latency of a team leaderboard, depth-6 lineage walks and a samples
 * page, each through GraphQL over HTTP and, in the same run, as the bare SQL the resolver runs
 * (recorded from the resolver and replayed through the same @clickhouse/client). `--data-dir`
 * keeps the generated store for later runs; without it the store lives in a temp dir and is removed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { startApiServer, type ApiDependencies, type ApiServer } from '@xp/api';
import { ApiKeyStore } from '@xp/auth';
import { EmbeddedEventLog, encodeEvent, TOPICS } from '@xp/event-log';
import { SchemaRegistry, uuidv7, type XpEvent } from '@xp/events';
import { caughtUp, PROJECTOR_GROUP, ProjectedWrites, startProjector } from '@xp/projector';
import { Telemetry } from '@xp/telemetry';
import { BENCHMARK, dataShape, generateData, idsFor, tableRows, type DataShape } from './api-bench-data';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function numberArgument(name: string, fallback: number): number {
  const raw = argument(name);
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

interface Marker {
  samples: number;
  seed: number;
  generationSeconds: number;
  generatedAt: string;
}

/** Opens (and generates, unless the directory already holds this data set) the benchmark store. */
async function prepareStore(dataDir: string, shape: DataShape): Promise<AnalyticsStore> {
  const markerPath = join(dataDir, 'bench-data.json');
  const store = await openAnalyticsStore({ kind: 'chdb', path: join(dataDir, 'analytics'), database: 'xp' });
  await migrate(store);
  if (existsSync(markerPath)) {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as Marker;
    if (marker.samples !== shape.samples || marker.seed !== shape.seed) {
      await store.close();
      throw new Error(`${dataDir} holds ${marker.samples} samples with seed ${marker.seed}; use another --data-dir for ${shape.samples} with seed ${shape.seed}`);
    }
    console.log(`reusing ${dataDir}: ${marker.samples.toLocaleString('en-US')} samples generated ${marker.generatedAt} in ${marker.generationSeconds.toFixed(1)} s`);
    return store;
  }
  const existing = await tableRows(store);
  if ((existing.samples ?? 0) > 0) {
    await store.close();
    throw new Error(`${dataDir} already holds samples but no bench-data.json; use an empty --data-dir`);
  }
  console.log(
    `generating ${shape.samples.toLocaleString('en-US')} samples: ${shape.teams} teams x ${shape.checkpoints} checkpoints x ` +
      `${shape.problems} problems x ${shape.attempts} attempts (${shape.runsPerTeam} runs per team, seed ${shape.seed}) into ${dataDir}`,
  );
  const report = await generateData(store, shape, (done, total, seconds) => {
    console.log(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} samples, ${seconds.toFixed(1)} s`);
  });
  console.log(`generation took ${report.seconds.toFixed(1)} s`);
  const marker: Marker = { samples: shape.samples, seed: shape.seed, generationSeconds: report.seconds, generatedAt: new Date().toISOString() };
  writeFileSync(markerPath, JSON.stringify(marker, null, 2));
  return store;
}

/** Waits until background merges are done, so every run measures the same, settled parts. */
async function settleMerges(store: AnalyticsStore, maxSeconds = 600): Promise<void> {
  const started = performance.now();
  for (;;) {
    const result = await store.client.query({ query: `SELECT count() AS merges FROM system.merges WHERE database = currentDatabase()`, format: 'JSONEachRow' });
    const [{ merges }] = await result.json<{ merges: string }>();
    if (Number(merges) === 0) break;
    if ((performance.now() - started) / 1000 > maxSeconds) {
      console.log(`  ${merges} merges still running after ${maxSeconds} s; measuring anyway`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const parts = await store.client.query({
    query: `SELECT table, sum(rows) AS row_count, count() AS parts FROM system.parts WHERE database = currentDatabase() AND active
            GROUP BY table ORDER BY row_count DESC`,
    format: 'JSONEachRow',
  });
  const rows = await parts.json<{ table: string; row_count: string; parts: string }>();
  console.log(`tables (rows / active parts), after ${((performance.now() - started) / 1000).toFixed(1)} s waiting for merges:`);
  for (const r of rows) console.log(`  ${r.table.padEnd(24)} ${Number(r.row_count).toLocaleString('en-US').padStart(12)} / ${r.parts}`);
}

interface Recorded {
  query: string;
  query_params?: Record<string, unknown>;
  format?: string;
}

/** Lets the bench see the statements the API sends through the shared client, to replay them bare. */
function recordQueries(store: AnalyticsStore) {
  const client = store.client;
  const original = client.query.bind(client) as (params: Recorded) => Promise<{ text(): Promise<string> }>;
  let recording: Recorded[] | undefined;
  (client as unknown as { query: (params: Recorded) => unknown }).query = (params: Recorded) => {
    recording?.push({ query: params.query, query_params: params.query_params, format: params.format });
    return original(params);
  };
  return {
    async during(work: () => Promise<unknown>): Promise<Recorded[]> {
      recording = [];
      try {
        await work();
        return recording;
      } finally {
        recording = undefined;
      }
    },
    /** Runs each statement and receives its whole result as text (parsing it is left to the GraphQL side). */
    async replay(statements: Recorded[]): Promise<void> {
      for (const s of statements) await (await original(s)).text();
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function postJson(url: string, body: string, key: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Describes a response, e.g. how many rows or nodes it carried. */
  describe(data: any): string;
  goalP95Ms?: number;
  /** Server to send the GraphQL request to (default: the main one). */
  server?: ApiServer;
  /** Runs before each iteration, off the clock. */
  between?: () => Promise<void>;
}

interface Measured {
  name: string;
  graphql: number[];
  bare: number[];
  statements: number;
  bytes: number;
  note: string;
  goalP95Ms?: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function measure(c: Case, main: ApiServer, recordOn: ApiServer, key: string, recorder: ReturnType<typeof recordQueries>, warmup: number, iterations: number): Promise<Measured> {
  const body = JSON.stringify({ query: c.query, variables: c.variables });
  const check = (response: { status: number; text: string }) => {
    const parsed = JSON.parse(response.text) as { data?: unknown; errors?: Array<{ message: string }> };
    if (response.status !== 200 || parsed.errors) throw new Error(`${c.name}: HTTP ${response.status} ${JSON.stringify(parsed.errors)}`);
    return { data: parsed.data, bytes: response.text.length };
  };
  const call = async (server: ApiServer) => check(await postJson(`${server.url}/graphql`, body, key));
  const target = c.server ?? main;
  const statements = await recorder.during(() => call(recordOn));
  const first = await call(target);
  const graphql: number[] = [];
  const bare: number[] = [];
  // GraphQL and bare SQL alternate, so both see the same machine (2 shared cores) at the same time,
  // and take turns going first: the second of a pair finds the engine's caches warmed by the first.
  const timed = async (work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    return performance.now() - t;
  };
  // Both clocks stop when the last byte of the answer is in, as text: parsing the GraphQL answer is
  // the client's work, as parsing the SQL result would be. Every answer is still checked, off the clock.
  const timedCall = async () => {
    let response: { status: number; text: string } | undefined;
    const ms = await timed(async () => (response = await postJson(`${target.url}/graphql`, body, key)));
    check(response!);
    return ms;
  };
  for (let i = 0; i < warmup + iterations; i++) {
    await c.between?.();
    let g: number;
    let b: number;
    if (i % 2 === 0) {
      g = await timedCall();
      b = await timed(() => recorder.replay(statements));
    } else {
      b = await timed(() => recorder.replay(statements));
      g = await timedCall();
    }
    if (i >= warmup) {
      graphql.push(g);
      bare.push(b);
    }
  }
  return { name: c.name, graphql, bare, statements: statements.length, bytes: first.bytes, note: c.describe(first.data), goalP95Ms: c.goalP95Ms };
}

function printResults(results: Measured[]): void {
  const ms = (v: number) => v.toFixed(1);
  const header = ['query', 'GraphQL p50', 'GraphQL p95', 'bare SQL p50', 'bare SQL p95', 'overhead p50', 'SQL stmts', 'goal'];
  const body = results.map((r) => {
    const gp95 = percentile(r.graphql, 95);
    const overhead = percentile(r.graphql, 50) - percentile(r.bare, 50);
    const goals = [r.goalP95Ms !== undefined ? `p95 <= ${r.goalP95Ms} ms: ${gp95 <= r.goalP95Ms ? 'met' : 'MISSED'}` : '', `overhead <= 2 ms: ${overhead <= 2 ? 'met' : 'MISSED'}`];
    return [r.name, ms(percentile(r.graphql, 50)), ms(gp95), ms(percentile(r.bare, 50)), ms(percentile(r.bare, 95)), ms(overhead), String(r.statements), goals.filter(Boolean).join('; ')];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log('\nlatency in ms');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
  console.log('');
  for (const r of results) console.log(`${r.name}: ${r.note}; response ${(r.bytes / 1024).toFixed(1)} KiB`);
}

async function main(): Promise<void> {
  const samples = numberArgument('--samples', 10_000_000);
  const seed = numberArgument('--seed', 42);
  const iterations = numberArgument('--iterations', 200);
  const warmup = numberArgument('--warmup', 20);
  const given = argument('--data-dir');
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'xp-api-bench-'));
  mkdirSync(dataDir, { recursive: true });
  const shape = dataShape(samples, seed);

  const store = await prepareStore(dataDir, shape);
  const log = EmbeddedEventLog.open({ dir: join(dataDir, 'log') });
  const keys = ApiKeyStore.open(dataDir);
  const servers: ApiServer[] = [];
  try {
    await settleMerges(store);
    const ids = idsFor(shape);
    const team = 'alpha';
    const key = (await keys.create(team, 'api-bench')).key;
    const deps: ApiDependencies = { log, analytics: store, keys, registry: new SchemaRegistry(), telemetry: new Telemetry() };
    // The main server caches leaderboards under the projector's committed offsets (its default); the
    // second one does not, so the uncached path is measured too and each case's statements are recorded there.
    const server = await startApiServer(deps, { port: 0, logger: false });
    const uncached = await startApiServer({ ...deps, cacheResults: false }, { port: 0, logger: false });
    servers.push(server, uncached);
    const recorder = recordQueries(store);
    // A projector in this process, as `xp up` runs it; a third server's lineage cache follows its writes.
    const writes = new ProjectedWrites();
    const projector = await startProjector({ log, store, writes, maxWaitMs: 5 });
    const following = await startApiServer({ ...deps, projectedWrites: writes }, { port: 0, logger: false });
    servers.push(following);

    // A checkpoint in the middle of the team's chain (it sampled, was trained on, and has a child).
    const g = Math.floor((shape.checkpoints - 1) / 2);
    const checkpoint = await scalar(store, `SELECT ${ids.checkpoint('0', String(g))}`);
    const runId = await scalar(store, `SELECT ${ids.run('0', String(Math.floor(g / shape.iterationsPerRun)))}`);

    // Limits left out take the API's defaults, as a UI would send; the last case asks for the most.
    const lineageQuery = `query Walk($id: ID!, $direction: Direction!, $depth: Int!, $limit: Int, $fanOut: Int) {
      lineage(id: $id, direction: $direction, depth: $depth, limit: $limit, fanOut: $fanOut) {
        nodes { id kind runId distance omittedParents omittedChildren } edges { parentId childId relation } truncated } }`;
    const describeWalk = (data: any) => {
      const w = data.lineage;
      const deepest = Math.max(...w.nodes.map((n: { distance: number }) => n.distance));
      return `${w.nodes.length} nodes, ${w.edges.length} edges, deepest node at ${deepest} hops, truncated ${w.truncated}`;
    };
    // Another checkpoint of the team samples while the walks run: the projector commits before every iteration.
    let unrelated = 0;
    const commitUnrelatedSample = async () => {
      await log.append(TOPICS.events, [encodeEvent(unrelatedSample(team, `bench-live/s/${unrelated++}`))]);
      await caughtUp(log, PROJECTOR_GROUP, 2);
    };
    const walk = (direction: string, cached: boolean, limits: { limit?: number; fanOut?: number } = {}): Case => ({
      name: `lineage ${direction} depth 6${limits.limit ? ` (limit ${limits.limit}, fanOut ${limits.fanOut})` : ''} (${cached ? 'cached' : 'uncached'})`,
      server: cached ? undefined : uncached,
      query: lineageQuery,
      variables: { id: checkpoint, direction, depth: 6, ...limits },
      describe: describeWalk,
      goalP95Ms: 30,
    });
    const cases: Case[] = [
      {
        name: 'leaderboard pass@8 by checkpoint (cached)',
        query: `query Board($benchmark: String!, $k: Int!) {
          leaderboard(benchmark: $benchmark, metric: PASS_AT_K, k: $k, scope: TEAM, groupBy: CHECKPOINT) {
            rows { rank checkpointId value problems minAttempts solved note } } }`,
        variables: { benchmark: BENCHMARK, k: 8 },
        describe: (data) => `${data.leaderboard.rows.length} rows, best ${data.leaderboard.rows[0]?.checkpointId} at ${data.leaderboard.rows[0]?.value?.toFixed(4)}`,
        goalP95Ms: 50,
      },
      {
        name: 'leaderboard pass@8 by checkpoint (uncached)',
        server: uncached,
        query: `query Board($benchmark: String!, $k: Int!) {
          leaderboard(benchmark: $benchmark, metric: PASS_AT_K, k: $k, scope: TEAM, groupBy: CHECKPOINT) {
            rows { rank checkpointId value problems minAttempts solved note } } }`,
        variables: { benchmark: BENCHMARK, k: 8 },
        describe: (data) => `${data.leaderboard.rows.length} rows, best ${data.leaderboard.rows[0]?.checkpointId} at ${data.leaderboard.rows[0]?.value?.toFixed(4)}`,
        goalP95Ms: 50,
      },
      {
        name: 'leaderboard pass@8, train split, common problems (uncached)',
        server: uncached,
        query: `query Board($benchmark: String!, $k: Int!) {
          leaderboard(benchmark: $benchmark, metric: PASS_AT_K, k: $k, split: TRAIN, commonProblems: true) {
            split commonProblems { kept leftOut } rows { rank checkpointId value problems minAttempts solved note } } }`,
        variables: { benchmark: BENCHMARK, k: 8 },
        describe: (data) => `${data.leaderboard.rows.length} rows on ${data.leaderboard.commonProblems.kept} common problems (${data.leaderboard.commonProblems.leftOut} left out)`,
        goalP95Ms: 50,
      },
      walk('DOWN', true),
      walk('BOTH', true),
      walk('UP', true),
      walk('DOWN', false),
      walk('BOTH', false),
      walk('UP', false),
      walk('BOTH', false, { limit: 5000, fanOut: 5000 }),
      { ...walk('BOTH', true), name: 'lineage BOTH depth 6, projector committing (cache emptied per commit)', between: commitUnrelatedSample },
      {
        ...walk('BOTH', true),
        name: 'lineage BOTH depth 6, projector committing (cache following its writes)',
        server: following,
        between: commitUnrelatedSample,
      },
      {
        name: 'samples page (50, verdict CORRECT)',
        query: `query Page($runId: ID!, $first: Int!) {
          samples(runId: $runId, filter: { verdict: CORRECT }, first: $first) {
            edges { cursor node { id problemId checkpointId iteration attempt output tokens logprob verdict reward occurredAt } }
            pageInfo { hasNextPage endCursor } } }`,
        variables: { runId, first: 50 },
        describe: (data) => `${data.samples.edges.length} samples, hasNextPage ${data.samples.pageInfo.hasNextPage}`,
      },
      {
        name: 'samples browser page (20, held-out, incorrect, every field)',
        query: `query Browse($runId: ID!, $first: Int!) {
          samples(runId: $runId, filter: { verdict: INCORRECT, split: HELDOUT }, first: $first) {
            edges { cursor node { id problemId benchmark checkpointId iteration attempt output tokens logprob split purpose statement
              verdict verifierId verifierVersion verificationDetails reward rewardComponents } }
            pageInfo { hasNextPage endCursor } } }`,
        variables: { runId, first: 20 },
        describe: (data) => `${data.samples.edges.length} samples, hasNextPage ${data.samples.pageInfo.hasNextPage}`,
        goalP95Ms: 100,
      },
    ];
    console.log(`\nteam ${team}; lineage from ${checkpoint} (checkpoint ${g} of ${shape.checkpoints}); samples of ${runId}`);
    console.log(`${warmup} warm-up + ${iterations} measured iterations each, GraphQL and bare SQL alternating`);
    const results: Measured[] = [];
    for (const c of cases) {
      results.push(await measure(c, server, uncached, key, recorder, warmup, iterations));
      console.log(`  ${c.name}: done`);
    }
    printResults(results);
    await projector.stop();
  } finally {
    for (const s of servers) await s.close();
    agent.destroy();
    await keys.close();
    await log.close();
    await store.close();
    if (!given) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A sample of a checkpoint outside the generated data, as the loop would append it. */
function unrelatedSample(team: string, sampleId: string): XpEvent {
  const at = Date.UTC(2026, 11, 1);
  return {
    eventId: uuidv7(at), type: 'sample.generated', schemaVersion: 1, team, experimentId: 'bench-live', runId: 'bench-live', seq: 0,
    producer: 'api-bench', occurredAt: new Date(at).toISOString(), parents: [],
    payload: { sampleId, problemId: 'bench-live/problem', checkpointId: 'bench-live/ckpt', iteration: 1, attempt: 0, output: '1', tokens: 1, logprob: -1, seed: 1 },
  } as XpEvent;
}

async function scalar(store: AnalyticsStore, query: string): Promise<string> {
  const result = await store.client.query({ query, format: 'JSONCompactEachRow' });
  const [[value]] = await result.json<[string]>();
  return value;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
