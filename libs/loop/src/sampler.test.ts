/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { examplesFor } from './policy/fine-tune';
import { initialPolicy, policyToOnnx } from './policy/policy';
import { deriveSeed } from './rng';
import { PolicySampler } from './sampler';
import { buildSuite, verifyAnswer } from './tasks/suite';

describe('PolicySampler', () => {
  const problems = buildSuite({ seed: 2, trainPerLevel: 3, heldoutPerLevel: 0 });
  const requests = problems.flatMap((problem, i) => [0, 1, 2].map((a) => ({ problem, seed: deriveSeed(5, 's', i, a) })));

  it('gives every attempt the same answer however the attempts are batched', async () => {
    const onnx = policyToOnnx(initialPolicy(5, 16));
    const wide = await PolicySampler.load(onnx);
    const narrow = await PolicySampler.load(onnx, { maxBatch: 7 });
    const a = await wide.sample(requests);
    const b = await narrow.sample(requests);
    expect(b).toEqual(a);
    expect(await wide.sample(requests.slice(5, 9))).toEqual(a.slice(5, 9));
    await wide.release();
    await narrow.release();
  });

  it('produces answers the verifiers can judge, with token counts and log-probabilities', async () => {
    const sampler = await PolicySampler.load(policyToOnnx(initialPolicy(5, 16)));
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
