import type { IterationRecords } from '../loop/run-records';
import { heldOutProblems } from '../loop/projection';
import { requireConfig } from '../loop/require-config';
import { evaluationEvents } from '../loop/stages/evaluation-stage';
import { planAttempts, sampleAndJudge } from '../loop/stages/sampling-stage';
import { currentCheckpoint } from '../loop/stages/training-stage';
import type { RunView } from './run-view';
import type { FindTurn } from './turn';

/**
 * The evaluator's turn comes when the iteration's checkpoint is settled and not yet evaluated: the
 * first checkpoint (iteration 0), a model.updated, or an iteration whose replay drew no batches
 * (nothing kept yet), which keeps the checkpoint it sampled with.
 */
export const findEvaluatorTurn: FindTurn = (run, env) => {
  const last = run.latest;
  if (!last || last.eval.generated.length > 0 || last.evaluations.length > 0) return undefined;
  const watermark = settledAt(run, last);
  if (watermark === undefined) return undefined;
  const prefix = `${run.runId}/e/${last.iteration}/`;
  return {
    kind: 'evaluation',
    iteration: last.iteration,
    recorded: (event) => event.type === 'sample.generated' && event.payload.sampleId.startsWith(prefix),
    decide: async () => {
      const state = run.stateAt(watermark);
      const config = requireConfig(state);
      const checkpoint = currentCheckpoint(state);
      const plans = planAttempts(run.runId, state.runSeed, 'eval', last.iteration, heldOutProblems(state), config.evaluation.samplesPerProblem);
      const judged = await sampleAndJudge(await env.samplers.get(checkpoint, config.temperature), plans, state.stats, config.reward);
      return evaluationEvents(judged, checkpoint.checkpointId, last.iteration, config.temperature, config.evaluation.k).drafts;
    },
  };
};

/** Offset just past the event that settles the iteration's checkpoint, if it is settled. */
function settledAt(run: RunView, records: IterationRecords): number | undefined {
  if (records.model) return records.model.offset + 1;
  if (!records.curriculum || records.replay.length > 0 || !run.sampled(records)) return undefined;
  return run.replayBatches(records) === 0 ? run.samplingEnd(records) : undefined;
}
