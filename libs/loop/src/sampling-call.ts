import { NO_MASK } from './policy/action-masks';
import { AttemptBatch } from './policy/attempt-batch';
import { ACTION_COUNT, FEATURE_COUNT, SEPARATE_INPUTS, type InputLayout } from './policy/layout';
import { RngLanes } from './rng-lanes';
import type { AttemptRequest, SampledAttempt } from './sampler';

/** The model inputs of a sampling call, a row per running attempt; reused from call to call. */
export interface StepBuffers {
  features: Float32Array;
  mask: Float32Array;
  /** The mask index each row of `mask` holds. */
  masks: Uint8Array;
  /** Each row's uniform number, at which the model draws the row's action. */
  uniform: Float32Array;
}

export function stepBuffers(rows: number): StepBuffers {
  return {
    features: new Float32Array(rows * FEATURE_COUNT),
    mask: new Float32Array(rows * ACTION_COUNT),
    masks: new Uint8Array(rows).fill(NO_MASK),
    uniform: new Float32Array(rows),
  };
}

/**
 * The attempts of one sampling call, stepping in lockstep: each step feeds every still-running
 * attempt to the model (in chunks) with a uniform number from its own seeded lane, at which the
 * model draws its action. Every attempt's answer depends only on its own seed.
 *
 * The buffers hold one row per running attempt. Applying a chunk's actions writes the next step's
 * row of each attempt that goes on right away, while its state is at hand, into the first rows not
 * yet taken by the next step: those rows were fed to the model already, so no row is written twice
 * per step and the attempts that ended drop out.
 */
export class SamplingCall {
  private readonly batch: AttemptBatch;
  private readonly lanes: RngLanes;
  private readonly logprobs: Float64Array;
  /** The attempt in each buffer row: the first `running` take the current step, the first `drawn` of those have. */
  private readonly active: Int32Array;
  private running: number;
  private drawn = 0;
  /** Attempts that took the current step and go on: they hold the first rows, written for the next step. */
  private kept = 0;

  /** `buffers` must have a row per request. */
  constructor(requests: readonly AttemptRequest[], private readonly buffers: StepBuffers, layout: InputLayout = SEPARATE_INPUTS) {
    const n = requests.length;
    this.batch = new AttemptBatch(requests.map((r) => r.problem), layout);
    this.lanes = new RngLanes(n);
    this.logprobs = new Float64Array(n);
    this.active = new Int32Array(n);
    // Separate loops: V8 optimizes each far better than one loop doing both.
    for (let i = 0; i < n; i++) this.lanes.seed(i, requests[i].seed);
    for (let i = 0; i < n; i++) {
      this.active[i] = i;
      this.writeRow(i, i);
    }
    this.running = n;
  }

  /** Attempts that still have to take the current step (all running ones at a step's start). */
  get pending(): number {
    return this.running - this.drawn;
  }

  /** The buffer row of the first pending attempt. */
  get next(): number {
    return this.drawn;
  }

  /**
   * Applies the actions the model drew for the next `rows` pending attempts, with their
   * probabilities, and writes the next step's row of each that goes on.
   */
  advance(rows: number, actions: Int32Array, probabilities: Float32Array): void {
    const { active, batch, logprobs } = this;
    let kept = this.kept;
    for (let r = 0; r < rows; r++) {
      const i = active[this.drawn + r];
      logprobs[i] += Math.log(probabilities[r]);
      batch.apply(i, actions[r]);
      if (batch.done[i]) continue;
      active[kept] = i;
      this.writeRow(i, kept++);
    }
    this.kept = kept;
    this.drawn += rows;
    if (this.drawn < this.running) return;
    this.running = kept;
    this.drawn = 0;
    this.kept = 0;
  }

  private writeRow(attempt: number, row: number): void {
    const { features, mask, masks, uniform } = this.buffers;
    this.batch.writeRow(attempt, row, features, mask, masks);
    uniform[row] = this.lanes.nextFloat32(attempt);
  }

  results(): SampledAttempt[] {
    const attempts = new Array<SampledAttempt>(this.batch.size);
    for (let i = 0; i < this.batch.size; i++) {
      attempts[i] = { output: this.batch.output(i), tokens: this.batch.steps(i), logprob: Math.min(0, this.logprobs[i]) };
    }
    return attempts;
  }
}
