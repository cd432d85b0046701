/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import type { Subscription } from '@xp/event-log';
import { readRunEvents } from '../loop/run-history';
import { verifyReplay } from '../loop/verify-replay';
import { startAllServices } from '../services/services-testing';
import { driveRun, EXTERNAL_CONFIG, FakeExternalLoop, sampleAll } from '../testing/external-loop-fixture';
import { openTempLog, tamperingLog, type TempLog } from '../testing/loop-fixtures';
import { forkExternalRun } from './fork-external-run';

describe('an external run driven by the curriculum and replay services', () => {
  let temp: TempLog;
  let services: Subscription[] = [];
  const errors: unknown[] = [];
  beforeEach(async () => {
    temp = await openTempLog();
    errors.length = 0;
  });
  afterEach(async () => {
    await Promise.all(services.map((s) => s.stop()));
    services = [];
    await temp.dispose();
  });

  it('decides from the reported facts, waits visibly, counts re-sent reports once, and replays identical', async () => {
    services = await startAllServices(() => temp.log, temp.dir, [], errors);
    const loop = new FakeExternalLoop(temp.log, 'ext-run');
    await loop.start();
    expect((await loop.feed.latest('default', 'ext-run')).waiting?.message).toBe('waiting for the trainer: no first checkpoint (model.updated) reported yet');
    await loop.append(loop.modelUpdated());
    expect((await loop.feed.latest('default', 'ext-run')).waiting).toMatchObject({ stage: 'evaluator', done: 0, expected: 1 });
    await loop.append(loop.evaluation(0.1));

    const [curriculum] = await loop.next('curriculum.decided', 0);
    expect(curriculum.problems).toHaveLength(4);
    expect(curriculum.problems![0]).toMatchObject({ index: 0, statement: expect.stringMatching(/^is \d+ odd\?$/) });
    expect(curriculum.problems![0].attempts.map((a) => a.sampleId)).toEqual(['ext-run/s/1/0/0', 'ext-run/s/1/0/1']);
    await sampleAll(loop, curriculum, false);
    // A retried POST repeats events under their ids; a restarted sampler reports a sample again under a new id.
    const kept = (await readRunEvents(temp.log, 'ext-run')).filter((e) => e.event.type === 'reward.assigned' && e.event.payload.value > 0);
    const again = kept[0].event.payload as { sampleId: string; problemId: string };
    const [g, v, r] = loop.attempt(again.sampleId, again.problemId, 1, 1, 1, true);
    await loop.append(kept[0].event, g, v, r);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await loop.feed.latest('default', 'ext-run')).waiting?.message).toBe('waiting for the sampler: 7 of 8 attempts verified and rewarded');
    expect((await loop.feed.read('default', 'ext-run', 0)).decisions.map((d) => d.type)).toEqual(['curriculum.decided']);

    const last = curriculum.problems![3];
    await loop.append(loop.attempt(last.attempts[1].sampleId, last.problemId, 1, 1, last.attempts[1].seed, false)[2]);
    const batches = await loop.next('replay.batch', curriculum.offset + 1);
    expect(batches).toHaveLength(2);
    // Every kept sample counts once: priority 1 / (kept samples of its problem)^0.5, normalised.
    const perProblem = new Map<string, number>();
    for (const { event } of kept) perProblem.set((event.payload as { problemId: string }).problemId, (perProblem.get((event.payload as { problemId: string }).problemId) ?? 0) + 1);
    const total = [...perProblem.values()].reduce((sum, n) => sum + n * n ** -0.5, 0);
    for (const sample of batches.flatMap((b) => b.samples!)) {
      expect(sample).toMatchObject({ output: expect.stringMatching(/^answer \d+$/), reward: 1 });
      expect(sample.probability).toBeCloseTo(perProblem.get(sample.problemId)! ** -0.5 / total, 12);
    }

    await loop.append(loop.modelUpdated(batches.map((b) => (b.event.payload as { batchId: string }).batchId)));
    await loop.append(loop.evaluation(0.2));
    const [second] = await loop.next('curriculum.decided', batches.at(-1)!.offset + 1);
    await sampleAll(loop, second);
    const more = await loop.next('replay.batch', second.offset + 1);
    await loop.append(loop.modelUpdated(more.map((b) => (b.event.payload as { batchId: string }).batchId)));
    await loop.append(loop.evaluation(0.3));
    await loop.next('run.finished', more.at(-1)!.offset + 1);

    const events = (await readRunEvents(temp.log, 'ext-run')).map((e) => e.event);
    const producers = new Set(events.filter((e) => e.producer?.startsWith('xp-loop/')).map((e) => `${e.type} ${e.producer}`));
    expect([...producers].sort()).toEqual(['curriculum.decided xp-loop/curriculum', 'replay.batch xp-loop/replay', 'run.finished xp-loop/runner']);
    expect(errors).toEqual([]);
    expect(await verifyReplay(temp.log, 'ext-run')).toEqual({ status: 'identical', runId: 'ext-run', decisionsChecked: 4 });
  }, 60000);

  it('reports a tampered replay decision as the first mismatch', async () => {
    const tampered = tamperingLog(temp.log, (event) => event.type === 'replay.batch' && event.payload.iteration === 2
      ? { ...event, payload: { ...event.payload, probabilities: event.payload.probabilities!.map(() => 0.5) } }
      : event);
    services = await startAllServices((name) => (name === 'replay' ? tampered : temp.log), temp.dir, [], errors);
    const loop = new FakeExternalLoop(temp.log, 'ext-tampered');
    await loop.start();
    await driveRun(loop);
    const report = await verifyReplay(temp.log, 'ext-tampered');
    expect(report).toMatchObject({ status: 'mismatch', decisionsChecked: 3, mismatch: { kind: 'replay', iteration: 2, decisionId: 'ext-tampered/b/2/0' } });
  }, 60000);

  it('refuses an invalid external config with the field that is wrong, and fails only that run', async () => {
    services = await startAllServices(() => temp.log, temp.dir, [], errors);
    const loop = new FakeExternalLoop(temp.log, 'ext-bad');
    await loop.start({ ...EXTERNAL_CONFIG, stages: { sampler: 'external' } });
    await expect(loop.feed.latest('default', 'ext-bad')).rejects.toThrow(/config.stages.trainer must be "external" when any stage is/);
    let finished;
    for (let waited = 0; !finished && waited < 10000; waited += 50) {
      finished = (await readRunEvents(temp.log, 'ext-bad')).find((e) => e.event.type === 'run.finished')?.event;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(finished?.payload).toMatchObject({ status: 'failed', error: expect.stringContaining('config.stages.trainer') });
  }, 60000);

  it('forks an external run with another curriculum: the child\'s next decision follows it, and the child replays identical', async () => {
    services = await startAllServices(() => temp.log, temp.dir, [], errors);
    const parent = new FakeExternalLoop(temp.log, 'ext-parent');
    await parent.start();
    await driveRun(parent);
    const [, second] = (await parent.feed.read('default', 'ext-parent', 0)).decisions.filter((d) => d.type === 'curriculum.decided');
    expect(await forkExternalRun({ log: temp.log, parentRunId: 'ext-parent', atOffset: second.offset, runId: 'ext-child', curriculum: 'drop-solved', iterations: 1 }))
      .toEqual({ runId: 'ext-child', firstIteration: 2 });

    const child = new FakeExternalLoop(temp.log, 'ext-child');
    const [decision] = await child.next('curriculum.decided', 0);
    expect(decision.event.payload).toMatchObject({ decisionId: 'ext-child/c/2', iteration: 2, strategy: 'drop-solved' });
    expect(await child.feed.latest('default', 'ext-child')).toMatchObject({ parentRunId: 'ext-parent', inheritedIteration: 1, iteration: 2 });
    await sampleAll(child, decision);
    const batches = await child.next('replay.batch', decision.offset + 1);
    await child.append(child.modelUpdated(batches.map((b) => (b.event.payload as { batchId: string }).batchId)), child.evaluation(0.5));
    await child.next('run.finished', batches.at(-1)!.offset + 1);
    expect(errors).toEqual([]);
    expect(await verifyReplay(temp.log, 'ext-child')).toEqual({ status: 'identical', runId: 'ext-child', decisionsChecked: 2 });
  }, 60000);
});
