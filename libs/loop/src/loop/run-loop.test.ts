/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { SchemaRegistry, type XpEvent } from '@xp/events';
import { hashCanonical } from '../canonical-hash';
import { openTempLog, SMALL_LOOP, type TempLog } from '../testing/loop-fixtures';
import { readRunEvents } from './run-history';
import { runLoop } from './run-loop';

/** Every decision's output hash and every checkpoint's sha256, in log order. */
function fingerprint(events: XpEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.type === 'curriculum.decided' || e.type === 'replay.batch') return [`${e.type}:${e.payload.outputHash}`];
    if (e.type === 'model.updated') return [`checkpoint:${e.payload.sha256}`];
    if (e.type === 'sample.generated') return [`sample:${hashCanonical([e.payload.seed, e.payload.output])}`];
    return [];
  });
}

describe('runLoop', () => {
  let temp: TempLog;
  beforeEach(async () => {
    temp = await openTempLog();
  });
  afterEach(async () => {
    await temp.dispose();
  });

  it('learns: held-out pass@1 after a short loop is clearly above the first checkpoint', async () => {
    const progress: string[] = [];
    const result = await runLoop({
      log: temp.log, dataDir: temp.dir, runId: 'learn', seed: 7, iterations: 6, onProgress: (p) => progress.push(`${p.iteration}:${p.stage}`),
    });
    const last = result.iterations.at(-1)!;
    expect(result.baseline!.passAt1).toBeLessThan(0.06);
    expect(last.heldOutPassAt1).toBeGreaterThan(result.baseline!.passAt1 + 0.15);
    expect(last.trainPassRate).toBeGreaterThan(result.iterations[0].trainPassRate);
    expect(result.iterations.map((m) => m.iteration)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress).toContain('3:training');
    expect(progress.at(-1)).toBe('6:done');
  });

  it('is deterministic: the same seed gives the same decisions and byte-identical checkpoints', async () => {
    const options = { log: temp.log, dataDir: temp.dir, seed: 11, iterations: 3, config: SMALL_LOOP };
    const a = await runLoop({ ...options, runId: 'same-a' });
    const b = await runLoop({ ...options, runId: 'same-b' });
    const other = await runLoop({ ...options, runId: 'other', seed: 12 });
    const fa = fingerprint((await readRunEvents(temp.log, 'same-a')).map((e) => e.event));
    const fb = fingerprint((await readRunEvents(temp.log, 'same-b')).map((e) => e.event));
    expect(fa.length).toBeGreaterThan(20);
    expect(fb).toEqual(fa);
    expect(b.finalCheckpoint.sha256).toBe(a.finalCheckpoint.sha256);
    expect(other.finalCheckpoint.sha256).not.toBe(a.finalCheckpoint.sha256);
  });

  it('writes only events that satisfy their schemas, and records the run as finished', async () => {
    await runLoop({ log: temp.log, dataDir: temp.dir, runId: 'valid', seed: 3, iterations: 2, curriculum: 'success-band', replay: 'reshuffle', config: SMALL_LOOP });
    const events = (await readRunEvents(temp.log, 'valid')).map((e) => e.event);
    const registry = new SchemaRegistry();
    const invalid = events.map((e) => registry.validate(e)).filter((r) => !r.ok);
    expect(invalid).toEqual([]);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['run.started', 'problem.registered', 'sample.generated', 'sample.verified', 'reward.assigned',
      'curriculum.decided', 'replay.batch', 'model.updated', 'evaluation.completed', 'run.finished']) {
      expect(types).toContain(type);
    }
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', payload: { status: 'succeeded', iterations: 2 } });
    // Evaluation attempts, and only they, are on held-out problems and say so; each has its verdict beside it.
    const heldOut = new Set(events.flatMap((e) => (e.type === 'problem.registered' && e.payload.split === 'heldout' ? [e.payload.problemId] : [])));
    const samples = events.flatMap((e) => (e.type === 'sample.generated' ? [e.payload] : []));
    const evaluation = samples.filter((p) => p.purpose === 'evaluation');
    expect(evaluation.length).toBeGreaterThan(0);
    expect(samples.filter((p) => heldOut.has(p.problemId))).toEqual(evaluation);
    const verified = new Set(events.flatMap((e) => (e.type === 'sample.verified' ? [e.payload.sampleId] : [])));
    expect(evaluation.every((p) => verified.has(p.sampleId))).toBe(true);
    const batches = events.filter((e) => e.type === 'replay.batch');
    expect(batches.every((e) => e.type === 'replay.batch' && e.payload.strategy === 'reshuffle' && e.payload.epoch !== undefined)).toBe(true);
  });

  it('refuses to start a run id that already has events', async () => {
    await runLoop({ log: temp.log, dataDir: temp.dir, runId: 'taken', seed: 1, iterations: 0, config: SMALL_LOOP });
    await expect(runLoop({ log: temp.log, dataDir: temp.dir, runId: 'taken', seed: 1, iterations: 0, config: SMALL_LOOP }))
      .rejects.toThrow(/already has events/);
  });
});
