/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import type { XpEvent } from '@xp/events';
import { ARITHMETIC_BENCHMARK } from '../tasks/arithmetic';
import { MAZE_BENCHMARK } from '../tasks/maze';
import { openTempLog, SMALL_LOOP, tamperingLog, type TempLog } from '../testing/loop-fixtures';
import { readRunEvents } from './run-history';
import { runLoop } from './run-loop';
import { verifyReplay } from './verify-replay';

/** A task-incremental run with reservoir rehearsal and shared inputs: arithmetic for two iterations, then maze. */
describe('a sequential run with reservoir rehearsal', () => {
  let temp: TempLog;
  beforeEach(async () => {
    temp = await openTempLog();
  });
  afterEach(async () => {
    await temp.dispose();
  });

  const run = (runId: string, log = temp.log) =>
    runLoop({
      log, dataDir: temp.dir, runId, seed: 9, iterations: 4,
      config: {
        ...SMALL_LOOP,
        // Eight attempts per problem: with four, this seed's first maze iterations keep no sample to train on.
        attemptsPerProblem: 8,
        // Both families on the same first-layer weights, as bench:continual runs them.
        policy: { sharedInputs: true },
        curriculum: { ...SMALL_LOOP.curriculum, strategy: 'sequential', tasks: [ARITHMETIC_BENCHMARK, MAZE_BENCHMARK], params: { iterationsPerTask: 2, advanceAt: 2 } },
        replay: { ...SMALL_LOOP.replay, strategy: 'reservoir', params: { memorySize: 40, memoryFraction: 0.25 } },
      },
    });

  it('records the task of each decision and the memory positions of each batch, and replays identically', async () => {
    await run('continual');
    const events = (await readRunEvents(temp.log, 'continual')).map((e) => e.event);
    const decisions = events.flatMap((e) => (e.type === 'curriculum.decided' ? [e.payload] : []));
    expect(decisions.map((d) => d.task)).toEqual([ARITHMETIC_BENCHMARK, ARITHMETIC_BENCHMARK, MAZE_BENCHMARK, MAZE_BENCHMARK]);
    for (const d of decisions) expect(d.problemIds.every((id) => id.startsWith(`${d.task}/`))).toBe(true);

    const batches = events.flatMap((e) => (e.type === 'replay.batch' ? [e.payload] : []));
    const benchmarkOf = new Map(events.flatMap((e) => (e.type === 'sample.generated' ? [[e.payload.sampleId, e.payload.problemId.split('/')[0]]] : [])));
    // From iteration 2 on the memory holds earlier samples: 8 of each 32 come from it, from earlier iterations.
    const later = batches.filter((b) => b.iteration >= 2);
    expect(later.length).toBeGreaterThan(0);
    for (const batch of later) {
      expect(batch.fromMemory).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
      for (const position of batch.fromMemory!) expect(Number(batch.sampleIds[position].split('/')[2])).toBeLessThan(batch.iteration);
    }
    // In the first maze iteration the memory is all arithmetic: rehearsal of the first task.
    const mazePhase = later.filter((b) => b.iteration === 3);
    expect(mazePhase.length).toBeGreaterThan(0);
    for (const batch of mazePhase) for (const position of batch.fromMemory!) expect(benchmarkOf.get(batch.sampleIds[position])).toBe(ARITHMETIC_BENCHMARK);

    expect(await verifyReplay(temp.log, 'continual')).toMatchObject({ status: 'identical' });
  });

  it('reports a batch whose memory positions were changed, and a decision whose task was changed', async () => {
    const moved = (event: XpEvent): XpEvent =>
      event.type === 'replay.batch' && event.payload.iteration === 3 && event.payload.batchId.endsWith('/0')
        ? { ...event, payload: { ...event.payload, fromMemory: event.payload.fromMemory!.slice(1) } }
        : event;
    await run('memory-tampered', tamperingLog(temp.log, moved));
    expect(await verifyReplay(temp.log, 'memory-tampered')).toMatchObject({
      status: 'mismatch', mismatch: { kind: 'replay', iteration: 3, decisionId: 'memory-tampered/b/3/0' },
    });

    const relabelled = (event: XpEvent): XpEvent =>
      event.type === 'curriculum.decided' && event.payload.iteration === 2 ? { ...event, payload: { ...event.payload, task: MAZE_BENCHMARK } } : event;
    await run('task-tampered', tamperingLog(temp.log, relabelled));
    expect(await verifyReplay(temp.log, 'task-tampered')).toMatchObject({
      status: 'mismatch', mismatch: { kind: 'curriculum', iteration: 2, decisionId: 'task-tampered/c/2' },
    });
  });
});
