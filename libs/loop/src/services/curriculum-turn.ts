import { PRODUCERS } from '../loop/run-writer';
import { decideCurriculumStage } from '../loop/stages/curriculum-stage';
import { overallEvaluation } from '../loop/stages/evaluation-stage';
import { currentCheckpoint } from '../loop/stages/training-stage';
import type { FindTurn } from './turn';

/**
 * The curriculum's turn comes once the iteration in progress (or the baseline, iteration 0) has all
 * its evaluations: it decides the next iteration's problems, or, after the scheduled iterations,
 * closes the run with run.finished. The watermark is the offset just past the last evaluation, which
 * is where the orchestrator's history ends when it makes the same decision.
 */
export const findCurriculumTurn: FindTurn = (run) => {
  const last = run.latest;
  if (!last || !run.evaluated(last)) return undefined;
  const watermark = last.evaluations[last.evaluations.length - 1].offset + 1;
  if (last.iteration >= run.schedule.iterations) {
    return {
      kind: 'finish',
      iteration: last.iteration,
      recorded: (event) => event.type === 'run.finished',
      decide: async () => [{
        type: 'run.finished',
        producer: PRODUCERS.runner,
        payload: {
          status: 'succeeded',
          iterations: run.schedule.iterations,
          summary: {
            finalCheckpointId: currentCheckpoint(run.stateAt(watermark)).checkpointId,
            heldOutPassAt1: overallEvaluation(last.evaluations.map((e) => e.payload)).passAt1,
          },
        },
      }],
    };
  }
  const iteration = last.iteration + 1;
  return {
    kind: 'curriculum',
    iteration,
    recorded: (event) => event.type === 'curriculum.decided' && event.payload.iteration === iteration,
    decide: async () => [{
      type: 'curriculum.decided',
      producer: PRODUCERS.curriculum,
      payload: decideCurriculumStage(run.stateAt(watermark), run.runId, iteration, watermark),
    }],
  };
};
