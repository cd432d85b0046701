import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ACTION_COUNT, FEATURE_COUNT } from './policy/layout';
import { INPUT_FEATURES, INPUT_MASK, OUTPUT_PROBS } from './policy/onnx-model';
import { SamplingCall, stepBuffers, type StepBuffers } from './sampling-call';
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

/**
 * Runs the ONNX policy on many attempts at once: every still-running attempt advances one step per
 * model call. onnxruntime-node runs a model synchronously on this thread (its `run` only defers the
 * call to the next turn of the event loop), so the bookkeeping between calls cannot overlap them;
 * it is kept to typed-array writes and one draw per row.
 */
export class PolicySampler {
  /** Buffers of the last finished call, so that the next one allocates nothing per step. */
  private spare?: StepBuffers;

  private constructor(
    private readonly session: InferenceSession,
    private readonly temperature: number,
    private readonly maxBatch: number,
  ) {}

  static async load(onnx: Uint8Array, options: SamplerOptions = {}): Promise<PolicySampler> {
    return new PolicySampler(await createPolicySession(onnx), options.temperature ?? 1, options.maxBatch ?? 4096);
  }

  async sample(requests: readonly AttemptRequest[]): Promise<SampledAttempt[]> {
    const call = new SamplingCall(requests, this.temperature);
    const buffers = this.takeBuffers(Math.min(this.maxBatch, requests.length));
    while (call.pending > 0) {
      const rows = Math.min(this.maxBatch, call.pending);
      call.write(rows, buffers);
      call.draw(rows, await this.infer(rows, buffers), buffers);
    }
    this.spare = buffers;
    return call.results();
  }

  /** The model's probabilities for the first `rows` rows of `buffers`: the bare `session.run`. */
  private async infer(rows: number, buffers: StepBuffers): Promise<Float32Array> {
    const outputs = await this.session.run({
      [INPUT_FEATURES]: new Tensor('float32', buffers.features.subarray(0, rows * FEATURE_COUNT), [rows, FEATURE_COUNT]),
      [INPUT_MASK]: new Tensor('float32', buffers.mask.subarray(0, rows * ACTION_COUNT), [rows, ACTION_COUNT]),
    });
    return outputs[OUTPUT_PROBS].data as Float32Array;
  }

  /** The spare buffers if they are large enough; a call running concurrently with another gets its own. */
  private takeBuffers(rows: number): StepBuffers {
    const spare = this.spare;
    this.spare = undefined;
    return spare && spare.masks.length >= rows ? spare : stepBuffers(Math.max(rows, 1));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
