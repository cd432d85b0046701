import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT, tempDir, xp } from '../support/cli';
import { answersOk, freePorts, startXp, stop, waitFor, type XpProcess } from '../support/processes';

const EXAMPLE = join(REPO_ROOT, 'clients/python/examples/expert_iteration.py');
/** Everything the test waits for shares this budget; jest's own timeout is above it, so a slow machine gets the test's message. */
const BUDGET_MS = 180_000;

/** Runs the example to its end without blocking the event loop, so the services' exits stay watched. */
function runExample(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('python3', [EXAMPLE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: BUDGET_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Decisions one service process appended, from its own /metrics. */
async function decisionsCounted(healthPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, kind, value] of text.matchAll(/^xp_loop_decisions_total\{[^}]*kind="(\w+)"[^}]*\} (\d+)$/gm)) counts[kind] = Number(value);
  return counts;
}

/**
 * The Python example against the production shape on Kafka: the API, the curriculum service and the
 * replay service each in its own process. Topics and consumer groups carry a prefix of this test's
 * own, so other runs on the shared broker neither see these events nor split these groups.
 */
describe('bring your own loop on Kafka: xp serve curriculum and replay as processes', () => {
  const dir = tempDir('xp-external-kafka-');
  const namespace = `e2e-external-${randomUUID().slice(0, 8)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XP_BUS: 'kafka',
    XP_KAFKA_TOPIC_PREFIX: `${namespace}.`,
    XP_KAFKA_GROUP_PREFIX: `${namespace}-`,
    XP_DATA_DIR: join(dir, 'data'),
    XP_SPOOL_DIR: join(dir, 'spool'),
  };
  const children: XpProcess[] = [];

  afterAll(async () => {
    await Promise.all(children.map((child) => stop(child)));
    // The broker is shared and outlives the test run: leave no topics of this test behind.
    const admin = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${namespace}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } finally {
      await admin.disconnect();
    }
  });

  it('learns, every decision is made by the service processes, and the run replays identical', async () => {
    const deadline = Date.now() + BUDGET_MS;
    const [port, curriculumHealth, replayHealth] = await freePorts(3);
    const key = xp(['keys', 'create', '--team', 'default'], { env }).stdout.trim().split('\n').pop()!;
    const start = (args: string[]) => children.push(startXp(['serve', ...args], env));
    start(['api', '--port', String(port), '--host', '127.0.0.1']);
    start(['curriculum', '--health-port', String(curriculumHealth)]);
    start(['replay', '--health-port', String(replayHealth)]);
    await waitFor(() => answersOk(`http://127.0.0.1:${port}/readyz`), 'the API', deadline, children);
    await waitFor(() => answersOk(`http://127.0.0.1:${curriculumHealth}/healthz`), 'the curriculum service', deadline, children);
    await waitFor(() => answersOk(`http://127.0.0.1:${replayHealth}/healthz`), 'the replay service', deadline, children);

    const runId = `${namespace}-run`;
    const example = runExample(['--url', `http://127.0.0.1:${port}`, '--key', key, '--iterations', '3', '--seed', '1', '--run-id', runId, '--workdir', join(dir, 'work'), '--json'], env);
    // A service that dies meanwhile fails the test at once, with its stderr.
    const result = await waitFor(() => Promise.race([example, new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]), 'the example', deadline, children);
    expect(result.stderr).toMatch(/iteration 3: held-out pass@1/);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report.iterations.map((i: { iteration: number }) => i.iteration)).toEqual([0, 1, 2, 3]);
    expect(report.iterations.at(-1).heldOutPassAt1).toBeGreaterThan(report.iterations[0].heldOutPassAt1 + 0.2);

    const events = xp(['events', '--run', runId, '--json'], { env }).stdout.trim().split('\n').map((l) => JSON.parse(l).event);
    const decisions = events.filter((e) => ['curriculum.decided', 'replay.batch'].includes(e.type));
    expect(decisions.filter((e) => e.type === 'curriculum.decided')).toHaveLength(3);
    expect(new Set(decisions.map((e) => e.producer))).toEqual(new Set(['xp-loop/curriculum', 'xp-loop/replay']));
    expect(events.find((e) => e.type === 'run.finished')).toMatchObject({ payload: { status: 'succeeded', iterations: 3 } });
    // Made by the two service processes, as each counts its own appends: curriculum decisions and the
    // run's end by `xp serve curriculum`, replay batches by `xp serve replay`.
    expect(await decisionsCounted(curriculumHealth)).toEqual({ curriculum: 3, finish: 1 });
    expect(await decisionsCounted(replayHealth)).toEqual({ replay: 3 });

    expect(xp(['replay', runId, '--verify'], { env }).stdout).toMatch(/^identical \(6 decisions\)/);
  }, BUDGET_MS + 30_000);
});
