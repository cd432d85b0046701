import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ACTION_COUNT, FEATURE_COUNT } from './layout';
import { INPUT_FEATURES, INPUT_MASK, OUTPUT_PROBS } from './onnx-model';
import { POLICY_SESSION_OPTIONS } from './policy-session';

/** The inputs of one model call (its first rows); they travel to the thread and back. */
export interface ModelInputs {
  features: Float32Array<ArrayBuffer>;
  mask: Float32Array<ArrayBuffer>;
}

const SUBMITTED = 0;
const COMPLETED = 1;
const FAILED = 2;

/**
 * A policy session on its own thread. onnxruntime-node runs a model synchronously on the calling
 * thread (its `run` only defers the call), so inference can overlap the sampler's bookkeeping only
 * from another thread. Calls complete in submission order; their inputs move to the thread and back
 * and their outputs move here (transferred, not copied), and the caller waits on shared memory, not
 * on its event loop. The thread runs the same bare `session.run` as the calling thread would.
 */
export class InferenceThread {
  private submitted = 0;
  private completed = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly control: Int32Array,
  ) {}

  static async start(onnx: Uint8Array): Promise<InferenceThread> {
    const control = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(join(__dirname, 'inference-thread-entry.js'), {
      workerData: {
        onnx,
        options: POLICY_SESSION_OPTIONS,
        control,
        port: port2,
        names: { features: INPUT_FEATURES, mask: INPUT_MASK, probs: OUTPUT_PROBS },
        widths: { features: FEATURE_COUNT, actions: ACTION_COUNT },
      },
      transferList: [port2],
    });
    // An idle sampler that was never released must not keep the process alive.
    worker.unref();
    const thread = new InferenceThread(worker, port1, control);
    const started = await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (started !== 'ready') {
      const reason = thread.failure();
      await worker.terminate();
      throw reason;
    }
    return thread;
  }

  /** Starts a call on the first `rows` rows; the arrays are unusable until `collect` gives them back. */
  submit(inputs: ModelInputs, rows: number): void {
    const { features, mask } = inputs;
    this.port.postMessage({ rows, features, mask }, [features.buffer, mask.buffer]);
    this.submitted++;
    Atomics.store(this.control, SUBMITTED, this.submitted);
    Atomics.notify(this.control, SUBMITTED);
  }

  /** Blocks until the oldest outstanding call is done, puts its arrays back into `inputs` and returns its probabilities. */
  collect(inputs: ModelInputs): Float32Array {
    if (this.completed === this.submitted) throw new Error('no model call is outstanding');
    for (;;) {
      const done = Atomics.load(this.control, COMPLETED);
      if (done > this.completed) break;
      if (Atomics.load(this.control, FAILED)) throw this.failure();
      Atomics.wait(this.control, COMPLETED, done);
    }
    this.completed++;
    const result = receiveMessageOnPort(this.port)?.message as ModelInputs & { probs: Float32Array };
    inputs.features = result.features;
    inputs.mask = result.mask;
    return result.probs;
  }

  /** The thread's reason for failing: the last message it sent, after any finished calls' arrays. */
  private failure(): Error {
    let error: string | undefined;
    for (let received = receiveMessageOnPort(this.port); received; received = receiveMessageOnPort(this.port)) {
      error = (received.message as { error?: string }).error ?? error;
    }
    return new Error(`inference thread failed: ${error ?? 'unknown error'}`);
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
