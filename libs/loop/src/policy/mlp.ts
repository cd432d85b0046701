import { Rng } from '../rng';

/**
 * The policy's math in one place: a one-hidden-layer MLP (ReLU) whose masked softmax gives action
 * probabilities, its initialisation, the reward-weighted cross-entropy loss with its exact gradient,
 * and Adam. Weights are stored as float32 (what the ONNX checkpoint holds); arithmetic runs in
 * float64 and rounds on store, so a given parent checkpoint and batch always give the same child.
 */

export interface MlpShape {
  inputs: number;
  hidden: number;
  outputs: number;
}

export interface MlpWeights {
  shape: MlpShape;
  /** inputs x hidden, row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** hidden x outputs, row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

/** One decision to imitate: the step's features and mask, the action taken and how much it counts. */
export interface TrainingExample {
  features: Float32Array;
  mask: Float32Array;
  action: number;
  weight: number;
}

export function parameters(weights: MlpWeights): Float32Array[] {
  return [weights.w1, weights.b1, weights.w2, weights.b2];
}

export function initWeights(shape: MlpShape, seed: number, outputBias: (action: number) => number = () => 0): MlpWeights {
  const rng = new Rng(seed);
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng.next() - 1) * limit);
  };
  return {
    shape,
    w1: glorot(shape.inputs, shape.hidden),
    b1: new Float32Array(shape.hidden),
    w2: glorot(shape.hidden, shape.outputs),
    b2: Float32Array.from({ length: shape.outputs }, (_, a) => outputBias(a)),
  };
}

interface Activations {
  preActivation: Float64Array;
  hidden: Float64Array;
  probs: Float64Array;
}

function forward(weights: MlpWeights, features: Float32Array, mask: Float32Array): Activations {
  const { inputs, hidden: width, outputs } = weights.shape;
  const preActivation = Float64Array.from(weights.b1);
  for (let i = 0; i < inputs; i++) {
    const x = features[i];
    if (x === 0) continue;
    const row = i * width;
    for (let h = 0; h < width; h++) preActivation[h] += x * weights.w1[row + h];
  }
  const hidden = preActivation.map((v) => (v > 0 ? v : 0));
  const logits = new Float64Array(outputs);
  for (let a = 0; a < outputs; a++) logits[a] = weights.b2[a] + mask[a];
  for (let h = 0; h < width; h++) {
    const v = hidden[h];
    if (v === 0) continue;
    const row = h * outputs;
    for (let a = 0; a < outputs; a++) logits[a] += v * weights.w2[row + a];
  }
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let total = 0;
  const probs = logits.map((l) => {
    const e = Math.exp(l - max);
    total += e;
    return e;
  });
  for (let a = 0; a < outputs; a++) probs[a] /= total;
  return { preActivation, hidden, probs };
}

/** Action probabilities for one row; the ONNX graph computes the same thing in float32. */
export function actionProbabilities(weights: MlpWeights, features: Float32Array, mask: Float32Array): Float64Array {
  return forward(weights, features, mask).probs;
}

export interface LossAndGradient {
  loss: number;
  gradients: Float64Array[];
}

/** Weighted mean of -log p(action | features) over the examples, and its gradient per parameter. */
export function lossAndGradient(weights: MlpWeights, examples: readonly TrainingExample[]): LossAndGradient {
  const { inputs, hidden: width, outputs } = weights.shape;
  const gW1 = new Float64Array(inputs * width);
  const gB1 = new Float64Array(width);
  const gW2 = new Float64Array(width * outputs);
  const gB2 = new Float64Array(outputs);
  const totalWeight = examples.reduce((s, e) => s + e.weight, 0);
  if (totalWeight <= 0) return { loss: 0, gradients: [gW1, gB1, gW2, gB2] };
  let loss = 0;
  const dHidden = new Float64Array(width);
  for (const example of examples) {
    const { preActivation, hidden, probs } = forward(weights, example.features, example.mask);
    const scale = example.weight / totalWeight;
    loss -= scale * Math.log(Math.max(probs[example.action], 1e-300));
    // d loss / d logits = (p - onehot(action)) * scale
    const dLogits = probs.map((p, a) => (p - (a === example.action ? 1 : 0)) * scale);
    dHidden.fill(0);
    for (let h = 0; h < width; h++) {
      const row = h * outputs;
      let acc = 0;
      for (let a = 0; a < outputs; a++) {
        gW2[row + a] += hidden[h] * dLogits[a];
        acc += weights.w2[row + a] * dLogits[a];
      }
      dHidden[h] = preActivation[h] > 0 ? acc : 0;
    }
    for (let a = 0; a < outputs; a++) gB2[a] += dLogits[a];
    for (let h = 0; h < width; h++) gB1[h] += dHidden[h];
    for (let i = 0; i < inputs; i++) {
      const x = example.features[i];
      if (x === 0) continue;
      const row = i * width;
      for (let h = 0; h < width; h++) gW1[row + h] += x * dHidden[h];
    }
  }
  return { loss, gradients: [gW1, gB1, gW2, gB2] };
}

export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamConfig = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Adam with bias correction; its moments live for one fine-tuning round (one trainer invocation). */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(private readonly weights: MlpWeights, private readonly config: AdamConfig = DEFAULT_ADAM) {
    this.m = parameters(weights).map((p) => new Float64Array(p.length));
    this.v = parameters(weights).map((p) => new Float64Array(p.length));
  }

  step(gradients: Float64Array[]): void {
    const { learningRate, beta1, beta2, epsilon } = this.config;
    this.t++;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    parameters(this.weights).forEach((param, k) => {
      const g = gradients[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < param.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        param[i] -= (learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
      }
    });
  }
}
