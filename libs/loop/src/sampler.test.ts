/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { Tensor } from 'onnxruntime-node';
import { NO_MASK } from './policy/action-masks';
import { AttemptBatch } from './policy/attempt-batch';
import { examplesFor } from './policy/fine-tune';
import { ACTION_COUNT, FEATURE_COUNT } from './policy/layout';
import { INPUT_FEATURES, INPUT_MASK, OUTPUT_PROBS } from './policy/onnx-model';
import { initialPolicy, policyToOnnx } from './policy/policy';
import { deriveSeed, Rng } from './rng';
import { createPolicySession, PolicySampler, type AttemptRequest, type SampledAttempt } from './sampler';
import { buildSuite, verifyAnswer } from './tasks/suite';

/**
 * The sampler's contract spelled out plainly: one attempt at a time, one model call per step, the
 * whole probability row drawn with the attempt's own Rng (tempered and renormalized unless T = 1).
 */
async function referenceSample(onnx: Uint8Array, requests: readonly AttemptRequest[], temperature: number): Promise<SampledAttempt[]> {
  const session = await createPolicySession(onnx);
  const attempts: SampledAttempt[] = [];
  for (const request of requests) {
    const attempt = new AttemptBatch([request.problem]);
    const rng = new Rng(request.seed);
    let logprob = 0;
    while (!attempt.done[0]) {
      const features = new Float32Array(FEATURE_COUNT);
      const mask = new Float32Array(ACTION_COUNT);
      attempt.writeInputs(Int32Array.of(0), 0, 1, features, mask, Uint8Array.of(NO_MASK));
      const outputs = await session.run({
        [INPUT_FEATURES]: new Tensor('float32', features, [1, FEATURE_COUNT]),
        [INPUT_MASK]: new Tensor('float32', mask, [1, ACTION_COUNT]),
      });
      const probs = outputs[OUTPUT_PROBS].data as Float32Array;
      const weights = temperature === 1 ? probs : Array.from(probs, (p) => p ** (1 / temperature));
      const action = rng.weighted(weights);
      logprob += Math.log(temperature === 1 ? probs[action] : weights[action] / weights.reduce((sum, w) => sum + w, 0));
      attempt.apply(0, action);
    }
    attempts.push({ output: attempt.output(0), tokens: attempt.steps(0), logprob: Math.min(0, logprob) });
  }
  await session.release();
  return attempts;
}

describe('PolicySampler', () => {
  const problems = buildSuite({ seed: 2, trainPerLevel: 3, heldoutPerLevel: 0 });
  const requests = problems.flatMap((problem, i) => [0, 1, 2].map((a) => ({ problem, seed: deriveSeed(5, 's', i, a) })));
  const onnx = policyToOnnx(initialPolicy(5, 16));

  it('gives every attempt the same answer however the attempts are batched', async () => {
    const wide = await PolicySampler.load(onnx);
    const narrow = await PolicySampler.load(onnx, { maxBatch: 7 });
    const a = await wide.sample(requests);
    const b = await narrow.sample(requests);
    expect(b).toEqual(a);
    expect(await wide.sample(requests.slice(5, 9))).toEqual(a.slice(5, 9));
    await wide.release();
    await narrow.release();
  });

  it.each([1, 0.7])('draws exactly what one attempt at a time over whole probability rows draws (temperature %s)', async (temperature) => {
    const sampler = await PolicySampler.load(onnx, { temperature });
    expect(await sampler.sample(requests)).toEqual(await referenceSample(onnx, requests, temperature));
    await sampler.release();
  });

  it('keeps concurrent calls on one sampler apart', async () => {
    const sampler = await PolicySampler.load(onnx, { temperature: 0.7, maxBatch: 7 });
    const expected = await sampler.sample(requests);
    const [a, b] = await Promise.all([sampler.sample(requests), sampler.sample(requests.slice(3))]);
    expect(a).toEqual(expected);
    expect(b).toEqual(expected.slice(3));
    await sampler.release();
  });

  it('produces answers the verifiers can judge, with token counts and log-probabilities', async () => {
    const sampler = await PolicySampler.load(onnx);
    const attempts = await sampler.sample(requests);
    attempts.forEach((attempt, i) => {
      expect(attempt.logprob).toBeLessThanOrEqual(0);
      expect(attempt.tokens).toBeGreaterThanOrEqual(1);
      expect(['correct', 'incorrect', 'error', 'abstain']).toContain(verifyAnswer(requests[i].problem, attempt.output).verdict);
      // The trainer must be able to replay every answer the policy gives.
      expect(examplesFor({ problem: requests[i].problem, output: attempt.output, weight: 1 }).length).toBe(attempt.tokens);
    });
    await sampler.release();
  });
});
