import { UsageError } from '@xp/events';
import {
  ModelProto, ONNX_ATTRIBUTE_INT, ONNX_ATTRIBUTE_INTS, ONNX_FLOAT, ONNX_INT32, ONNX_IR_VERSION, ONNX_OPSET, ONNX_UINT8,
} from './onnx-schema';
import type { MlpWeights } from './mlp';

/**
 * Encodes the policy MLP as an ONNX graph and back:
 *   probs = Softmax((Relu(features · w1 + b1) · w2 + b2) / temperature + action_mask)
 * and draws one action per row from `probs` by the inverse CDF at `uniform`: the first action whose
 * cumulative probability, as a fraction of the row's total, exceeds it. Drawing in the graph leaves
 * the caller one action and its probability to read per row instead of a whole probability row.
 * Inputs `features` [batch, inputs], `action_mask` [batch, outputs] (0 or a large negative number
 * per action), `uniform` [batch, 1] (in [0, 1)) and `temperature` [1]; outputs `probs`
 * [batch, outputs], `action` [batch, 1] (int32) and `action_probability` [batch, 1].
 */
export const INPUT_FEATURES = 'features';
export const INPUT_MASK = 'action_mask';
export const INPUT_UNIFORM = 'uniform';
export const INPUT_TEMPERATURE = 'temperature';
export const OUTPUT_PROBS = 'probs';
export const OUTPUT_ACTION = 'action';
export const OUTPUT_ACTION_PROBABILITY = 'action_probability';
const PRODUCER = 'xp-loop';
const LAYOUT_KEY = 'xp.policy.layout';

type Attributes = Record<string, number | number[]>;

export function encodeOnnx(weights: MlpWeights, layoutVersion: string): Uint8Array {
  const { inputs, hidden, outputs } = weights.shape;
  const node = (opType: string, input: string[], output: string, attributes: Attributes = {}) => ({
    opType,
    input,
    output: [output],
    name: output,
    attribute: Object.entries(attributes).map(([name, value]) =>
      (typeof value === 'number' ? { name, type: ONNX_ATTRIBUTE_INT, i: value } : { name, type: ONNX_ATTRIBUTE_INTS, ints: value })),
  });
  const graph = {
    name: 'xp_policy',
    node: [
      node('MatMul', [INPUT_FEATURES, 'w1'], 'hidden_linear'),
      node('Add', ['hidden_linear', 'b1'], 'hidden_biased'),
      node('Relu', ['hidden_biased'], 'hidden'),
      node('MatMul', ['hidden', 'w2'], 'logits_linear'),
      node('Add', ['logits_linear', 'b2'], 'logits'),
      node('Div', ['logits', INPUT_TEMPERATURE], 'tempered_logits'),
      node('Add', ['tempered_logits', INPUT_MASK], 'masked_logits'),
      node('Softmax', ['masked_logits'], OUTPUT_PROBS),
      // Sums of non-negative terms in order never decrease, and x / x is exactly 1: the last allowed
      // action always exceeds any uniform below 1, and an action of probability 0 never does first.
      node('CumSum', [OUTPUT_PROBS, 'action_axis'], 'cumulative'),
      node('ReduceMax', ['cumulative'], 'total', { axes: [1] }),
      node('Div', ['cumulative', 'total'], 'cdf'),
      node('Less', [INPUT_UNIFORM, 'cdf'], 'beyond'),
      node('Cast', ['beyond'], 'beyond_byte', { to: ONNX_UINT8 }),
      // ArgMax picks the first of equal maxima: the first action beyond the uniform.
      node('ArgMax', ['beyond_byte'], 'drawn', { axis: 1 }),
      node('Cast', ['drawn'], OUTPUT_ACTION, { to: ONNX_INT32 }),
      node('GatherElements', [OUTPUT_PROBS, 'drawn'], OUTPUT_ACTION_PROBABILITY, { axis: 1 }),
    ],
    initializer: [
      tensor('w1', [inputs, hidden], weights.w1),
      tensor('b1', [hidden], weights.b1),
      tensor('w2', [hidden, outputs], weights.w2),
      tensor('b2', [outputs], weights.b2),
      { name: 'action_axis', dims: [], dataType: ONNX_INT32, rawData: int32LittleEndian(1) },
    ],
    input: [
      valueInfo(INPUT_FEATURES, ['batch', inputs]),
      valueInfo(INPUT_MASK, ['batch', outputs]),
      valueInfo(INPUT_UNIFORM, ['batch', 1]),
      valueInfo(INPUT_TEMPERATURE, [1]),
    ],
    output: [
      valueInfo(OUTPUT_PROBS, ['batch', outputs]),
      valueInfo(OUTPUT_ACTION, ['batch', 1], ONNX_INT32),
      valueInfo(OUTPUT_ACTION_PROBABILITY, ['batch', 1]),
    ],
  };
  const model = {
    irVersion: ONNX_IR_VERSION,
    producerName: PRODUCER,
    producerVersion: '1',
    graph,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: [{ key: LAYOUT_KEY, value: layoutVersion }],
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** The feature/action layout a checkpoint was written for ('none' when it records none). */
export function onnxLayout(bytes: Uint8Array): string {
  const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Buffer }) as DecodedModel;
  return model.metadataProps?.find((p) => p.key === LAYOUT_KEY)?.value ?? 'none';
}

