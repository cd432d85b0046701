import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAnalyticsStore } from '@xp/analytics';
import { encodeEvent, KafkaEventLog, namespacedLog, TOPICS, type EventLog } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { takeEvents } from '../../services/projector/src/bench/mixed-events';
import { ensureKafkaCluster, killClusterNode, releaseCluster, restartClusterNode, takeCluster, waitForFullReplicas } from '../setup/kafka-cluster';

const PROJECTOR = join(__dirname, 'kafka-projector-process.js');

/** Delays drawn from a seeded generator (mulberry32), so a failing kill schedule can be replayed. */
function seededDelays(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('faults on the three-broker Kafka cluster', () => {
  let brokers: string[];
  let log: KafkaEventLog;
  beforeAll(async () => {
    brokers = ensureKafkaCluster();
    await takeCluster();
    log = await KafkaEventLog.connect({ brokers });
  }, 400000);
  afterAll(async () => {
    await restartClusterNode(1);
    await log?.close();
    releaseCluster();
  });

  it('loses no acknowledged event when a broker is SIGKILLed mid-ingest and restarted', async () => {
    const topic = `xp-cluster-ingest-${Date.now()}`;
    await log.ensureTopics([{ name: topic, partitions: 4 }]);
    const acknowledged = new Set<string>();
    let failed = 0;
    // The broker killed last by another file has caught up (no partition left with one replica in sync).
    await waitForFullReplicas(brokers, [topic, '__consumer_offsets']);
    for (let append = 0; append < 150; append++) {
      if (append === 50) await killClusterNode(1);
      if (append === 120) await restartClusterNode(1);
      const values = Array.from({ length: 100 }, (_, i) => `${append}:${i}`);
      try {
        await log.append(topic, values.map((v) => ({ key: `run-${v.length % 7}-${append % 13}`, value: Buffer.from(v) })));
        for (const v of values) acknowledged.add(v);
      } catch {
        failed++;
      }
    }
    // Right after the restart, offsets may still be answered by a replica catching up: read until nothing is missing, or 30 s.
    const read = new Set<string>();
    const missing = () => [...acknowledged].filter((v) => !read.has(v));
    for (const deadline = Date.now() + 30000; missing().length > 0 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      const ends = await log.endOffsets(topic);
      for (let p = 0; p < ends.length; p++) for (const record of await log.read(topic, p, 0, ends[p])) read.add(record.value.toString());
    }
    expect(acknowledged.size).toBeGreaterThan(10000);
    expect(missing()).toEqual([]);
    expect(failed).toBeLessThan(10);
  }, 120000);

  it('projects every event exactly once with a projector consuming from Kafka SIGKILLed at seeded points', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-cluster-projector-'));
    const groupId = `xp-projector-sigkill-${Date.now()}`;
    // Its own topics: the projector then reads only this test's events, however long the cluster has run.
    const namespace = groupId;
    const own: EventLog = namespacedLog(log, namespace);
    const next = seededDelays(18);
    let child: ChildProcess | undefined;
    const start = async () => {
      const proc = spawn(process.execPath, [PROJECTOR, brokers.join(','), namespace, dir, groupId, String(200 + Math.floor(next() * 600))], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
      expect(chunk.toString()).toContain('ready');
      return proc;
    };
    const kill = async (proc: ChildProcess) => {
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    };
    try {
      // Runs of their own (the run ids carry the group), so this store holds exactly these events.
      const events = takeEvents(8000, { runs: 6, seed: 18 }).map((e) => ({ ...e, runId: `${groupId}-${e.runId}` }) as XpEvent);
      const chunks: XpEvent[][] = [];
      for (let i = 0; i < events.length; i += 2000) chunks.push(events.slice(i, i + 2000));
      chunks.push(events.slice(3000, 4000)); // a slice ingested twice
      const committed = async () => (await own.committedOffsets(groupId, TOPICS.events)).reduce((a, b) => a + b, 0);
      const killedAt: number[] = [];
      for (let life = 0; life < 3; life++) {
        child = await start();
        await own.append(TOPICS.events, chunks.shift()!.map(encodeEvent));
        await new Promise((resolve) => setTimeout(resolve, 100 + next() * 900));
        killedAt.push(await committed());
        await kill(child);
      }
      for (const chunk of chunks) await own.append(TOPICS.events, chunk.map(encodeEvent));
      child = await start();
      const total = (await own.endOffsets(TOPICS.events)).reduce((a, b) => a + b, 0);
      for (const deadline = Date.now() + 90000; (await committed()) < total;) {
        if (Date.now() > deadline) throw new Error(`projector stuck at ${await committed()} of ${total}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await kill(child);
      child = undefined;
      expect(killedAt.some((offset) => offset < total)).toBe(true);

      const store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
      try {
        const result = await store.client.query({
          // The namespace holds this test's runs only; counting them by prefix says so too.
          query: `WITH {prefix:String} AS p SELECT
            (SELECT count() FROM events WHERE startsWith(run_id, p)) AS events,
            (SELECT uniqExact(event_id) FROM events WHERE startsWith(run_id, p)) AS distinct_events,
            (SELECT count() FROM samples WHERE startsWith(run_id, p)) AS samples,
            (SELECT count() FROM rewards WHERE startsWith(run_id, p)) AS rewards,
            (SELECT sum(attempts) FROM leaderboard_verdicts WHERE startsWith(run_id, p)) AS attempts,
            (SELECT sum(rewards) FROM leaderboard_rewards WHERE startsWith(run_id, p)) AS rewarded`,
          query_params: { prefix: `${groupId}-` },
          format: 'JSONEachRow',
        });
        const [row] = await result.json<Record<string, string>>();
        const count = (type: XpEvent['type']) => events.filter((e) => e.type === type).length;
        expect(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]))).toEqual({
          events: events.length, distinct_events: events.length, samples: count('sample.generated'), rewards: count('reward.assigned'),
          attempts: count('sample.verified'), rewarded: count('reward.assigned'),
        });
      } finally {
        await store.close();
      }
    } finally {
      if (child) await kill(child);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180000);
});
