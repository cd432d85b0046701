import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ALLOWED_ACTIONS } from './policy/action-masks';
import { AttemptBatch } from './policy/attempt-batch';
import { ACTION_COUNT, FEATURE_COUNT } from './policy/layout';
import { drawMasked } from './policy/masked-draw';
import { INPUT_FEATURES, INPUT_MASK, OUTPUT_PROBS } from './policy/onnx-model';
import { RngLanes } from './rng-lanes';
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

/** Reusable per-call arrays, sized for the largest model call. */
interface StepBuffers {
  features: Float32Array;
  mask: Float32Array;
  probs: Float32Array;
  /** Each row's mask index. */
  masks: Uint8Array;
  tempered: Float64Array;
}

/** Runs the ONNX policy on many attempts at once: every still-running attempt advances one step per model call. */
export class PolicySampler {
  /** Buffers of a finished call, kept so the next call allocates nothing per step; concurrent calls get their own. */
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
    const n = requests.length;
    const batch = new AttemptBatch(requests.map((r) => r.problem));
    const lanes = new RngLanes(n);
    for (let i = 0; i < n; i++) lanes.seed(i, requests[i].seed);
    const logprobs = new Float64Array(n);
    const buffers = this.takeBuffers(Math.min(this.maxBatch, n));
    // Still-running attempts, compacted in place after every step.
    const active = new Int32Array(n);
    for (let i = 0; i < n; i++) active[i] = i;
    let running = n;
    while (running > 0) {
      for (let from = 0; from < running; from += this.maxBatch) {
        const rows = Math.min(this.maxBatch, running - from);
        batch.writeInputs(active, from, rows, 0, buffers.features, buffers.mask, buffers.masks);
        await this.infer(rows, buffers);
        this.draw(active, from, rows, buffers, lanes, logprobs, batch);
      }
      let kept = 0;
      for (let r = 0; r < running; r++) if (!batch.done[active[r]]) active[kept++] = active[r];
      running = kept;
    }
    this.spare = buffers;
    const attempts = new Array<SampledAttempt>(n);
    for (let i = 0; i < n; i++) attempts[i] = { output: batch.output(i), tokens: batch.steps(i), logprob: Math.min(0, logprobs[i]) };
    return attempts;
  }

  private takeBuffers(rows: number): StepBuffers {
    const spare = this.spare;
    this.spare = undefined;
    if (spare && spare.masks.length >= rows) return spare;
    return {
      features: new Float32Array(rows * FEATURE_COUNT),
      mask: new Float32Array(rows * ACTION_COUNT),
      probs: new Float32Array(rows * ACTION_COUNT),
      masks: new Uint8Array(rows),
      tempered: new Float64Array(ACTION_COUNT),
    };
  }

  /** Fills the first `rows` rows of `buffers.probs`: onnxruntime writes into it rather than allocating an output per call. */
  private async infer(rows: number, buffers: StepBuffers): Promise<void> {
    await this.session.run(
      {
        [INPUT_FEATURES]: new Tensor('float32', buffers.features.subarray(0, rows * FEATURE_COUNT), [rows, FEATURE_COUNT]),
        [INPUT_MASK]: new Tensor('float32', buffers.mask.subarray(0, rows * ACTION_COUNT), [rows, ACTION_COUNT]),
      },
      { [OUTPUT_PROBS]: new Tensor('float32', buffers.probs.subarray(0, rows * ACTION_COUNT), [rows, ACTION_COUNT]) },
    );
  }

  /** Draws each row's action from its attempt's own lane and advances the attempt. */
  private draw(
    active: Int32Array, from: number, rows: number, buffers: StepBuffers, lanes: RngLanes, logprobs: Float64Array, batch: AttemptBatch,
  ): void {
    const { probs, masks, tempered } = buffers;
    for (let r = 0; r < rows; r++) {
      const i = active[from + r];
      const allowed = ALLOWED_ACTIONS[masks[r]];
      let action: number;
      let probability: number;
      if (this.temperature === 1) {
        action = drawMasked(lanes, i, probs, r * ACTION_COUNT, allowed);
        probability = probs[r * ACTION_COUNT + action];
      } else {
        const total = temper(probs, r * ACTION_COUNT, allowed, this.temperature, tempered);
        action = drawMasked(lanes, i, tempered, 0, allowed);
        probability = tempered[action] / total;
      }
      logprobs[i] += Math.log(probability);
      batch.apply(i, action);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Writes p^(1/T) of the allowed actions of one row of `probs` into `out` and returns their sum. */
function temper(probs: Float32Array, start: number, allowed: Int32Array, temperature: number, out: Float64Array): number {
  let total = 0;
  for (let k = 0; k < allowed.length; k++) {
    const a = allowed[k];
    out[a] = probs[start + a] ** (1 / temperature);
    total += out[a];
  }
  return total;
}
