import { ALLOWED_ACTIONS, NO_MASK } from './policy/action-masks';
import { AttemptBatch } from './policy/attempt-batch';
import { ACTION_COUNT, FEATURE_COUNT } from './policy/layout';
import { drawMasked } from './policy/masked-draw';
import { RngLanes } from './rng-lanes';
import type { AttemptRequest, SampledAttempt } from './sampler';

/** The arrays one model call is written into, sized for `rows` rows; reused from call to call. */
export interface StepBuffers {
  features: Float32Array;
  mask: Float32Array;
  /** The mask index each row of `mask` holds. */
  masks: Uint8Array;
  tempered: Float64Array;
}

export function stepBuffers(rows: number): StepBuffers {
  return {
    features: new Float32Array(rows * FEATURE_COUNT),
    mask: new Float32Array(rows * ACTION_COUNT),
    masks: new Uint8Array(rows).fill(NO_MASK),
    tempered: new Float64Array(ACTION_COUNT),
  };
}

/**
 * The attempts of one sampling call, stepping in lockstep: each step feeds every still-running
 * attempt to the model (in chunks), draws each one's action from its own seeded lane and then
 * drops the attempts that ended. Every attempt's answer depends only on its own seed.
 */
export class SamplingCall {
  private readonly batch: AttemptBatch;
  private readonly lanes: RngLanes;
  private readonly logprobs: Float64Array;
  /** The first `running` entries are the running attempts; the first `drawn` of those have taken the current step. */
  private readonly active: Int32Array;
  private running: number;
  private drawn = 0;

  constructor(requests: readonly AttemptRequest[], private readonly temperature: number) {
    const n = requests.length;
    this.batch = new AttemptBatch(requests.map((r) => r.problem));
    this.lanes = new RngLanes(n);
    for (let i = 0; i < n; i++) this.lanes.seed(i, requests[i].seed);
    this.logprobs = new Float64Array(n);
    this.active = new Int32Array(n);
    for (let i = 0; i < n; i++) this.active[i] = i;
    this.running = n;
  }

  /** Attempts that still have to take the current step (all running ones at a step's start). */
  get pending(): number {
    return this.running - this.drawn;
  }

  /** Writes the inputs of the next `rows` pending attempts into the first rows of `buffers`. */
  write(rows: number, buffers: StepBuffers): void {
    this.batch.writeInputs(this.active, this.drawn, rows, buffers.features, buffers.mask, buffers.masks);
  }

  /** Draws the actions of the rows `write` wrote from the model's probabilities `probs`, and advances those attempts. */
  draw(rows: number, probs: Float32Array, buffers: StepBuffers): void {
    const { masks, tempered } = buffers;
    for (let r = 0; r < rows; r++) {
      const i = this.active[this.drawn + r];
      const allowed = ALLOWED_ACTIONS[masks[r]];
      let action: number;
      let probability: number;
      if (this.temperature === 1) {
        action = drawMasked(this.lanes, i, probs, r * ACTION_COUNT, allowed);
        probability = probs[r * ACTION_COUNT + action];
      } else {
        const total = temper(probs, r * ACTION_COUNT, allowed, this.temperature, tempered);
        action = drawMasked(this.lanes, i, tempered, 0, allowed);
        probability = tempered[action] / total;
      }
      this.logprobs[i] += Math.log(probability);
      this.batch.apply(i, action);
    }
    this.drawn += rows;
    if (this.drawn === this.running) this.endStep();
  }

  /** Drops the attempts that ended, keeping the others in order. */
  private endStep(): void {
    let kept = 0;
    for (let r = 0; r < this.running; r++) if (!this.batch.done[this.active[r]]) this.active[kept++] = this.active[r];
    this.running = kept;
    this.drawn = 0;
  }

  results(): SampledAttempt[] {
    const attempts = new Array<SampledAttempt>(this.batch.size);
    for (let i = 0; i < this.batch.size; i++) {
      attempts[i] = { output: this.batch.output(i), tokens: this.batch.steps(i), logprob: Math.min(0, this.logprobs[i]) };
    }
    return attempts;
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
