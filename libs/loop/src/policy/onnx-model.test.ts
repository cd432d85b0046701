/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { sha256Hex } from '../canonical-hash';
import { ACTION_COUNT, FEATURE_COUNT, MASKED } from './layout';
import { actionProbabilities } from './mlp';
import { initialPolicy, policyFromOnnx, policyToOnnx } from './policy';

describe('ONNX checkpoint', () => {
  it('is byte-identical for the same seed and different for another', () => {
    expect(sha256Hex(policyToOnnx(initialPolicy(11)))).toBe(sha256Hex(policyToOnnx(initialPolicy(11))));
    expect(sha256Hex(policyToOnnx(initialPolicy(11)))).not.toBe(sha256Hex(policyToOnnx(initialPolicy(12))));
  });

  it('round-trips the weights exactly', () => {
    const weights = initialPolicy(11, 8);
    expect(policyFromOnnx(policyToOnnx(weights))).toEqual(weights);
  });

  it('refuses a checkpoint of another layout', () => {
    const bytes = Buffer.from(policyToOnnx(initialPolicy(1, 4)));
    const tampered = Buffer.from(bytes.toString('latin1').replace('xp.policy.layout/1', 'xp.policy.layout/0'), 'latin1');
    expect(() => policyFromOnnx(tampered)).toThrow(/layout 'xp.policy.layout\/0'/);
  });

  it('computes in onnxruntime what the training math computes', async () => {
    const weights = initialPolicy(3, 16);
    const session = await InferenceSession.create(policyToOnnx(weights));
    const rows = 3;
    const features = Float32Array.from({ length: rows * FEATURE_COUNT }, (_, i) => ((i * 37) % 11) / 11);
    const mask = new Float32Array(rows * ACTION_COUNT);
    mask[ACTION_COUNT + 2] = MASKED;
    const result = await session.run({
      features: new Tensor('float32', features, [rows, FEATURE_COUNT]),
      action_mask: new Tensor('float32', mask, [rows, ACTION_COUNT]),
    });
    const probs = result.probs.data as Float32Array;
    for (let r = 0; r < rows; r++) {
      const expected = actionProbabilities(
        weights,
        features.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT),
        mask.subarray(r * ACTION_COUNT, (r + 1) * ACTION_COUNT),
      );
      for (let a = 0; a < ACTION_COUNT; a++) expect(probs[r * ACTION_COUNT + a]).toBeCloseTo(expected[a], 5);
    }
    expect(probs[ACTION_COUNT + 2]).toBe(0);
    await session.release();
  });
});
