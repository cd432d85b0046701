import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, tempDir, xp } from '../support/cli';

const BIN = join(REPO_ROOT, 'services/cli/bin/xp.js');
const STAGES = ['curriculum', 'sampler', 'replay', 'trainer', 'evaluator'];

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The production shape on one machine: the API and each loop stage in its own process, sharing the embedded log. */
describe('xp serve: one process per service', () => {
  const dir = tempDir();
  const env = { ...process.env, XP_DATA_DIR: join(dir, 'data') };
  const children: ChildProcess[] = [];
  const port = 4600 + Math.floor(Math.random() * 300);

  afterAll(async () => {
    await Promise.all(
      children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))))),
    );
  });

  it('runs a training run started through the API to the end, driven by the stage services', async () => {
    const created = xp(['keys', 'create', '--team', 'lab'], { env });
    const key = created.stdout.trim().split('\n').pop()!;
    const start = (args: string[]) => {
      const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', () => undefined);
      children.push(child);
    };
    start(['api', '--port', String(port), '--host', '127.0.0.1']);
    STAGES.forEach((stage, i) => start([stage, '--health-port', String(port + 1 + i)]));
    await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 'the API');
    for (let i = 0; i < STAGES.length; i++) {
      await waitFor(async () => ((await fetch(`http://127.0.0.1:${port + 1 + i}/healthz`)).ok ? true : undefined), `${STAGES[i]} health`);
    }

    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'mutation { startRun(input: { iterations: 1, seed: 3 }) { id team status } }' }),
    });
    const { data, errors } = await response.json();
    expect(errors).toBeUndefined();
    expect(data.startRun).toMatchObject({ team: 'lab', status: 'RUNNING' });
    const runId: string = data.startRun.id;

    const types = await waitFor(async () => {
      const events = xp(['events', '--run', runId, '--json'], { env });
      const seen = events.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).event);
      return seen.some((e) => e.type === 'run.finished') ? seen : undefined;
    }, 'run.finished', 240_000);
    expect(types.find((e) => e.type === 'run.finished').payload.status).toBe('succeeded');
    for (const type of ['curriculum.decided', 'sample.generated', 'sample.verified', 'reward.assigned', 'model.updated', 'evaluation.completed']) {
      expect(types.map((e) => e.type)).toContain(type);
    }
    const producers = new Set(types.map((e) => e.producer));
    expect(producers.size).toBeGreaterThanOrEqual(4);
    const replay = xp(['replay', runId, '--verify'], { env });
    expect(replay.stdout).toMatch(/^identical/);
  });
});
