import { PRODUCERS } from '../loop/run-writer';
import { currentCheckpoint, initialCheckpoint, trainStage } from '../loop/stages/training-stage';
import type { FindTurn } from './turn';

/**
 * The trainer owns every checkpoint file, the run's first one included: a run with no model.updated
 * gets its initial checkpoint from the run seed. Afterwards its turn comes once all replay batches of
 * the iteration are in (as many as the replay decision draws) and no model.updated follows them.
 */
export const findTrainerTurn: FindTurn = (run, env) => {
  const last = run.latest;
  if (!last) {
    return {
      kind: 'setup',
      iteration: 0,
      recorded: (event) => event.type === 'model.updated',
      decide: async () => [{
        type: 'model.updated',
        producer: PRODUCERS.trainer,
        payload: initialCheckpoint(run.start.payload.seed, run.config, env.dataDir),
      }],
    };
  }
  if (!last.curriculum || last.model || last.replay.length === 0 || !run.sampled(last)) return undefined;
  if (last.replay.length !== run.replayBatches(last)) return undefined;
  const batchIds = new Set(last.replay.map((r) => r.payload.batchId));
  return {
    kind: 'training',
    iteration: last.iteration,
    recorded: (event) => event.type === 'model.updated' && event.payload.batchIds.some((id) => batchIds.has(id)),
    decide: async () => {
      const state = run.stateAt(last.replay[last.replay.length - 1].offset + 1);
      const batches = last.replay.map((r) => r.payload);
      const parent = currentCheckpoint(state);
      const payload = trainStage(state, batches, env.dataDir);
      return [{ type: 'model.updated', producer: PRODUCERS.trainer, parents: [parent.checkpointId, ...payload.batchIds], payload }];
    },
  };
};
