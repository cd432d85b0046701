import { join } from 'node:path';
import { tempDir, xp } from '../support/cli';
import { answersOk, freePorts, startXp, stop, waitFor, type XpProcess } from '../support/processes';

const STAGES = ['curriculum', 'sampler', 'replay', 'trainer', 'evaluator'];
/** Everything the test waits for shares this budget; jest's own timeout is above it, so a slow machine gets the test's message. */
const BUDGET_MS = 300_000;

/** The production shape on one machine: the API and each loop stage in its own process, sharing the embedded log. */
describe('xp serve: one process per service', () => {
  const dir = tempDir();
  const env = { ...process.env, XP_DATA_DIR: join(dir, 'data') };
  const children: XpProcess[] = [];

  afterAll(async () => {
    await Promise.all(children.map((child) => stop(child)));
  });

  it('runs a training run started through the API to the end, driven by the stage services', async () => {
    const deadline = Date.now() + BUDGET_MS;
    const [port, ...healthPorts] = await freePorts(1 + STAGES.length);
    const created = xp(['keys', 'create', '--team', 'lab'], { env });
    const key = created.stdout.trim().split('\n').pop()!;
    const start = (args: string[]) => children.push(startXp(['serve', ...args], env));
    start(['api', '--port', String(port), '--host', '127.0.0.1']);
    STAGES.forEach((stage, i) => start([stage, '--health-port', String(healthPorts[i])]));
    await waitFor(() => answersOk(`http://127.0.0.1:${port}/readyz`), 'the API', deadline, children);
    for (let i = 0; i < STAGES.length; i++) {
      await waitFor(() => answersOk(`http://127.0.0.1:${healthPorts[i]}/healthz`), `${STAGES[i]} health`, deadline, children);
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
    }, 'run.finished', deadline, children);
    expect(types.find((e) => e.type === 'run.finished').payload.status).toBe('succeeded');
    for (const type of ['curriculum.decided', 'sample.generated', 'sample.verified', 'reward.assigned', 'model.updated', 'evaluation.completed']) {
      expect(types.map((e) => e.type)).toContain(type);
    }
    const producers = new Set(types.map((e) => e.producer));
    expect(producers.size).toBeGreaterThanOrEqual(4);
    const replay = xp(['replay', runId, '--verify'], { env });
    expect(replay.stdout).toMatch(/^identical/);
  }, BUDGET_MS + 30_000);
});
