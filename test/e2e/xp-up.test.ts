import { join } from 'node:path';
import { tempDir } from '../support/cli';
import { answersOk, childProcesses, freePorts, graphqlAt, isAlive, startXp, stop, waitFor, type XpProcess } from '../support/processes';

/** Everything the test waits for shares this budget; jest's own timeout is above it. */
const BUDGET_MS = 180_000;

/** `xp up --demo`, as `npm start` and the container image run it, on a data dir of its own. */
describe('xp up --demo', () => {
  const env = { ...process.env, XP_DATA_DIR: join(tempDir('xp-up-'), 'data') };
  const started: XpProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((p) => stop(p, 'SIGKILL')));
  });

  /** Starts `xp up --demo` (one small iteration) and waits for its banner; returns the process and the dashboard key it printed. */
  const up = async (port: number, deadline: number) => {
    const proc = startXp(['up', '--demo', '--iterations', '1', '--port', String(port), '--host', '127.0.0.1'], env);
    started.push(proc);
    const key = await waitFor(async () => /dashboard {2}\S+\/#key=(\S+)/.exec(proc.stdout())?.[1], 'the banner of xp up', deadline, [proc]);
    return { proc, key };
  };
  const runs = (port: number, key: string) => graphqlAt(port, key, '{ runs { id status iterations { iteration } } }').then((data) => data.runs);

  it('runs the demo on a fresh data dir, serves the API and the dashboard, stops on SIGINT, and resumes without running the demo again', async () => {
    const deadline = Date.now() + BUDGET_MS;
    const [port] = await freePorts(1);

    const first = await up(port, deadline);
    expect(first.proc.stderr()).toContain('running a demo expert-iteration experiment');
    const runId = /^run (\S+) \(seed/m.exec(first.proc.stdout())?.[1];
    expect(runId).toBeDefined();
    expect(first.proc.stdout()).toMatch(/^\s+1\s+\d\.\d{3}\s+\d\.\d{3}/m);
    expect(await answersOk(`http://127.0.0.1:${port}/readyz`)).toBe(true);
    // The demo run, read back from the analytics store through the API once the projector has it.
    const demoRun = await waitFor(async () => (await runs(port, first.key)).find((r: { status: string }) => r.status === 'SUCCEEDED'), 'the demo run projected', deadline, [first.proc]);
    expect(demoRun).toEqual({ id: runId, status: 'SUCCEEDED', iterations: [{ iteration: 0 }, { iteration: 1 }] });
    // The dashboard: its page and the script the page loads.
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>xp dashboard');
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`http://127.0.0.1:${port}/${script}`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);

    expect(await stop(first.proc, 'SIGINT')).toBe(0);
    expect(first.proc.stderr()).toContain('stopping');
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();

    const second = await up(port, deadline);
    expect(second.proc.stderr()).not.toContain('running a demo');
    expect(second.proc.stdout()).not.toMatch(/^run \S+ \(seed/m);
    expect(second.key).toBe(first.key);
    expect(await runs(port, second.key)).toEqual([demoRun]);
    expect(await stop(second.proc, 'SIGINT')).toBe(0);
  }, BUDGET_MS + 30_000);

  it('stops cleanly on SIGINT while the demo still trains, its demo process included', async () => {
    const deadline = Date.now() + BUDGET_MS;
    const [port] = await freePorts(1);
    const proc = startXp(['up', '--demo', '--iterations', '20', '--port', String(port), '--host', '127.0.0.1'], { ...env, XP_DATA_DIR: join(tempDir('xp-up-'), 'data') });
    started.push(proc);
    const demo = await waitFor(async () => childProcesses(proc.child.pid!).find((c) => / demo --iterations 20 /.test(c.args)), 'the demo process', deadline, [proc]);
    // The API answers while the demo trains; it is not ready until the demo ended.
    await waitFor(() => answersOk(`http://127.0.0.1:${port}/healthz`), 'the API during the demo', deadline, [proc]);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);

    expect(await stop(proc, 'SIGINT')).toBe(0);
    expect(proc.stderr()).toContain('stopping before the demo ended');
    expect(proc.stdout()).not.toContain('xp is up');
    expect(isAlive(demo.pid)).toBe(false);
  }, BUDGET_MS + 30_000);
});
