/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Subscription } from '@xp/event-log';
import { runLoop } from '../loop/run-loop';
import { verifyReplay } from '../loop/verify-replay';
import { openTempLog, SMALL_LOOP, type TempLog } from '../testing/loop-fixtures';
import { startLoopService, type LoopDecision } from './loop-service';
import { comparableRun, startAllServices } from './services-testing';
import { startRunForServices, waitForRunFinished } from './start-run';

const RUN = { runId: 'twin', seed: 11, iterations: 2, curriculum: 'success-band' as const, replay: 'prioritized' as const, config: SMALL_LOOP };

describe('loop services', () => {
  let orchestrated: TempLog;
  let choreographed: TempLog;
  let services: Subscription[] = [];
  beforeEach(async () => {
    orchestrated = await openTempLog();
    choreographed = await openTempLog();
  });
  afterEach(async () => {
    await Promise.all(services.map((s) => s.stop()));
    services = [];
    await orchestrated.dispose();
    await choreographed.dispose();
  });

  it('drive a run to the same events, decision hashes and checkpoints as runLoop, and it replays identically', async () => {
    // Same run id on two logs, checkpoints in one data dir: offsets, ids and artifact paths must agree too.
    await runLoop({ ...RUN, log: orchestrated.log, dataDir: orchestrated.dir });
    const decisions: LoopDecision[] = [];
    const errors: unknown[] = [];
    services = await startAllServices(() => choreographed.log, orchestrated.dir, decisions, errors);
    await startRunForServices({ ...RUN, log: choreographed.log });
    const finished = await waitForRunFinished(choreographed.log, RUN.runId, { timeoutMs: 50000 });

    expect(errors).toEqual([]);
    expect(finished).toMatchObject({ status: 'succeeded', iterations: 2 });
    expect(await comparableRun(choreographed.log, RUN.runId)).toEqual(await comparableRun(orchestrated.log, RUN.runId));
    expect(await verifyReplay(choreographed.log, RUN.runId)).toMatchObject({ status: 'identical' });
    expect(decisions.map((d) => `${d.service}:${d.kind}:${d.iteration}`)).toEqual([
      'trainer:setup:0', 'evaluator:evaluation:0',
      ...[1, 2].flatMap((i) => [`curriculum:curriculum:${i}`, `sampler:sampling:${i}`, `replay:replay:${i}`, `trainer:training:${i}`, `evaluator:evaluation:${i}`]),
      'curriculum:finish:2',
    ]);
  });

  it('end a run with run.finished failed when a decision cannot be made, and go on serving', async () => {
    const { log, dir } = choreographed;
    const setup = new Promise<LoopDecision>((resolve) => {
      void startLoopService('trainer', { log, dataDir: dir, onDecision: resolve }).then((s) => services.push(s));
    });
    await startRunForServices({ ...RUN, runId: 'lost', log });
    await setup;
    rmSync(join(dir, 'checkpoints'), { recursive: true }); // the first checkpoint's file goes missing
    const errors: unknown[] = [];
    services.push(...await Promise.all((['curriculum', 'sampler', 'replay', 'evaluator'] as const).map((name) =>
      startLoopService(name, { log, dataDir: dir, onError: (e) => errors.push(e) }))));
    expect(await waitForRunFinished(log, 'lost', { timeoutMs: 50000 })).toMatchObject({ status: 'failed', iterations: 0, error: expect.stringMatching(/is missing/) });
    expect(errors).toHaveLength(1);

    await startRunForServices({ ...RUN, iterations: 0, runId: 'next', log });
    expect(await waitForRunFinished(log, 'next', { timeoutMs: 50000 })).toMatchObject({ status: 'succeeded', iterations: 0 });
  });

  it('leave runs started by runLoop alone', async () => {
    // The baseline: what runLoop writes with no service listening, taken before the services start.
    await runLoop({ ...RUN, iterations: 1, log: orchestrated.log, dataDir: orchestrated.dir });
    const alone = await comparableRun(orchestrated.log, RUN.runId);
    expect(alone.length).toBeGreaterThan(0);
    services = await startAllServices(() => choreographed.log, orchestrated.dir);
    await runLoop({ ...RUN, iterations: 1, log: choreographed.log, dataDir: orchestrated.dir });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await comparableRun(choreographed.log, RUN.runId)).toEqual(alone);
  });
});
