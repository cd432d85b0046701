/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { DEFAULT_PARTITIONS, encodeEvent, TOPICS } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { hashCanonical } from '../canonical-hash';
import { openTempLog, SMALL_LOOP, tamperingLog, type TempLog } from '../testing/loop-fixtures';
import { forkRun } from './fork-run';
import { readRunEvents } from './run-history';
import { runLoop } from './run-loop';
import { verifyReplay } from './verify-replay';

describe('verifyReplay and forkRun', () => {
  let temp: TempLog;
  beforeEach(async () => {
    temp = await openTempLog();
  });
  afterEach(async () => {
    await temp.dispose();
  });

  const run = (runId: string, log = temp.log) =>
    runLoop({ log, dataDir: temp.dir, runId, seed: 5, iterations: 3, curriculum: 'drop-solved', replay: 'prioritized', config: SMALL_LOOP });

  it('recomputes every decision of an untouched run identically', async () => {
    await run('clean');
    const result = await verifyReplay(temp.log, 'clean');
    expect(result).toMatchObject({ status: 'identical' });
    // Per iteration: curriculum, sampling + judgement (train and eval), replay, training, evaluation.
    expect(result.decisionsChecked).toBeGreaterThanOrEqual(1 + 3 * 8);
  });

  it('reports a deliberately changed curriculum decision with both hashes', async () => {
    const swapped = (event: XpEvent): XpEvent => {
      if (event.type !== 'curriculum.decided' || event.payload.iteration !== 2) return event;
      const problemIds = [...event.payload.problemIds].reverse();
      return { ...event, payload: { ...event.payload, problemIds, outputHash: hashCanonical(problemIds) } };
    };
    await run('tampered', tamperingLog(temp.log, swapped));
    const result = await verifyReplay(temp.log, 'tampered');
    expect(result.status).toBe('mismatch');
    if (result.status !== 'mismatch') return;
    expect(result.mismatch).toMatchObject({ kind: 'curriculum', iteration: 2, decisionId: 'tampered/c/2' });
    expect(result.mismatch.recordedHash).not.toBe(result.mismatch.recomputedHash);
    expect(result.mismatch.recomputedHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports a changed replay batch and a changed answer', async () => {
    const dropped = (event: XpEvent): XpEvent =>
      event.type === 'replay.batch' && event.payload.iteration === 3 && event.payload.batchId.endsWith('/1')
        ? { ...event, payload: { ...event.payload, sampleIds: event.payload.sampleIds.slice(1) } }
        : event;
    await run('replay-tampered', tamperingLog(temp.log, dropped));
    expect(await verifyReplay(temp.log, 'replay-tampered')).toMatchObject({
      status: 'mismatch', mismatch: { kind: 'replay', iteration: 3, decisionId: 'replay-tampered/b/3/1' },
    });

    const changedAnswer = (event: XpEvent): XpEvent =>
      event.type === 'sample.generated' && event.payload.sampleId === 'answer-tampered/s/1/0/0'
        ? { ...event, payload: { ...event.payload, output: `${event.payload.output}U` } }
        : event;
    await run('answer-tampered', tamperingLog(temp.log, changedAnswer));
    expect(await verifyReplay(temp.log, 'answer-tampered')).toMatchObject({
      status: 'mismatch', mismatch: { kind: 'sampling', iteration: 1, decisionId: 'answer-tampered/s/1' },
    });
  });

  it('says a checkpoint recorded without its sha256 cannot be verified, after checking what came before it', async () => {
    await run('unhashed');
    const copy = await openTempLog();
    try {
      // The same log, except that iteration 2's checkpoint leaves out its (optional) sha256.
      const events = (await readRunEvents(temp.log, 'unhashed')).map(({ event }) => {
        if (event.type !== 'model.updated' || !event.payload.batchIds.some((id) => id.startsWith('unhashed/b/2/'))) return event;
        const { sha256, ...unhashed } = event.payload;
        return { ...event, payload: unhashed };
      });
      await copy.log.ensureTopics([{ name: TOPICS.events, partitions: DEFAULT_PARTITIONS }]);
      await copy.log.append(TOPICS.events, events.map(encodeEvent));
      const result = await verifyReplay(copy.log, 'unhashed');
      expect(result).toMatchObject({
        status: 'mismatch',
        mismatch: { kind: 'training', iteration: 2, recordedHash: '(none)', recomputedHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
      if (result.status !== 'mismatch') return;
      expect(result.mismatch.message).toMatch(/records no sha256.*cannot be verified \(decisions before it were\)/);
      expect(result.decisionsChecked).toBeGreaterThanOrEqual(1 + 8 + 4);
    } finally {
      await copy.dispose();
    }
  });

  it('forks a run at an offset: shared history, recorded lineage, another strategy, verifiable', async () => {
    await run('parent');
    const parentEvents = await readRunEvents(temp.log, 'parent');
    const third = parentEvents.find((e) => e.event.type === 'curriculum.decided' && e.event.payload.iteration === 3)!;
    const sameStrategy = await forkRun({ log: temp.log, dataDir: temp.dir, parentRunId: 'parent', atOffset: third.offset, runId: 'twin', iterations: 1 });
    const child = await forkRun({
      log: temp.log, dataDir: temp.dir, parentRunId: 'parent', atOffset: third.offset, runId: 'child', iterations: 2, curriculum: 'success-band',
    });
    expect(child.iterations.map((m) => m.iteration)).toEqual([3, 4]);
    expect(sameStrategy.iterations.map((m) => m.iteration)).toEqual([3]);

    const childEvents = (await readRunEvents(temp.log, 'child')).map((e) => e.event);
    expect(childEvents[0]).toMatchObject({ type: 'run.started', payload: { parentRunId: 'parent', forkedAtOffset: third.offset } });
    const decisions = childEvents.filter((e) => e.type === 'curriculum.decided');
    expect(decisions.map((e) => e.type === 'curriculum.decided' && e.payload.strategy)).toEqual(['success-band', 'success-band']);

    // Same history, seed and strategy: the twin's first decision is the one the parent made.
    const twinDecision = (await readRunEvents(temp.log, 'twin')).find((e) => e.event.type === 'curriculum.decided')!.event;
    expect(twinDecision.type === 'curriculum.decided' && twinDecision.payload.outputHash)
      .toBe(third.event.type === 'curriculum.decided' && third.event.payload.outputHash);

    expect(await verifyReplay(temp.log, 'child')).toMatchObject({ status: 'identical' });
  });

  it('refuses to fork before the parent has a checkpoint', async () => {
    await run('early');
    await expect(forkRun({ log: temp.log, dataDir: temp.dir, parentRunId: 'early', atOffset: 1, runId: 'too-early', iterations: 1 }))
      .rejects.toThrow(/fork at a later offset/);
  });
});
