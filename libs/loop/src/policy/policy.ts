import { deriveSeed } from '../rng';
import { ABSTAIN_ACTION, ACTION_COUNT, FEATURE_COUNT, SEPARATE_INPUTS, type InputLayout } from './layout';
import { initWeights, type MlpWeights } from './mlp';
import { decodeOnnx, encodeOnnx } from './onnx-model';

export const DEFAULT_HIDDEN = 64;
/** Start abstentions rare: a fresh policy that abstains often learns nothing from its samples. */
const INITIAL_ABSTAIN_BIAS = -3;

export function initialPolicy(runSeed: number, hidden: number = DEFAULT_HIDDEN): MlpWeights {
  return initWeights(
    { inputs: FEATURE_COUNT, hidden, outputs: ACTION_COUNT },
    deriveSeed(runSeed, 'policy-init'),
    (action) => (action === ABSTAIN_ACTION ? INITIAL_ABSTAIN_BIAS : 0),
  );
}

export function policyToOnnx(weights: MlpWeights, layout: InputLayout = SEPARATE_INPUTS): Uint8Array {
  return encodeOnnx(weights, layout.version);
}

export function policyFromOnnx(bytes: Uint8Array, layout: InputLayout = SEPARATE_INPUTS): MlpWeights {
  return decodeOnnx(bytes, layout.version);
}
