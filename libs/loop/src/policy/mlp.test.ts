import { Rng } from '../rng';
import { Adam, DEFAULT_ADAM, initWeights, lossAndGradient, parameters, type TrainingExample } from './mlp';

const shape = { inputs: 5, hidden: 4, outputs: 3 };

function examples(): TrainingExample[] {
  const rng = new Rng(9);
  return Array.from({ length: 6 }, (_, i) => ({
    features: Float32Array.from({ length: shape.inputs }, () => rng.next() * 2 - 1),
    mask: Float32Array.from([0, i % 3 === 0 ? -1e9 : 0, 0]),
    action: i % 3 === 0 ? 2 : i % 3,
    weight: 1 + (i % 2),
  }));
}

describe('MLP policy math', () => {
  it('has an analytic gradient that matches finite differences', () => {
    const weights = initWeights(shape, 5);
    const batch = examples();
    const { gradients } = lossAndGradient(weights, batch);
    const params = parameters(weights);
    for (let k = 0; k < params.length; k++) {
      for (const index of [0, params[k].length - 1]) {
        const original = params[k][index];
        const h = 1e-2;
        params[k][index] = original + h;
        const plus = lossAndGradient(weights, batch).loss;
        params[k][index] = original - h;
        const minus = lossAndGradient(weights, batch).loss;
        params[k][index] = original;
        // Parameters are float32: divide by the step that was actually stored.
        const numeric = (plus - minus) / (Math.fround(original + h) - Math.fround(original - h));
        expect(gradients[k][index]).toBeCloseTo(numeric, 3);
      }
    }
  });

  it('lowers the loss with Adam', () => {
    const weights = initWeights(shape, 5);
    const batch = examples();
    const before = lossAndGradient(weights, batch).loss;
    const adam = new Adam(weights, { ...DEFAULT_ADAM, learningRate: 0.05 });
    for (let i = 0; i < 50; i++) adam.step(lossAndGradient(weights, batch).gradients);
    expect(lossAndGradient(weights, batch).loss).toBeLessThan(before * 0.7);
  });
});
