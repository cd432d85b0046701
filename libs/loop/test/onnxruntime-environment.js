/**
 * jest runs each test file in its own realm, so a Float32Array made there is not `instanceof` the
 * Float32Array that onnxruntime-node's native side returns, and its Tensor constructor rejects the
 * output. Test files that run a model opt into this environment, which shares the host's typed arrays.
 * Usage: a docblock `@jest-environment ./libs/loop/test/onnxruntime-environment.js` at the top of the file.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array',
  'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
