import type { Problem } from '../tasks/problem';
import { NO_MASK } from './action-masks';
import { actionsForOutput } from './answer-actions';
import { AttemptBatch } from './attempt-batch';
import { ACTION_COUNT, FEATURE_COUNT, SEPARATE_INPUTS, type InputLayout } from './layout';
import { Adam, lossAndGradient, type AdamConfig, type MlpWeights, type TrainingExample } from './mlp';

/** A kept sample as the trainer sees it: the problem, the answer to imitate and its weight (the reward). */
export interface KeptAttempt {
  problem: Problem;
  output: string;
  weight: number;
}

/** Replays the attempt step by step to recover the features and mask the policy saw at each step. */
export function examplesFor(attempt: KeptAttempt, layout: InputLayout = SEPARATE_INPUTS): TrainingExample[] {
  const actions = actionsForOutput(attempt.problem, attempt.output);
  if (!actions) return [];
  const replayed = new AttemptBatch([attempt.problem], layout);
  const examples: TrainingExample[] = [];
  for (const action of actions) {
    if (replayed.done[0]) break;
    const features = new Float32Array(FEATURE_COUNT);
    const mask = new Float32Array(ACTION_COUNT);
    // A fresh mask row each step: it holds no mask yet.
    replayed.writeRow(0, 0, features, mask, Uint8Array.of(NO_MASK));
    examples.push({ features, mask, action, weight: attempt.weight });
    replayed.apply(0, action);
  }
  return examples;
}

export interface FineTuneResult {
  weights: MlpWeights;
  /** Mean training loss over the optimizer steps, measured before each step. */
  loss: number;
  steps: number;
}

/** One optimizer step per batch (repeated `passes` times), on a copy of the parent weights. */
export function fineTune(parent: MlpWeights, batches: KeptAttempt[][], adam: AdamConfig, passes = 1, layout: InputLayout = SEPARATE_INPUTS): FineTuneResult {
  const weights: MlpWeights = {
    shape: parent.shape,
    w1: parent.w1.slice(),
    b1: parent.b1.slice(),
    w2: parent.w2.slice(),
    b2: parent.b2.slice(),
  };
  const optimizer = new Adam(weights, adam);
  const exampleBatches = batches.map((batch) => batch.flatMap((attempt) => examplesFor(attempt, layout))).filter((b) => b.length > 0);
  let lossSum = 0;
  let steps = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const examples of exampleBatches) {
      const { loss, gradients } = lossAndGradient(weights, examples);
      optimizer.step(gradients);
      lossSum += loss;
      steps++;
    }
  }
  return { weights, loss: steps > 0 ? lossSum / steps : 0, steps };
}