/** Reads the weights back; refuses files written for another feature/action layout. */
export function decodeOnnx(bytes: Uint8Array, expectedLayout: string): MlpWeights {
  const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Buffer }) as DecodedModel;
  const layout = model.metadataProps?.find((p) => p.key === LAYOUT_KEY)?.value;
  if (layout !== expectedLayout) {
    throw new UsageError(`checkpoint was written for policy layout '${layout ?? 'none'}', this code expects '${expectedLayout}'`);
  }
  const byName = new Map(model.graph.initializer.map((t) => [t.name, t]));
  const read = (name: string) => {
    const t = byName.get(name);
    if (!t) throw new UsageError(`checkpoint lacks initializer '${name}'`);
    return { dims: t.dims, data: fromLittleEndian(t.rawData) };
  };
  const w1 = read('w1');
  const w2 = read('w2');
  return {
    shape: { inputs: w1.dims[0], hidden: w1.dims[1], outputs: w2.dims[1] },
    w1: w1.data,
    b1: read('b1').data,
    w2: w2.data,
    b2: read('b2').data,
  };
}

/**
 * The checkpoint as a graph this code samples. Files written before the graph drew actions itself
 * (inputs `features` and `action_mask` only) are re-encoded from their weights under their own
 * layout, so runs started before that change can still be continued and forked.
 */
export function withInGraphDraw(bytes: Uint8Array): Uint8Array {
  const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Buffer }) as DecodedModel;
  if (model.graph.input?.some((input) => input.name === INPUT_UNIFORM)) return bytes;
  const layout = model.metadataProps?.find((p) => p.key === LAYOUT_KEY)?.value ?? 'none';
  return encodeOnnx(decodeOnnx(bytes, layout), layout);
}

interface DecodedModel {
  metadataProps?: Array<{ key: string; value: string }>;
  graph: { initializer: Array<{ name: string; dims: number[]; rawData: Buffer }>; input?: Array<{ name: string }> };
}

function tensor(name: string, dims: number[], data: Float32Array) {
  return { name, dims, dataType: ONNX_FLOAT, rawData: toLittleEndian(data) };
}

function valueInfo(name: string, dims: Array<'batch' | number>, elemType = ONNX_FLOAT) {
  const dim = dims.map((d) => (d === 'batch' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

// ONNX raw_data is little-endian whatever the host's byte order.
function toLittleEndian(data: Float32Array): Buffer {
  const out = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

function int32LittleEndian(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32LE(value);
  return out;
}

function fromLittleEndian(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
