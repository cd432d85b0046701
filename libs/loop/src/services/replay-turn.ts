import { PRODUCERS } from '../loop/run-writer';
import { decideReplayStage } from '../loop/stages/replay-stage';
import type { FindTurn } from './turn';

/**
 * Replay's turn comes once every attempt of the iteration is judged (the count is the decision's
 * problems times attemptsPerProblem from run.started) and no batch of the iteration exists. An empty
 * buffer draws no batches; the evaluator then goes on without training.
 */
export const findReplayTurn: FindTurn = (run) => {
  const last = run.latest;
  if (!last || !run.sampled(last) || last.replay.length > 0 || last.eval.generated.length > 0) return undefined;
  const prefix = `${run.runId}/b/${last.iteration}/`;
  return {
    kind: 'replay',
    iteration: last.iteration,
    recorded: (event) => event.type === 'replay.batch' && event.payload.batchId.startsWith(prefix),
    decide: async () => {
      const watermark = run.samplingEnd(last);
      return decideReplayStage(run.stateAt(watermark), run.runId, last.iteration, watermark)
        .map((payload) => ({ type: 'replay.batch' as const, producer: PRODUCERS.replay, payload }));
    },
  };
};
