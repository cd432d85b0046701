import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, tempDir, xp } from '../support/cli';

const BIN = join(REPO_ROOT, 'services/cli/bin/xp.js');
const EXAMPLE = join(REPO_ROOT, 'clients/python/examples/expert_iteration.py');

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/**
 * A training loop in Python (clients/python/examples/expert_iteration.py) driven by xp up's curriculum
 * and replay services: it learns, every decision is xp's, the run replays identical, and a trainer
 * killed mid-iteration and started again leaves each sample in the projections once.
 */
describe('bring your own loop: the Python example against xp up', () => {
  const dir = tempDir('xp-external-');
  const env = { ...process.env, XP_DATA_DIR: join(dir, 'data'), XP_SPOOL_DIR: join(dir, 'spool') };
  const port = 4900 + Math.floor(Math.random() * 300);
  const url = `http://127.0.0.1:${port}`;
  let up: ChildProcess;
  let key: string;

  const example = (runId: string) => ['--url', url, '--key', key, '--iterations', '3', '--seed', '1', '--run-id', runId, '--workdir', join(dir, 'work'), '--json'];
  const records = (runId: string) => xp(['events', '--run', runId, '--json'], { env }).stdout.trim().split('\n').map((l) => JSON.parse(l));
  const events = (runId: string) => records(runId).map((r) => r.event);

  beforeAll(async () => {
    key = xp(['keys', 'create', '--team', 'default'], { env }).stdout.trim().split('\n').pop()!;
    up = spawn(process.execPath, [BIN, 'up', '--port', String(port)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    up.stderr?.on('data', () => undefined);
    await until(async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined), 'xp up');
  });
  afterAll(async () => {
    up.kill('SIGTERM');
    await exited(up);
  });

  it('learns under xp\'s success-band curriculum and prioritized replay, and replays identical', () => {
    const result = spawnSync('python3', [EXAMPLE, ...example('example-run')], { env, encoding: 'utf8', timeout: 120_000 });
    expect(result.stderr).toMatch(/iteration 3: held-out pass@1/);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report.runId).toBe('example-run');
    expect(report.iterations.map((i: { iteration: number }) => i.iteration)).toEqual([0, 1, 2, 3]);
    const [first, last] = [report.iterations[0].heldOutPassAt1, report.iterations.at(-1).heldOutPassAt1];
    expect(last).toBeGreaterThan(first + 0.2);

    const log = events('example-run');
    const decisions = log.filter((e) => ['curriculum.decided', 'replay.batch'].includes(e.type));
    expect(decisions.filter((e) => e.type === 'curriculum.decided')).toHaveLength(3);
    expect(new Set(decisions.map((e) => e.producer))).toEqual(new Set(['xp-loop/curriculum', 'xp-loop/replay']));
    expect(log.find((e) => e.type === 'run.finished')).toMatchObject({ producer: 'xp-loop/runner', payload: { status: 'succeeded', iterations: 3 } });
    expect(xp(['replay', 'example-run', '--verify'], { env }).stdout).toMatch(/^identical \(6 decisions\)/);
  });

  it('forks the run with another curriculum; the trainer attaches to the child and follows its decisions', () => {
    const second = records('example-run').filter((r) => r.event.type === 'curriculum.decided')[1];
    const fork = xp(['fork', 'example-run', '--at', String(second.offset), '--curriculum', 'drop-solved', '--iterations', '1', '--json'], { env });
    expect(fork.status).toBe(0);
    const child = JSON.parse(fork.stdout);
    expect(child).toMatchObject({ parentRunId: 'example-run', firstIteration: 2, curriculum: 'drop-solved' });

    const result = spawnSync('python3', [EXAMPLE, ...example(child.runId)], { env, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!).iterations.map((i: { iteration: number }) => i.iteration)).toEqual([2]);
    const decided = events(child.runId).filter((e) => e.type === 'curriculum.decided');
    expect(decided.map((e) => [e.payload.iteration, e.payload.strategy, e.producer])).toEqual([[2, 'drop-solved', 'xp-loop/curriculum']]);
    expect(xp(['replay', child.runId, '--verify'], { env }).stdout).toMatch(/^identical \(2 decisions\)/);
  });

  it('resumes a trainer killed mid-iteration at the first unfinished iteration, each sample reported once', async () => {
    const killed = spawn('python3', [EXAMPLE, ...example('killed-run'), '--pace', '0.02'], { env, stdio: 'ignore' });
    // Killed once the server holds part of iteration 2's attempts: some sent, some in the spool, some not yet logged.
    await until(async () => {
      const latest = await (await fetch(`${url}/v1/runs/killed-run/decisions/latest`, { headers: { authorization: `Bearer ${key}` } })).json();
      return latest.iteration === 2 && latest.waiting?.stage === 'sampler' && latest.waiting.done >= 20 ? true : undefined;
    }, 'part of iteration 2 reported');
    killed.kill('SIGKILL');
    await exited(killed);
    expect(killed.signalCode).toBe('SIGKILL');

    // `xp runs` reads the log beside the running `xp up`: the killed run waits for its sampler.
    const listed = xp(['runs', '--json'], { env }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(listed.find((r) => r.runId === 'killed-run')).toMatchObject({
      status: 'running', external: true, iteration: 2, waiting: { stage: 'sampler', expected: 192, message: expect.stringMatching(/^waiting for the sampler: \d+ of 192 attempts verified and rewarded$/) },
    });
    expect(listed.find((r) => r.runId === 'example-run')).toMatchObject({ status: 'succeeded', external: true, iteration: 3 });
    expect(xp(['runs'], { env }).stdout).toMatch(/^killed-run +\S+ +running \(external\) +2 +waiting for the sampler: \d+ of 192 attempts/m);

    const rerun = spawnSync('python3', [EXAMPLE, ...example('killed-run')], { env, encoding: 'utf8', timeout: 120_000 });
    expect(rerun.status).toBe(0);
    expect(rerun.stderr).not.toMatch(/iteration [01]:/);
    const resampled = Number(/iteration 2: sampling (\d+) attempts/.exec(rerun.stderr)?.[1]);
    expect(resampled).toBeGreaterThan(0);
    expect(resampled).toBeLessThan(192 - 20);
    const report = JSON.parse(rerun.stdout.trim().split('\n').pop()!);
    expect(report.iterations.map((i: { iteration: number }) => i.iteration)).toEqual([0, 1, 2, 3]);

    const generated = events('killed-run').filter((e) => e.type === 'sample.generated');
    const bySample = new Map<string, Set<string>>();
    for (const e of generated) bySample.set(e.payload.sampleId, (bySample.get(e.payload.sampleId) ?? new Set()).add(e.eventId));
    // Reported again after the restart, a sample carries the same event id, so the projector keeps one row.
    expect([...bySample.values()].filter((ids) => ids.size > 1)).toEqual([]);
    expect(xp(['replay', 'killed-run', '--verify'], { env }).stdout).toMatch(/^identical \(6 decisions\)/);

    up.kill('SIGTERM');
    await exited(up);
    expect(xp(['project'], { env }).status).toBe(0);
    const sql = xp(['sql', "SELECT count() AS rows, uniqExact(sample_id) AS samples FROM samples WHERE run_id = 'killed-run'", '--format', 'JSONEachRow'], { env });
    expect(JSON.parse(sql.stdout)).toEqual({ rows: bySample.size, samples: bySample.size });
  });
});
