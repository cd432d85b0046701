// @ts-check
/**
 * The worker side of InferenceThread (see inference-thread.ts). Plain JavaScript because Node
 * loads a worker's file itself, also where the TypeScript sources run untranspiled (under jest).
 *
 * Calls arrive in order: the caller transfers a call's input arrays through `port` and then bumps
 * control[SUBMITTED]; the worker runs the model, transfers the inputs back with the output and
 * bumps control[COMPLETED]. Atomics wake either side without a trip through an event loop.
 */
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
const { InferenceSession, Tensor } = require('onnxruntime-node');

const SUBMITTED = 0;
const COMPLETED = 1;
const FAILED = 2;

/** @type {{ onnx: Uint8Array, options: import('onnxruntime-node').InferenceSession.SessionOptions, control: Int32Array, port: import('node:worker_threads').MessagePort, names: { features: string, mask: string, probs: string }, widths: { features: number, actions: number } }} */
const { onnx, options, control, port, names, widths } = workerData;

/** @param {InferenceSession} session */
async function serve(session) {
  for (let handled = 0; ; handled++) {
    while (Atomics.load(control, SUBMITTED) === handled) Atomics.wait(control, SUBMITTED, handled);
    const received = receiveMessageOnPort(port);
    if (!received) throw new Error('a call was announced but not sent');
    /** @type {{ rows: number, features: Float32Array<ArrayBuffer>, mask: Float32Array<ArrayBuffer> }} */
    const { rows, features, mask } = received.message;
    const outputs = await session.run({
      [names.features]: new Tensor('float32', features.subarray(0, rows * widths.features), [rows, widths.features]),
      [names.mask]: new Tensor('float32', mask.subarray(0, rows * widths.actions), [rows, widths.actions]),
    });
    const probs = /** @type {Float32Array<ArrayBuffer>} */ (outputs[names.probs].data);
    port.postMessage({ features, mask, probs }, [features.buffer, mask.buffer, probs.buffer]);
    Atomics.store(control, COMPLETED, handled + 1);
    Atomics.notify(control, COMPLETED);
  }
}

InferenceSession.create(onnx, options)
  .then((session) => {
    parentPort?.postMessage('ready');
    return serve(session);
  })
  .catch((error) => {
    // A waiting caller sees FAILED and reads the reason from the port.
    port.postMessage({ error: error instanceof Error ? error.stack ?? error.message : String(error) });
    Atomics.store(control, FAILED, 1);
    Atomics.notify(control, COMPLETED);
    parentPort?.postMessage('failed');
  });
