/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openAnalyticsStore, PROJECTION_TABLES, type AnalyticsStore } from '@xp/analytics';
import { KafkaEventLog, namespacedLog, TOPICS, type EventLog, type Subscription } from '@xp/event-log';
import { LOOP_SERVICES, loopServiceGroup, readRunEvents, startRunForServices, verifyReplay, waitForRunFinished } from '@xp/loop';
import { caughtUp, rebuildProjections, startProjector } from '@xp/projector';
import { SMALL_LOOP } from '../../libs/loop/src/testing/loop-fixtures';
import { ensureKafkaCluster, killClusterNode, releaseCluster, restartClusterNode, takeCluster, waitForFullReplicas } from '../setup/kafka-cluster';
import { explainFailure, ProcessLogs } from './cluster-diagnostics';

const REPLICA = join(__dirname, 'loop-replica.js');
const SESSION_TIMEOUT_MS = 6000;
const TABLES = [...PROJECTION_TABLES, 'lineage_edges_by_child', 'leaderboard_verdicts', 'leaderboard_rewards', 'projected_events'];
const finished = async (log: EventLog, runId: string) => (await readRunEvents(log, runId)).some((e) => e.event.type === 'run.finished');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** `promise`, or a rejection with `message` after `ms`; the timer does not outlive the promise (jest would wait for it). */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The production shape on the three-broker cluster: two replicas of every loop service as separate
 * processes, two projector instances (group members sharing one analytics store: chDB binds its data
 * to one process, as a ClickHouse server would be shared), and failures while runs are under way.
 */
describe('xp on a three-broker Kafka cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-cluster-'));
  const replicas: ChildProcess[] = [];
  const logs: EventLog[] = [];
  // Topics and groups of this run alone: other tests on the cluster run loop services in the same groups.
  const namespace = `scale-out-${Date.now()}`;
  const projectors: Subscription[] = [];
  let store: AnalyticsStore | undefined;
  let brokers: string[];
  const processes = new ProcessLogs();
  const step = (text: string) => processes.note('test', text);

  beforeAll(async () => {
    brokers = ensureKafkaCluster();
    await takeCluster();
  }, 400000);
  afterAll(async () => {
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(projectors.map((p) => p.stop()));
    await Promise.all(logs.map((l) => l.close()));
    await store?.close();
    await restartClusterNode(2);
    releaseCluster();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async () => {
    const log = namespacedLog(await KafkaEventLog.connect({ brokers, sessionTimeoutMs: SESSION_TIMEOUT_MS }), namespace);
    logs.push(log);
    return log;
  };
  const startReplica = async (holdType?: string) => {
    const child = spawn(process.execPath, [REPLICA, brokers.join(','), namespace, dir, String(SESSION_TIMEOUT_MS), ...(holdType ? [holdType] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const name = `replica-${replicas.length + 1} (pid ${child.pid})`;
    processes.follow(name, child.stderr!);
    child.on('exit', (code, signal) => processes.note(name, `exited (${signal ?? code})`));
    replicas.push(child);
    const started = await Promise.race([
      once(child.stdout!, 'data').then(([chunk]) => (chunk as Buffer).toString()),
      once(child, 'exit').then(([code]) => `exited with ${code} before it was ready`),
    ]);
    expect(started).toContain('ready');
    return child;
  };

  it('finishes runs with a loop replica SIGKILLed mid-decision, a projector stopped and a broker killed mid-run; projections equal a clean rebuild', async () => {
    const log = await connect();
    const groupId = `xp-projector-cluster-${Date.now()}`;
    const runIds: string[] = [];
    const scene = { log, runIds, groups: [...LOOP_SERVICES.map(loopServiceGroup), groupId], processes };
    // Everything under one budget inside the test's timeout: whatever hangs, the scene is printed.
    await explainFailure(scene, () => within(scaleOut(log, groupId, runIds), 270000, 'the scale-out run did not end within 270 s'));
  }, 300000);

  async function scaleOut(log: EventLog, groupId: string, runIds: string[]): Promise<void> {
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store);
    for (let i = 0; i < 2; i++) {
      const onError = (error: unknown, context: { partition: number }) => processes.note(`projector-${i + 1}`, `error on partition ${context.partition}: ${(error as Error)?.stack ?? error}`);
      projectors.push(await startProjector({ log: await connect(), store, groupId, maxWaitMs: 20, onError }));
    }
    step('projectors started');
    // The doomed replica makes its first sampling decision but never appends it: it is SIGKILLed in the middle of it.
    const doomed = await startReplica('sample.generated');
    const holding = new Promise<string>((resolve) => doomed.stdout!.on('data', (chunk: Buffer) => {
      const held = /holding (\S+)/.exec(chunk.toString());
      if (held) resolve(held[1]);
    }));
    await startReplica();
    step('replicas ready');

    // Runs on different partitions, so both replicas hold work.
    for (let i = 0; runIds.length < 3; i++) {
      const runId = `cluster-${Date.now()}-${i}`;
      if (!(await Promise.all(runIds.map((r) => log.partitionFor(TOPICS.events, r)))).includes(await log.partitionFor(TOPICS.events, runId))) runIds.push(runId);
    }
    for (const [i, runId] of runIds.entries()) await startRunForServices({ runId, seed: 50 + i, iterations: 2, config: SMALL_LOOP, log });
    step(`started ${runIds.join(', ')}`);

    // Three runs on three of four partitions, each replica's sampler holding two: the doomed one
    // samples for at least one run, which cannot finish before it is killed.
    const held = await within(holding, 60000, 'replica-1 made no sampling decision within 60 s');
    expect(await finished(log, held)).toBe(false);
    const ours = [TOPICS.events, 'xp.loop.scan-from', '__consumer_offsets'].map((t) => (t.startsWith('__') ? t : `${namespace}.${t}`));
    await waitForFullReplicas(brokers, ours);
    doomed.kill('SIGKILL');
    step(`replica-1 SIGKILLed in the middle of a sampling decision of ${held}; killing broker 2`);
    await killClusterNode(2);
    await projectors.shift()!.stop();
    step('projector-1 stopped');
    await sleep(3000);
    await restartClusterNode(2);
    step('broker 2 restarted');

    const deadline = Date.now() + 120000;
    for (const runId of runIds) {
      expect(await waitForRunFinished(log, runId, { timeoutMs: Math.max(0, deadline - Date.now()), pollMs: 250 })).toMatchObject({ status: 'succeeded', iterations: 2 });
    }
    step('all runs finished');
    for (const runId of runIds) expect(await verifyReplay(log, runId)).toMatchObject({ status: 'identical' });
    await within(caughtUp(log, groupId), 60000, `projector group ${groupId} did not catch up within 60 s`);
    step('replays identical, projector caught up');

    const snapshot = async () => {
      const tables: Record<string, unknown[]> = {};
      for (const table of TABLES) {
        const result = await store!.client.query({ query: `SELECT * FROM ${table} FINAL ORDER BY ALL`, format: 'JSONEachRow' });
        tables[table] = await result.json();
      }
      return tables;
    };
    await Promise.all(projectors.splice(0).map((p) => p.stop()));
    const live = await snapshot();
    expect(live.samples.length).toBeGreaterThan(0);
    await rebuildProjections({ log, store });
    expect(await snapshot()).toEqual(live);
  }
});
