/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { Tensor } from 'onnxruntime-node';
import { NO_MASK } from './policy/action-masks';
import { AttemptBatch } from './policy/attempt-batch';
import { examplesFor } from './policy/fine-tune';
import { ACTION_COUNT, ARITHMETIC_OFFSET, FEATURE_COUNT, MAZE_FEATURES, MAZE_OFFSET, SEPARATE_INPUTS, SHARED_INPUTS, type InputLayout } from './policy/layout';
import { INPUT_FEATURES, INPUT_MASK, INPUT_TEMPERATURE, INPUT_UNIFORM, OUTPUT_PROBS } from './policy/onnx-model';
import { initialPolicy, policyFromOnnx, policyToOnnx } from './policy/policy';
import { deriveSeed } from './rng';
import { RngLanes } from './rng-lanes';
import { createPolicySession, PolicySampler, type AttemptRequest, type SampledAttempt } from './sampler';
import { buildSuite, verifyAnswer } from './tasks/suite';

/** The model's probability row for one attempt's current step at `temperature`. */
async function probabilities(session: Awaited<ReturnType<typeof createPolicySession>>, attempt: AttemptBatch, temperature: number) {
  const features = new Float32Array(FEATURE_COUNT);
  const mask = new Float32Array(ACTION_COUNT);
  attempt.writeRow(0, 0, features, mask, Uint8Array.of(NO_MASK));
  const outputs = await session.run({
    [INPUT_FEATURES]: new Tensor('float32', features, [1, FEATURE_COUNT]),
    [INPUT_MASK]: new Tensor('float32', mask, [1, ACTION_COUNT]),
    [INPUT_UNIFORM]: new Tensor('float32', new Float32Array(1), [1, 1]),
    [INPUT_TEMPERATURE]: new Tensor('float32', Float32Array.of(temperature), [1]),
  });
  return outputs[OUTPUT_PROBS].data as Float32Array;
}

/**
 * The sampler's contract spelled out plainly: one attempt at a time, one model call per step, the
 * action drawn from the whole (tempered) probability row by the inverse CDF at the next float32
 * uniform of the attempt's own seed: the first action whose float32 running sum, as a fraction of
 * the row's sum, exceeds it.
 */
async function referenceSample(
  onnx: Uint8Array, requests: readonly AttemptRequest[], temperature: number, layout: InputLayout = SEPARATE_INPUTS,
): Promise<SampledAttempt[]> {
  const session = await createPolicySession(onnx);
  const attempts: SampledAttempt[] = [];
  for (const request of requests) {
    const attempt = new AttemptBatch([request.problem], layout);
    const lane = new RngLanes(1);
    lane.seed(0, request.seed);
    let logprob = 0;
    while (!attempt.done[0]) {
      const probs = await probabilities(session, attempt, temperature);
      let sum = 0;
      const running = Array.from(probs, (p) => (sum = Math.fround(sum + p)));
      const u = lane.nextFloat32(0);
      const action = running.findIndex((r) => Math.fround(r / sum) > u);
      logprob += Math.log(probs[action]);
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

  it('tempers the probabilities as p^(1/T), renormalized', async () => {
    const session = await createPolicySession(onnx);
    for (const problem of problems) {
      const attempt = new AttemptBatch([problem]);
      const plain = Array.from(await probabilities(session, attempt, 1), (p) => p ** (1 / 0.7));
      const total = plain.reduce((sum, w) => sum + w, 0);
      const tempered = await probabilities(session, attempt, 0.7);
      plain.forEach((w, a) => expect(tempered[a]).toBeCloseTo(w / total, 5));
    }
    await session.release();
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

  describe('with shared inputs', () => {
    const shared = policyToOnnx(initialPolicy(5, 16), SHARED_INPUTS);
    const row = (problem: (typeof problems)[number], layout: InputLayout) => {
      const features = new Float32Array(FEATURE_COUNT);
      new AttemptBatch([problem], layout).writeRow(0, 0, features, new Float32Array(ACTION_COUNT), Uint8Array.of(NO_MASK));
      return features;
    };

    it('writes a maze step over the arithmetic block and leaves the maze block empty', () => {
      const maze = problems.find((p) => p.family === 'maze')!;
      const separate = row(maze, SEPARATE_INPUTS);
      const overlaid = row(maze, SHARED_INPUTS);
      expect(Array.from(overlaid.subarray(ARITHMETIC_OFFSET, ARITHMETIC_OFFSET + MAZE_FEATURES)))
        .toEqual(Array.from(separate.subarray(MAZE_OFFSET, MAZE_OFFSET + MAZE_FEATURES)));
      expect(overlaid.subarray(MAZE_OFFSET).every((x) => x === 0)).toBe(true);
      expect(Array.from(overlaid.subarray(0, ARITHMETIC_OFFSET))).toEqual(Array.from(separate.subarray(0, ARITHMETIC_OFFSET)));
      const arithmetic = problems.find((p) => p.family === 'arithmetic')!;
      expect(row(arithmetic, SHARED_INPUTS)).toEqual(row(arithmetic, SEPARATE_INPUTS));
    });

    it('samples a checkpoint with the layout it records, and the trainer replays its answers under that layout', async () => {
      const sampler = await PolicySampler.load(shared);
      const attempts = await sampler.sample(requests);
      expect(attempts).toEqual(await referenceSample(shared, requests, 1, SHARED_INPUTS));
      expect(attempts).not.toEqual(await referenceSample(shared, requests, 1, SEPARATE_INPUTS));
      attempts.forEach((attempt, i) => {
        expect(examplesFor({ problem: requests[i].problem, output: attempt.output, weight: 1 }, SHARED_INPUTS).length).toBe(attempt.tokens);
      });
      await sampler.release();
      expect(() => policyFromOnnx(shared)).toThrow(/layout 'xp.policy.layout\/1\+shared-inputs'/);
      expect(policyFromOnnx(shared, SHARED_INPUTS).w1).toEqual(initialPolicy(5, 16).w1);
    });
  });
});
