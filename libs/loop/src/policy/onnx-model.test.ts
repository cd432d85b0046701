/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { sha256Hex } from '../canonical-hash';
import { ACTION_COUNT, FEATURE_COUNT, MASKED } from './layout';
import { actionProbabilities } from './mlp';
import { initialPolicy, policyFromOnnx, policyToOnnx } from './policy';
import { PolicySampler } from '../sampler';
import { buildSuite, DEFAULT_SUITE } from '../tasks/suite';
import { withInGraphDraw } from './onnx-model';

describe('ONNX checkpoint', () => {
  it('is byte-identical for the same seed and different for another', () => {
    expect(sha256Hex(policyToOnnx(initialPolicy(11)))).toBe(sha256Hex(policyToOnnx(initialPolicy(11))));
    expect(sha256Hex(policyToOnnx(initialPolicy(11)))).not.toBe(sha256Hex(policyToOnnx(initialPolicy(12))));
  });

  it('round-trips the weights exactly', () => {
    const weights = initialPolicy(11, 8);
    expect(policyFromOnnx(policyToOnnx(weights))).toEqual(weights);
  });

  it('samples a checkpoint written before the graph drew actions, from the same weights', async () => {
    // Written by the previous encoder: inputs features and action_mask, output probs only.
    const before = readFileSync(join(__dirname, 'fixtures/policy-before-in-graph-draw.onnx'));
    const upgraded = withInGraphDraw(before);
    expect(Buffer.from(upgraded).equals(before)).toBe(false);
    expect(policyFromOnnx(upgraded)).toEqual(policyFromOnnx(before));
    expect(withInGraphDraw(upgraded)).toBe(upgraded);
    const sampler = await PolicySampler.load(before);
    const problems = buildSuite(DEFAULT_SUITE).slice(0, 4);
    const attempts = await sampler.sample(problems.map((problem, i) => ({ problem, seed: i + 1 })));
    await sampler.release();
    expect(attempts).toHaveLength(4);
    for (const attempt of attempts) expect(attempt.tokens).toBeGreaterThan(0);
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
      uniform: new Tensor('float32', new Float32Array(rows), [rows, 1]),
      temperature: new Tensor('float32', Float32Array.of(1), [1]),
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

  it('draws an allowed action at every uniform, by the inverse CDF', async () => {
    const session = await InferenceSession.create(policyToOnnx(initialPolicy(3, 16)));
    // One row per uniform, all with the same features and a mask allowing actions 2, 5 and 6 only.
    const uniforms = [0, 0.25, 0.5, 0.75, 1 - 2 ** -24];
    const rows = uniforms.length;
    const features = new Float32Array(rows * FEATURE_COUNT).fill(0.5);
    const mask = new Float32Array(rows * ACTION_COUNT).fill(MASKED);
    for (let r = 0; r < rows; r++) for (const a of [2, 5, 6]) mask[r * ACTION_COUNT + a] = 0;
    const result = await session.run({
      features: new Tensor('float32', features, [rows, FEATURE_COUNT]),
      action_mask: new Tensor('float32', mask, [rows, ACTION_COUNT]),
      uniform: new Tensor('float32', Float32Array.from(uniforms), [rows, 1]),
      temperature: new Tensor('float32', Float32Array.of(1), [1]),
    });
    const probs = result.probs.data as Float32Array;
    const actions = Array.from(result.action.data as Int32Array);
    const chosen = Array.from(result.action_probability.data as Float32Array);
    const [p2, p5] = [probs[2], probs[5]];
    const total = p2 + p5 + probs[6];
    const expected = uniforms.map((u) => (u < p2 / total ? 2 : u < (p2 + p5) / total ? 5 : 6));
    expect(actions).toEqual(expected);
    expect(actions[0]).toBe(2);
    expect(actions[rows - 1]).toBe(6);
    actions.forEach((a, r) => expect(chosen[r]).toBe(probs[r * ACTION_COUNT + a]));
    await session.release();
  });
});
