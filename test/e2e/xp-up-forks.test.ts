import { join } from 'node:path';
import { tempDir, xp } from '../support/cli';
import { childProcesses, freePorts, graphqlAt, startXp, stop, waitFor, type XpProcess } from '../support/processes';

/** Everything the test waits for shares this budget; jest's own timeout is above it. */
const BUDGET_MS = 240_000;

/** Forks and runs asked of `xp up`'s API train in `xp fork` / `xp demo` processes of their own, not on the API's event loop. */
describe('forks under xp up', () => {
  const env = { ...process.env, XP_DATA_DIR: join(tempDir('xp-up-forks-'), 'data') };
  const started: XpProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((p) => stop(p, 'SIGKILL')));
  });

  it('run in their own process while the API keeps answering, through GraphQL forkRun and xp fork alike, and so do runs started through the API', async () => {
    const deadline = Date.now() + BUDGET_MS;
    const [port] = await freePorts(1);
    const up = startXp(['up', '--demo', '--iterations', '1', '--port', String(port), '--host', '127.0.0.1'], env);
    started.push(up);
    const key = await waitFor(async () => /dashboard {2}\S+\/#key=(\S+)/.exec(up.stdout())?.[1], 'the banner of xp up', deadline, [up]);
    const parent = /^run (\S+) \(seed/m.exec(up.stdout())![1];
    const parentEvents = xp(['events', '--run', parent, '--json'], { env }).stdout.trim().split('\n').map((line) => JSON.parse(line));
    const atOffset = parentEvents[parentEvents.length - 1].offset + 1;

    const { forkRun } = await graphqlAt(port, key, `mutation { forkRun(id: "${parent}", atOffset: ${atOffset}, curriculum: "uniform") { id parentRunId } }`);
    expect(forkRun.parentRunId).toBe(parent);
    const forkProcess = await waitFor(async () => childProcesses(up.child.pid!).find((c) => c.args.includes(`--run-id ${forkRun.id}`)), 'the fork process', deadline, [up]);
    expect(forkProcess.args).toMatch(new RegExp(` fork ${parent} --at ${atOffset} --curriculum uniform `));
    // While the fork trains, the API answers queries (each within its 10 s timeout).
    let answeredDuringFork = 0;
    while (childProcesses(up.child.pid!).some((c) => c.pid === forkProcess.pid)) {
      const { runs } = await graphqlAt(port, key, '{ runs { id status } }');
      expect(runs.map((r: { id: string }) => r.id)).toContain(parent);
      answeredDuringFork++;
      if (Date.now() > deadline) throw new Error('timed out waiting for the fork process to end');
    }
    expect(answeredDuringFork).toBeGreaterThan(0);
    const child = await waitFor(async () => (await graphqlAt(port, key, `{ run(id: "${forkRun.id}") { status parentRunId forkedAtOffset iterations { iteration } } }`)).run ?? undefined,
      'the fork projected', deadline, [up]);
    await waitFor(async () => ((await graphqlAt(port, key, `{ run(id: "${forkRun.id}") { status } }`)).run.status === 'SUCCEEDED' ? true : undefined), 'the fork succeeded', deadline, [up]);
    expect(child).toMatchObject({ parentRunId: parent, forkedAtOffset: atOffset });

    // xp fork from a shell, beside the running xp up: its projector picks the child up.
    const cli = xp(['fork', parent, '--at', String(atOffset), '--curriculum', 'success-band', '--iterations', '1', '--json'], { env });
    expect(cli.status).toBe(0);
    const summary = JSON.parse(cli.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ parentRunId: parent, forkedAtOffset: atOffset });
    expect(cli.stderr).toContain('the analytics store is in use by a running xp up');
    await waitFor(async () => ((await graphqlAt(port, key, `{ run(id: "${summary.runId}") { status } }`)).run?.status === 'SUCCEEDED' ? true : undefined), 'the CLI fork projected', deadline, [up]);

    // A run started through the API trains in an `xp demo` process of its own as well.
    const { startRun } = await graphqlAt(port, key, 'mutation { startRun(input: { iterations: 1, seed: 5 }) { id } }');
    const runProcess = await waitFor(async () => childProcesses(up.child.pid!).find((c) => c.args.includes(`--run-id ${startRun.id}`)), 'the run process', deadline, [up]);
    expect(runProcess.args).toMatch(/ demo --run-id \S+ --seed 5 --iterations 1 --team default /);
    await waitFor(async () => ((await graphqlAt(port, key, `{ run(id: "${startRun.id}") { status } }`)).run?.status === 'SUCCEEDED' ? true : undefined), 'the started run projected', deadline, [up]);

    expect(await stop(up, 'SIGINT')).toBe(0);
  }, BUDGET_MS + 30_000);
});
