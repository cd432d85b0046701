import { PRODUCERS } from '../loop/run-writer';
import { decideCurriculumStage } from '../loop/stages/curriculum-stage';
import { decideReplayStage } from '../loop/stages/replay-stage';
import type { FindTurn } from '../services/turn';

/**
 * The curriculum service's turn in an external run: the next iteration's curriculum, or run.finished
 * after the configured iterations, once the triggers of `externalProgress` say so. Same strategies,
 * seeds and ids as for a built-in run; the external loop's reports are the inputs.
 */
export const findExternalCurriculumTurn: FindTurn = (run) => {
  const due = run.externalProgress().due;
  if (!due || due.kind === 'replay') return undefined;
  if (due.kind === 'finish') {
    return {
      kind: 'finish',
      iteration: due.iteration,
      recorded: (event) => event.type === 'run.finished',
      decide: async () => [{
        type: 'run.finished',
        producer: PRODUCERS.runner,
        payload: { status: 'succeeded', iterations: run.external.iterations },
      }],
    };
  }
  return {
    kind: 'curriculum',
    iteration: due.iteration,
    recorded: (event) => event.type === 'curriculum.decided' && event.payload.iteration === due.iteration,
    decide: async () => [{
      type: 'curriculum.decided',
      producer: PRODUCERS.curriculum,
      payload: decideCurriculumStage(run.stateAt(due.watermark), run.runId, due.iteration, due.watermark),
    }],
  };
};

/** The replay service's turn in an external run: every batch of the iteration, in one append. */
export const findExternalReplayTurn: FindTurn = (run) => {
  const due = run.externalProgress().due;
  if (due?.kind !== 'replay') return undefined;
  const prefix = `${run.runId}/b/${due.iteration}/`;
  return {
    kind: 'replay',
    iteration: due.iteration,
    recorded: (event) => event.type === 'replay.batch' && event.payload.batchId.startsWith(prefix),
    decide: async () => decideReplayStage(run.stateAt(due.watermark), run.runId, due.iteration, due.watermark)
      .map((payload) => ({ type: 'replay.batch' as const, producer: PRODUCERS.replay, payload })),
  };
};
