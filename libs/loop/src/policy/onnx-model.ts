import { UsageError } from '@xp/events';
import { ModelProto, ONNX_FLOAT, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-schema';
import type { MlpWeights } from './mlp';

/**
 * Encodes the policy MLP as an ONNX graph and back:
 *   probs = Softmax(Relu(features · w1 + b1) · w2 + b2 + action_mask)
 * Inputs `features` [batch, inputs] and `action_mask` [batch, outputs] (0 or a large negative
 * number per action); output `probs` [batch, outputs].
 */
export const INPUT_FEATURES = 'features';
export const INPUT_MASK = 'action_mask';
export const OUTPUT_PROBS = 'probs';
const PRODUCER = 'xp-loop';
const LAYOUT_KEY = 'xp.policy.layout';

export function encodeOnnx(weights: MlpWeights, layoutVersion: string): Uint8Array {
  const { inputs, hidden, outputs } = weights.shape;
  const node = (opType: string, input: string[], output: string) => ({ opType, input, output: [output], name: output });
  const graph = {
    name: 'xp_policy',
    node: [
      node('MatMul', [INPUT_FEATURES, 'w1'], 'hidden_linear'),
      node('Add', ['hidden_linear', 'b1'], 'hidden_biased'),
      node('Relu', ['hidden_biased'], 'hidden'),
      node('MatMul', ['hidden', 'w2'], 'logits_linear'),
      node('Add', ['logits_linear', 'b2'], 'logits'),
      node('Add', ['logits', INPUT_MASK], 'masked_logits'),
      node('Softmax', ['masked_logits'], OUTPUT_PROBS),
    ],
    initializer: [
      tensor('w1', [inputs, hidden], weights.w1),
      tensor('b1', [hidden], weights.b1),
      tensor('w2', [hidden, outputs], weights.w2),
      tensor('b2', [outputs], weights.b2),
    ],
    input: [valueInfo(INPUT_FEATURES, inputs), valueInfo(INPUT_MASK, outputs)],
    output: [valueInfo(OUTPUT_PROBS, outputs)],
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

interface DecodedModel {
  metadataProps?: Array<{ key: string; value: string }>;
  graph: { initializer: Array<{ name: string; dims: number[]; rawData: Buffer }> };
}

function tensor(name: string, dims: number[], data: Float32Array) {
  return { name, dims, dataType: ONNX_FLOAT, rawData: toLittleEndian(data) };
}

function valueInfo(name: string, width: number) {
  return {
    name,
    type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] } } },
  };
}

// ONNX raw_data is little-endian whatever the host's byte order.
function toLittleEndian(data: Float32Array): Buffer {
  const out = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

function fromLittleEndian(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
