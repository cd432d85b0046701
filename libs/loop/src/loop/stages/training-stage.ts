import { NotFoundError, type ModelUpdatedPayload, type ReplayBatchPayload } from '@xp/events';
import { readCheckpoint, writeCheckpoint } from '../../policy/checkpoint-store';
import { fineTune, type KeptAttempt } from '../../policy/fine-tune';
import { DEFAULT_ADAM } from '../../policy/mlp';
import { inputLayout } from '../../policy/layout';
import { initialPolicy, policyFromOnnx, policyToOnnx } from '../../policy/policy';
import type { LoopConfig } from '../config';
import { requireConfig } from '../require-config';
import type { LoopState } from '../projection';

/** The first checkpoint of a run: weights drawn from the run seed, recorded as step 0 without a parent. */
export function initialCheckpoint(runSeed: number, config: LoopConfig, dataDir: string): ModelUpdatedPayload {
  const stored = writeCheckpoint(dataDir, initialCheckpointBytes(runSeed, config));
  return {
    checkpointId: stored.checkpointId,
    parentCheckpointId: null,
    batchIds: [],
    step: 0,
    loss: 0,
    artifactUri: stored.path,
    sha256: stored.sha256,
  };
}

export function initialCheckpointBytes(runSeed: number, config: LoopConfig): Uint8Array {
  return policyToOnnx(initialPolicy(runSeed, config.policy.hidden), inputLayout(config.policy.sharedInputs));
}

export function currentCheckpoint(state: LoopState): ModelUpdatedPayload {
  if (!state.checkpoint) throw new NotFoundError('the run has no model.updated event yet, so there is no checkpoint to sample from');
  return state.checkpoint;
}

/** The bytes of a checkpoint the built-in sampler or trainer works from; it must name its file and hash. */
export function checkpointBytes(checkpoint: ModelUpdatedPayload): Buffer {
  const { artifactUri, sha256 } = checkpoint;
  if (artifactUri === undefined || sha256 === undefined) {
    const missing = [artifactUri === undefined && 'artifactUri', sha256 === undefined && 'sha256'].filter(Boolean).join(' and ');
    throw new NotFoundError(`checkpoint ${checkpoint.checkpointId} records no ${missing}, so its bytes cannot be loaded and checked`);
  }
  return readCheckpoint(artifactUri, sha256);
}

/**
 * Fine-tunes the current checkpoint on the replay batches (reward-weighted imitation of kept
 * answers) and stores the child checkpoint.
 */
export function trainStage(state: LoopState, batches: readonly ReplayBatchPayload[], dataDir: string): ModelUpdatedPayload {
  const parent = currentCheckpoint(state);
  const trained = trainCheckpoint(state, batches);
  const stored = writeCheckpoint(dataDir, trained.onnx);
  return {
    checkpointId: stored.checkpointId,
    parentCheckpointId: parent.checkpointId,
    batchIds: batches.map((b) => b.batchId),
    step: parent.step + trained.steps,
    loss: trained.loss,
    artifactUri: stored.path,
    sha256: stored.sha256,
  };
}

/**
 * The child checkpoint's bytes: a pure function of the parent file, the batches and the samples they
 * name, so a replay retrains to the same sha256 without writing anything.
 */
export function trainCheckpoint(state: LoopState, batches: readonly ReplayBatchPayload[]): { onnx: Uint8Array; loss: number; steps: number } {
  const config = requireConfig(state);
  const rewards = new Map(state.kept.map((k) => [k.sampleId, k.reward]));
  const attempts = batches.map((batch) =>
    batch.sampleIds.map((sampleId): KeptAttempt => {
      const sample = state.outputs.get(sampleId);
      const problem = sample && state.problems.get(sample.problemId);
      if (!sample || !problem) throw new NotFoundError(`replay batch ${batch.batchId} names sample ${sampleId}, which the log does not hold`);
      return { problem, output: sample.output, weight: rewards.get(sampleId) ?? 0 };
    }),
  );
  const layout = inputLayout(config.policy.sharedInputs);
  const result = fineTune(
    policyFromOnnx(checkpointBytes(currentCheckpoint(state)), layout),
    attempts,
    { ...DEFAULT_ADAM, learningRate: config.trainer.learningRate },
    config.trainer.passes,
    layout,
  );
  return { onnx: policyToOnnx(result.weights, layout), loss: result.loss, steps: result.steps };
}
