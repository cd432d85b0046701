import { InferenceSession } from 'onnxruntime-node';

/**
 * One thread per session and sequential execution: the model is tiny, so threads buy nothing, and
 * a fixed reduction order keeps the probabilities (hence every sampled answer) identical between a
 * run and its replay. Every session on a policy, in any thread, uses these.
 */
export const POLICY_SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
};

export async function createPolicySession(onnx: Uint8Array): Promise<InferenceSession> {
  return InferenceSession.create(onnx, POLICY_SESSION_OPTIONS);
}
