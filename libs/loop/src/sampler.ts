import { setImmediate as nextTurn } from 'node:timers/promises';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { AttemptStream, stepBuffers, type StepBuffers } from './attempt-stream';
import { InferenceThread } from './policy/inference-thread';
import { ACTION_COUNT, FEATURE_COUNT } from './policy/layout';
import { INPUT_FEATURES, INPUT_MASK, OUTPUT_PROBS } from './policy/onnx-model';
import { createPolicySession } from './policy/policy-session';
import type { Problem } from './tasks/problem';

export { createPolicySession, POLICY_SESSION_OPTIONS } from './policy/policy-session';

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
  /**
   * Fewest running attempts per half for the halves to take turns on an inference thread (default
   * 512). Below it, handing calls between threads costs more than the bookkeeping it hides, so the
   * calling thread runs the model itself; Infinity never starts the thread.
   */
  minOverlapRows?: number;
}

/**
 * Runs the ONNX policy on many attempts at once: every still-running attempt advances one step per
 * model call. Large calls split their attempts into two halves that take turns: while the inference
 * thread runs the model on one half, this thread draws the other half's actions and writes its next
 * inputs. One model call runs at a time, on the same model with the same session options, so the
 * answers are the same as running every step here.
 */
export class PolicySampler {
  private thread?: Promise<InferenceThread>;
  /** Buffers of finished calls, so that a call allocates nothing per step. */
  private readonly spare: StepBuffers[] = [];
  /** Calls run one after another: the inference thread answers in submission order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly onnx: Uint8Array,
    private readonly session: InferenceSession,
    private readonly temperature: number,
    private readonly maxBatch: number,
    private readonly minOverlapRows: number,
  ) {}

  static async load(onnx: Uint8Array, options: SamplerOptions = {}): Promise<PolicySampler> {
    return new PolicySampler(
      onnx, await createPolicySession(onnx), options.temperature ?? 1, options.maxBatch ?? 4096, options.minOverlapRows ?? 512,
    );
  }

  sample(requests: readonly AttemptRequest[]): Promise<SampledAttempt[]> {
    const result = this.queue.then(() => this.sampleNow(requests));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async sampleNow(requests: readonly AttemptRequest[]): Promise<SampledAttempt[]> {
    const half = Math.ceil(requests.length / 2);
    if (requests.length - half < this.minOverlapRows) {
      const stream = new AttemptStream(requests, this.temperature);
      await this.runHere([stream]);
      return stream.results();
    }
    const thread = await (this.thread ??= InferenceThread.start(this.onnx));
    const halves = await this.takeTurns(thread, requests.slice(0, half), requests.slice(half));
    await this.runHere(halves);
    return [...halves[0].results(), ...halves[1].results()];
  }

  /**
   * The two halves take turns on the inference thread while both still run at least
   * `minOverlapRows` attempts; returns them at that point (both between model calls).
   */
  private async takeTurns(
    thread: InferenceThread, first: readonly AttemptRequest[], second: readonly AttemptRequest[],
  ): Promise<[AttemptStream, AttemptStream]> {
    const rows = [0, 0];
    const buffers = [this.take(Math.min(this.maxBatch, first.length)), this.take(Math.min(this.maxBatch, second.length))];
    const streams: AttemptStream[] = [];
    const submit = (k: number) => {
      rows[k] = Math.min(this.maxBatch, streams[k].pending);
      streams[k].write(rows[k], 0, buffers[k]);
      thread.submit(buffers[k], rows[k]);
    };
    // The second half is set up while the thread already runs the first.
    streams.push(new AttemptStream(first, this.temperature));
    submit(0);
    streams.push(new AttemptStream(second, this.temperature));
    submit(1);
    let inFlight = 2;
    for (let k = 0; inFlight > 0; k = 1 - k) {
      const probs = thread.collect(buffers[k]);
      inFlight--;
      streams[k].draw(rows[k], 0, probs, buffers[k]);
      if (Math.min(streams[0].running, streams[1].running) >= this.minOverlapRows) {
        submit(k);
        inFlight++;
      }
      // Between turns, let the rest of the process run, as a model call on this thread would.
      if (k === 1) await nextTurn();
    }
    this.give(buffers[0], buffers[1]);
    return [streams[0], streams[1]];
  }

  /** Runs the streams to the end on this thread, each model call covering the pending rows of all of them. */
  private async runHere(streams: AttemptStream[]): Promise<void> {
    const pending = streams.reduce((sum, s) => sum + s.pending, 0);
    const buffers = this.take(Math.min(this.maxBatch, pending));
    const rows = streams.map(() => 0);
    for (;;) {
      let total = 0;
      streams.forEach((stream, k) => {
        rows[k] = Math.min(stream.pending, this.maxBatch - total);
        if (rows[k] > 0) stream.write(rows[k], total, buffers);
        total += rows[k];
      });
      if (total === 0) break;
      const probs = await this.infer(total, buffers);
      let at = 0;
      streams.forEach((stream, k) => {
        if (rows[k] > 0) stream.draw(rows[k], at, probs, buffers);
        at += rows[k];
      });
    }
    this.give(buffers);
  }

  /** The model's probabilities for the first `rows` rows of `buffers`. */
  private async infer(rows: number, buffers: StepBuffers): Promise<Float32Array> {
    const outputs = await this.session.run({
      [INPUT_FEATURES]: new Tensor('float32', buffers.features.subarray(0, rows * FEATURE_COUNT), [rows, FEATURE_COUNT]),
      [INPUT_MASK]: new Tensor('float32', buffers.mask.subarray(0, rows * ACTION_COUNT), [rows, ACTION_COUNT]),
    });
    return outputs[OUTPUT_PROBS].data as Float32Array;
  }

  private take(rows: number): StepBuffers {
    const index = this.spare.findIndex((b) => b.masks.length >= rows);
    return index < 0 ? stepBuffers(Math.max(rows, 1)) : this.spare.splice(index, 1)[0];
  }

  private give(...buffers: StepBuffers[]): void {
    this.spare.push(...buffers);
    this.spare.sort((a, b) => a.masks.length - b.masks.length);
    // Two halves and one call here are all a call uses at once.
    this.spare.splice(3);
  }

  async release(): Promise<void> {
    await this.queue;
    await this.session.release();
    const thread = await this.thread?.catch(() => undefined);
    await thread?.close();
  }
}
