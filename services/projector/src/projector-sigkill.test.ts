import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { openAnalyticsStore, type AnalyticsStore } from '@xp/analytics';
import { EmbeddedEventLog, encodeEvent, TOPICS } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { takeEvents } from './bench/mixed-events';
import { PROJECTOR_GROUP } from './projector';

/** The built child entry (npm test builds before testing). */
const CHILD = resolve(__dirname, '../dist/testing/projector-process.js');
const KILLS = 6;

describe('projector killed with SIGKILL at random points', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-sigkill-'));
  const log = EmbeddedEventLog.open({ dir });
  let child: ChildProcess | undefined;
  let store: AnalyticsStore | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await log.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each life reads with another batch size, so a batch cut short by a kill is delivered again with other boundaries.
  const startChild = async () => {
    const batchSize = String(150 + Math.floor(Math.random() * 700));
    const proc = spawn(process.execPath, [CHILD, dir, batchSize], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
    expect(chunk.toString()).toContain('ready');
    return proc;
  };
  const kill = async (proc: ChildProcess) => {
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
  };
  const committed = async () => (await log.committedOffsets(PROJECTOR_GROUP, TOPICS.events)).reduce((a, b) => a + b, 0);
  const appended = async () => (await log.endOffsets(TOPICS.events)).reduce((a, b) => a + b, 0);

  it('leaves every accepted event projected exactly once', async () => {
    expect(existsSync(CHILD)).toBe(true);
    // Samples with 4 KB outputs, as LLM completions.
    const events = takeEvents(24_000, { runs: 8, seed: 11, outputBytes: 4096 });
    // A slice appended twice, as when a file is ingested again.
    const chunks: XpEvent[][] = [];
    for (let i = 0; i < events.length; i += 3000) chunks.push(events.slice(i, i + 3000));
    chunks.push(events.slice(5000, 7000));
    await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);

    const kills: number[] = [];
    for (let life = 0; life < KILLS; life++) {
      child = await startChild();
      // Feed while it runs, then kill it mid-batch at a random instant.
      const chunk = chunks.shift();
      if (chunk) await log.append(TOPICS.events, chunk.map(encodeEvent));
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 900));
      kills.push(await committed());
      await kill(child);
    }
    for (const chunk of chunks) await log.append(TOPICS.events, chunk.map(encodeEvent));
    child = await startChild();
    const total = await appended();
    for (let waited = 0; (await committed()) < total; waited += 20) {
      if (waited > 90_000) throw new Error(`projector stuck at ${await committed()} of ${total}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await kill(child);
    child = undefined;
    // Killed while work was left: the test is only meaningful when the kills interrupted projection.
    expect(kills.some((offset) => offset < total)).toBe(true);

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
  }, 180_000);
});
