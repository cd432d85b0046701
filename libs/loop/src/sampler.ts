import { InferenceSession, Tensor } from 'onnxruntime-node';
import { UsageError } from '@xp/events';
import { ACTION_COUNT, FEATURE_COUNT, inputLayoutOf, type InputLayout } from './policy/layout';
import {
  INPUT_FEATURES, INPUT_MASK, INPUT_TEMPERATURE, INPUT_UNIFORM, OUTPUT_ACTION, OUTPUT_ACTION_PROBABILITY, onnxLayout, withInGraphDraw,
} from './policy/onnx-model';
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
  /** Divides the logits before the softmax. */
  temperature?: number;
  /** Most rows per onnxruntime call. */
  maxBatch?: number;
}

/**
 * One thread per session: the model is tiny, so threads buy nothing, and a fixed reduction order
 * keeps the probabilities (hence every sampled answer) identical between a run and its replay.
 */
export async function createPolicySession(onnx: Uint8Array): Promise<InferenceSession> {
  return InferenceSession.create(withInGraphDraw(onnx), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
}

/** What the sampler reads back from each model call: the drawn action and its probability per row. */
export const SAMPLING_OUTPUTS: readonly string[] = [OUTPUT_ACTION, OUTPUT_ACTION_PROBABILITY];

/** The model inputs of rows [from, from + rows) of `buffers`. */
export function samplingFeeds(buffers: StepBuffers, from: number, rows: number, temperature: Tensor): Record<string, Tensor> {
  const to = from + rows;
  return {
    [INPUT_FEATURES]: new Tensor('float32', buffers.features.subarray(from * FEATURE_COUNT, to * FEATURE_COUNT), [rows, FEATURE_COUNT]),
    [INPUT_MASK]: new Tensor('float32', buffers.mask.subarray(from * ACTION_COUNT, to * ACTION_COUNT), [rows, ACTION_COUNT]),
    [INPUT_UNIFORM]: new Tensor('float32', buffers.uniform.subarray(from, to), [rows, 1]),
    [INPUT_TEMPERATURE]: temperature,
  };
}

export function temperatureTensor(temperature: number): Tensor {
  return new Tensor('float32', Float32Array.of(temperature), [1]);
}

/**
 * Runs the ONNX policy on many attempts at once: every still-running attempt advances one step per
 * model call. onnxruntime-node runs a model synchronously on this thread (its `run` only defers the
 * call to the next turn of the event loop), so the bookkeeping between calls cannot overlap them:
 * the model draws the actions itself, and the bookkeeping is kept to typed-array writes and reading
 * back one action per row.
 */
export class PolicySampler {
  /** Buffers of the last finished call, so that the next one allocates nothing per step. */
  private spare?: StepBuffers;

  private constructor(
    private readonly session: InferenceSession,
    private readonly temperature: Tensor,
    private readonly maxBatch: number,
    private readonly layout: InputLayout,
  ) {}

  /** Samples with the feature layout the checkpoint records. */
  static async load(onnx: Uint8Array, options: SamplerOptions = {}): Promise<PolicySampler> {
    const version = onnxLayout(onnx);
    const layout = inputLayoutOf(version);
    if (!layout) throw new UsageError(`checkpoint was written for policy layout '${version}', which this code cannot sample`);
    return new PolicySampler(await createPolicySession(onnx), temperatureTensor(options.temperature ?? 1), options.maxBatch ?? 4096, layout);
  }

  async sample(requests: readonly AttemptRequest[]): Promise<SampledAttempt[]> {
    const buffers = this.takeBuffers(requests.length);
    const call = new SamplingCall(requests, buffers, this.layout);
    while (call.pending > 0) {
      const rows = Math.min(this.maxBatch, call.pending);
      const outputs = await this.session.run(samplingFeeds(buffers, call.next, rows, this.temperature), SAMPLING_OUTPUTS);
      call.advance(rows, outputs[OUTPUT_ACTION].data as Int32Array, outputs[OUTPUT_ACTION_PROBABILITY].data as Float32Array);
    }
    this.spare = buffers;
    return call.results();
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
