import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { migrate, openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { EmbeddedEventLog, encodeEvent, TOPICS } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { Rng } from '@xp/loop';
import { takeEvents } from './bench/mixed-events';
import { PROJECTOR_GROUP, startProjector } from './projector';
import { projectionDigest } from './testing/projection-digest';

/** The built child entry (npm test builds before testing). */
const CHILD = resolve(__dirname, '../dist/testing/projector-process.js');
const KILLS = 6;
/** Reproduce a failing run with XP_CRASH_SEED=<the seed in its title>. */
const SEED = process.env.XP_CRASH_SEED ? Number(process.env.XP_CRASH_SEED) : Date.now() % 2 ** 31;

interface Life {
  proc: ChildProcess;
  /** Last offset per partition whose batch the child reported written to ClickHouse. */
  written: Map<number, number>;
  /** Resolves once the child printed its n-th `written` line (with HOLD_AFTER_BATCH = n it then stops dead). */
  nthWrite(n: number): Promise<void>;
}

describe('projector killed with SIGKILL at seeded points', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-sigkill-'));
  const log = EmbeddedEventLog.open({ dir });
  const rng = new Rng(SEED);
  let child: ChildProcess | undefined;
  let store: AnalyticsStore | undefined;
  let clean: AnalyticsStore | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await log.close();
    await store?.close();
    await clean?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each life reads with another batch size, so a batch cut short by a kill is delivered again with other boundaries.
  const startChild = async (holdAfterBatch = 0): Promise<Life> => {
    const batchSize = String(rng.intBetween(150, 850));
    const proc = spawn(process.execPath, [CHILD, dir, batchSize, String(holdAfterBatch)], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    let writes = 0;
    const waiting: Array<{ n: number; resolve: () => void }> = [];
    const life: Life = {
      proc,
      written: new Map(),
      nthWrite: (n) => (writes >= n ? Promise.resolve() : new Promise((resolveWrite) => waiting.push({ n, resolve: resolveWrite }))),
    };
    const ready = new Promise<void>((resolveReady, reject) => {
      proc.once('exit', (code) => reject(new Error(`projector exited with ${code} before it was ready`)));
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        if (line === 'ready') resolveReady();
        const [word, partition, offset] = line.split(' ');
        if (word !== 'written') return;
        life.written.set(Number(partition), Number(offset));
        writes++;
        for (const waiter of waiting) if (writes === waiter.n) waiter.resolve();
      });
    });
    await ready;
    return life;
  };
  const kill = async (life: Life) => {
    const exited = once(life.proc, 'exit');
    life.proc.kill('SIGKILL');
    await exited;
    // The readline interface may still hold lines the child wrote just before dying.
    await new Promise((r) => setImmediate(r));
  };
  const committedPerPartition = () => log.committedOffsets(PROJECTOR_GROUP, TOPICS.events);
  const committed = async () => (await committedPerPartition()).reduce((a, b) => a + b, 0);
  const appended = async () => (await log.endOffsets(TOPICS.events)).reduce((a, b) => a + b, 0);
  /** Partitions whose last written batch the log has not committed: the kill fell between a write and its commit. */
  const writtenNotCommitted = async (life: Life) => {
    const offsets = await committedPerPartition();
    return [...life.written].filter(([partition, lastOffset]) => (offsets[partition] ?? 0) <= lastOffset).map(([partition]) => partition);
  };

  it(`leaves every accepted event projected exactly once (XP_CRASH_SEED=${SEED})`, async () => {
    process.stderr.write(`projector-sigkill: XP_CRASH_SEED=${SEED}\n`);
    expect(existsSync(CHILD)).toBe(true);
    // Samples with 4 KB outputs, as LLM completions.
    const events = takeEvents(24_000, { runs: 8, seed: 11, outputBytes: 4096 });
    // A slice appended twice, as when a file is ingested again.
    const chunks: XpEvent[][] = [];
    for (let i = 0; i < events.length; i += 3000) chunks.push(events.slice(i, i + 3000));
    chunks.push(events.slice(5000, 7000));
    await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);

    // At least one life stops dead right after a batch is written, so one kill at least is sure to fall
    // between a ClickHouse write and its commit; the others die at seeded instants.
    const heldLife = rng.int(KILLS);
    const interrupted: number[] = [];
    for (let lifeIndex = 0; lifeIndex < KILLS; lifeIndex++) {
      const holdAfterBatch = lifeIndex === heldLife ? rng.intBetween(1, 3) : 0;
      const life = await startChild(holdAfterBatch);
      const held = holdAfterBatch > 0 ? life.nthWrite(holdAfterBatch) : undefined;
      const chunk = chunks.shift();
      if (chunk) await log.append(TOPICS.events, chunk.map(encodeEvent));
      if (held) await held;
      else await new Promise((r) => setTimeout(r, rng.intBetween(150, 1050)));
      await kill(life);
      const pending = await writtenNotCommitted(life);
      if (held) expect(pending.length).toBeGreaterThan(0);
      if (pending.length > 0) interrupted.push(lifeIndex);
    }
    for (const chunk of chunks) await log.append(TOPICS.events, chunk.map(encodeEvent));
    const last = await startChild();
    const total = await appended();
    for (let waited = 0; (await committed()) < total; waited += 20) {
      if (waited > 90_000) throw new Error(`projector stuck at ${await committed()} of ${total} (XP_CRASH_SEED=${SEED})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await kill(last);
    child = undefined;
    process.stderr.write(`projector-sigkill: lives killed between a write and its commit: ${interrupted.join(', ')} (held: ${heldLife})\n`);
    // The test is only meaningful when a kill left rows in ClickHouse whose offsets were not committed.
    expect(interrupted).toContain(heldLife);

    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    const count = (type: XpEvent['type']) => events.filter((e) => e.type === type).length;
    const result = await store.client.query({
      query: `SELECT
        (SELECT count() FROM events) AS events, (SELECT uniqExact(event_id) FROM events) AS distinct_events,
        (SELECT count() FROM samples) AS samples, (SELECT count() FROM verifications) AS verifications,
        (SELECT count() FROM rewards) AS rewards, (SELECT count() FROM projected_events) AS ledger,
        (SELECT sum(attempts) FROM leaderboard_verdicts) AS attempts, (SELECT sum(rewards) FROM leaderboard_rewards) AS rewarded`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<Record<string, string>>();
    expect(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]))).toEqual({
      events: events.length,
      distinct_events: events.length,
      samples: count('sample.generated'),
      verifications: count('sample.verified'),
      rewards: count('reward.assigned'),
      ledger: events.length,
      attempts: count('sample.verified'),
      rewarded: count('reward.assigned'),
    });

    // Every table, contents included, equal to a projection of the same log that was never interrupted.
    clean = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp_clean' });
    await migrate(clean);
    const cleanGroup = 'clean';
    const cleanRun = await startProjector({ log, store: clean, groupId: cleanGroup, maxWaitMs: 5 });
    try {
      for (let waited = 0; ; waited += 20) {
        const offsets = await log.committedOffsets(cleanGroup, TOPICS.events);
        if (offsets.reduce((a, b) => a + b, 0) >= total) break;
        if (waited > 90_000) throw new Error('clean projection stuck');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await cleanRun.stop();
    }
    const recovered = await projectionDigest(store);
    expect(Object.keys(recovered)).toEqual(expect.arrayContaining(['events', 'samples', 'evaluations', 'rewards', 'leaderboard_rewards']));
    expect(recovered).toEqual(await projectionDigest(clean));
  }, 240_000);
});
