import { FakeExternalLoop } from '../testing/external-loop-fixture';
import { openTempLog, type TempLog } from '../testing/loop-fixtures';
import { listRuns } from './run-listing';

describe('listRuns', () => {
  let temp: TempLog;
  beforeEach(async () => {
    temp = await openTempLog();
  });
  afterEach(async () => {
    await temp.dispose();
  });

  it('lists every run with its status and iteration, and what a running external run waits for', async () => {
    const waitingForEvaluation = new FakeExternalLoop(temp.log, 'ext-evaluating');
    await waitingForEvaluation.start();
    await waitingForEvaluation.append(waitingForEvaluation.modelUpdated());
    const otherTeam = new FakeExternalLoop(temp.log, 'ext-other-team', 'lab');
    await otherTeam.start();
    // A built-in run (no external stages) that ended: its status and iterations come from run.finished.
    const builtIn = new FakeExternalLoop(temp.log, 'built-in');
    await builtIn.append(
      builtIn.event('run.started', { config: { iterations: 2 }, seed: 3, codeVersion: 'xp 1' }),
      builtIn.event('run.finished', { status: 'succeeded', iterations: 2 }),
    );

    const runs = await listRuns(temp.log);
    expect(runs.map((r) => r.runId).sort()).toEqual(['built-in', 'ext-evaluating', 'ext-other-team']);
    expect(runs.find((r) => r.runId === 'ext-evaluating')).toMatchObject({
      team: 'default', experimentId: 'external', status: 'running', external: true, iteration: 0,
      waiting: { stage: 'evaluator', done: 0, expected: 1, message: 'waiting for the evaluator: 0 of 1 evaluation.completed reported (missing: parity)' },
    });
    expect(runs.find((r) => r.runId === 'ext-other-team')).toMatchObject({
      team: 'lab', status: 'running', waiting: { stage: 'trainer', message: 'waiting for the trainer: no first checkpoint (model.updated) reported yet' },
    });
    const finished = runs.find((r) => r.runId === 'built-in')!;
    expect(finished).toMatchObject({ status: 'succeeded', external: false, iteration: 2, finishedAt: expect.any(String) });
    expect(finished.waiting).toBeUndefined();

    expect((await listRuns(temp.log, { team: 'lab' })).map((r) => r.runId)).toEqual(['ext-other-team']);
  });

  it('lists nothing on an empty log', async () => {
    expect(await listRuns(temp.log)).toEqual([]);
  });
});
