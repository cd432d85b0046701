/**
 * Sampler throughput beside raw onnxruntime-node inference of the same model on the same inputs in
 * the same batches, then the wall time of one loop iteration split by stage.
 * Run: npx tsc -b libs/loop && node libs/loop/dist/bench/loop-sampler.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { EmbeddedEventLog } from '@xp/event-log';
import { runLoop } from '../loop/run-loop';
import { examplesFor } from '../policy/fine-tune';
import { ACTION_COUNT, FEATURE_COUNT } from '../policy/layout';
import { DEFAULT_HIDDEN, initialPolicy, policyToOnnx } from '../policy/policy';
import { deriveSeed } from '../rng';
import { RngLanes } from '../rng-lanes';
import {
  createPolicySession, PolicySampler, SAMPLING_OUTPUTS, samplingFeeds, temperatureTensor, type AttemptRequest, type SampledAttempt,
} from '../sampler';
import { stepBuffers } from '../sampling-call';
import { buildSuite, DEFAULT_SUITE } from '../tasks/suite';
import type { Family } from '../tasks/problem';
import { fixed, interleavedMedianMs, table } from './bench-util';

const ATTEMPTS = 4096;
const MAX_BATCH = 4096;

/**
 * The inputs of every model call the sampler made, rebuilt from its answers: at step t, one row per
 * attempt that took more than t steps, holding what that attempt saw at step t (the same features
 * and mask the trainer replays, and the t-th uniform of its seed), in batches of at most MAX_BATCH rows.
 */
function samplerInputs(requests: readonly AttemptRequest[], attempts: readonly SampledAttempt[], temperature: Tensor) {
  const steps = attempts.map((a, i) => examplesFor({ problem: requests[i].problem, output: a.output, weight: 1 }));
  const lanes = new RngLanes(requests.length);
  requests.forEach((r, i) => lanes.seed(i, r.seed));
  const longest = Math.max(...steps.map((s) => s.length));
  const feeds: Array<Record<string, Tensor>> = [];
  for (let t = 0; t < longest; t++) {
    const running = steps.flatMap((s, i) => (s.length > t ? [i] : []));
    for (let start = 0; start < running.length; start += MAX_BATCH) {
      const batch = running.slice(start, start + MAX_BATCH);
      const buffers = stepBuffers(batch.length);
      batch.forEach((i, r) => {
        buffers.features.set(steps[i][t].features, r * FEATURE_COUNT);
        buffers.mask.set(steps[i][t].mask, r * ACTION_COUNT);
        buffers.uniform[r] = lanes.nextFloat32(i);
      });
      feeds.push(samplingFeeds(buffers, 0, batch.length, temperature));
    }
  }
  return feeds;
}

async function samplerVersusRaw(family: Family | 'mixed', onnx: Uint8Array) {
  const problems = buildSuite(DEFAULT_SUITE).filter((p) => family === 'mixed' || p.family === family);
  const requests: AttemptRequest[] = Array.from({ length: ATTEMPTS }, (_, i) => ({ problem: problems[i % problems.length], seed: deriveSeed(1, 'bench', i) }));
  const sampler = await PolicySampler.load(onnx, { maxBatch: MAX_BATCH });
  const attempts = await sampler.sample(requests);
  const feeds = samplerInputs(requests, attempts, temperatureTensor(1));
  // The baseline: the bare session.run over the same inputs and outputs, one call per step, same session options.
  const session = await createPolicySession(onnx);
  const [samplerMs, rawMs] = await interleavedMedianMs([
    () => sampler.sample(requests),
    async () => {
      for (const feed of feeds) await session.run(feed, SAMPLING_OUTPUTS);
    },
  ]);
  await session.release();
  await sampler.release();
  const perSec = (ms: number) => ATTEMPTS / (ms / 1000);
  const rows = attempts.reduce((s, a) => s + a.tokens, 0);
  return { family, calls: feeds.length, rows, sampler: perSec(samplerMs), raw: perSec(rawMs) };
}

async function iterationStages() {
  const dir = mkdtempSync(join(tmpdir(), 'xp-bench-'));
  const log = EmbeddedEventLog.open({ dir: join(dir, 'log') });
  try {
    const result = await runLoop({ log, dataDir: dir, runId: 'bench-stages', seed: 1, iterations: 4 });
    return result.iterations;
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `Sampler vs raw onnxruntime-node (${ATTEMPTS} attempts, batches up to ${MAX_BATCH} rows, 1 intra-op thread, median of 9 alternating runs;\n` +
    'raw = the bare session.run on the same inputs in the same batches, one call per step, reading the same outputs)',
  );
  const rows = [];
  // The default policy is tiny, so per-step bookkeeping weighs against inference; wider policies show the trend.
  for (const hidden of [DEFAULT_HIDDEN, 256, 1024]) {
    const onnx = policyToOnnx(initialPolicy(1, hidden));
    for (const family of ['arithmetic', 'maze', 'mixed'] as const) {
      const r = await samplerVersusRaw(family, onnx);
      rows.push([hidden, r.family, r.calls, r.rows, Math.round(r.sampler), Math.round(r.raw), fixed(r.sampler / r.raw, 2)]);
    }
  }
  console.log(table(['hidden', 'workload', 'model calls', 'policy steps', 'sampler samples/s', 'raw ORT samples/s', 'ratio'], rows));

  console.log('\nOne loop iteration split by stage (default config, embedded log; ms; stages include their event appends)');
  const iterations = await iterationStages();
  const stageRows = iterations.map((m) => {
    const total = Object.values(m.stageMs).reduce((s, v) => s + v, 0);
    const stages = (['curriculum', 'sampling', 'replay', 'training', 'evaluation'] as const).map((s) => Math.round(m.stageMs[s]));
    return [m.iteration, m.trainSamples, ...stages, Math.round(total), m.events, Math.round(m.eventsMs)];
  });
  console.log(table(['iteration', 'train samples', 'curriculum', 'sampling', 'replay', 'training', 'evaluation', 'total', 'events', 'of which appending'], stageRows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
