import { InferenceSession, Tensor } from 'onnxruntime-node';
import { startEpisode, type Episode } from './policy/episodes';
import { ACTION_COUNT, FEATURE_COUNT } from './policy/layout';
import { INPUT_FEATURES, INPUT_MASK, OUTPUT_PROBS } from './policy/onnx-model';
import { Rng } from './rng';
import type { Problem } from './tasks/problem';

/** One attempt to draw: its randomness comes only from `seed`, so batching never changes an answer. */
export interface AttemptRequest {
  problem: Problem;
  seed: number;
}

export interface SampledAttempt {
  output: string;
  /** Policy steps taken (one token per step). */
  tokens: number;
  /** Log-probability of the whole attempt under the sampling distribution. */
  logprob: number;
}

export interface SamplerOptions {
  temperature?: number;
  /** Most rows per onnxruntime call. */
  maxBatch?: number;
}

/**
 * One thread per session: the model is tiny, so threads buy nothing, and a fixed reduction order
 * keeps the probabilities (hence every sampled answer) identical between a run and its replay.
 */
export async function createPolicySession(onnx: Uint8Array): Promise<InferenceSession> {
  return InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
}

/** Runs the ONNX policy on many attempts at once: every still-running attempt advances one step per model call. */
export class PolicySampler {
  private constructor(
    private readonly session: InferenceSession,
    private readonly temperature: number,
    private readonly maxBatch: number,
  ) {}

  static async load(onnx: Uint8Array, options: SamplerOptions = {}): Promise<PolicySampler> {
    return new PolicySampler(await createPolicySession(onnx), options.temperature ?? 1, options.maxBatch ?? 4096);
  }

  async sample(requests: readonly AttemptRequest[]): Promise<SampledAttempt[]> {
    const episodes = requests.map((r) => startEpisode(r.problem));
    const rngs = requests.map((r) => new Rng(r.seed));
    const logprobs = new Float64Array(requests.length);
    const rows = Math.min(this.maxBatch, requests.length);
    const buffers = { features: new Float32Array(rows * FEATURE_COUNT), mask: new Float32Array(rows * ACTION_COUNT) };
    let active = episodes.map((_, i) => i);
    while (active.length > 0) {
      for (let start = 0; start < active.length; start += this.maxBatch) {
        await this.step(active.slice(start, start + this.maxBatch), episodes, rngs, logprobs, buffers);
      }
      active = active.filter((i) => !episodes[i].done);
    }
    return episodes.map((episode, i) => ({
      output: episode.output(),
      tokens: episode.steps,
      logprob: Math.min(0, logprobs[i]),
    }));
  }

  private async step(
    rows: number[], episodes: Episode[], rngs: Rng[], logprobs: Float64Array, buffers: { features: Float32Array; mask: Float32Array },
  ): Promise<void> {
    const features = buffers.features.subarray(0, rows.length * FEATURE_COUNT);
    const mask = buffers.mask.subarray(0, rows.length * ACTION_COUNT);
    for (let r = 0; r < rows.length; r++) {
      episodes[rows[r]].writeFeatures(features, r * FEATURE_COUNT);
      episodes[rows[r]].writeMask(mask, r * ACTION_COUNT);
    }
    const result = await this.session.run({
      [INPUT_FEATURES]: new Tensor('float32', features, [rows.length, FEATURE_COUNT]),
      [INPUT_MASK]: new Tensor('float32', mask, [rows.length, ACTION_COUNT]),
    });
    const probs = result[OUTPUT_PROBS].data as Float32Array;
    const tempered = new Float64Array(ACTION_COUNT);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      let action: number;
      let probability: number;
      if (this.temperature === 1) {
        action = rngs[i].weighted(probs, r * ACTION_COUNT, ACTION_COUNT);
        probability = probs[r * ACTION_COUNT + action];
      } else {
        const total = temper(probs, r * ACTION_COUNT, this.temperature, tempered);
        action = rngs[i].weighted(tempered);
        probability = tempered[action] / total;
      }
      logprobs[i] += Math.log(probability);
      episodes[i].apply(action);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Writes p^(1/T) of one row of `probs` into `out` and returns its sum. */
function temper(probs: Float32Array, start: number, temperature: number, out: Float64Array): number {
  let total = 0;
  for (let a = 0; a < out.length; a++) {
    out[a] = probs[start + a] ** (1 / temperature);
    total += out[a];
  }
  return total;
}
