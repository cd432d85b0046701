/**
 * Sampler throughput beside raw onnxruntime-node inference of the same model and the same batches,
 * then the wall time of one loop iteration split by stage.
 * Run: npx tsc -b libs/loop && node libs/loop/dist/bench/loop-sampler.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { EmbeddedEventLog } from '@xp/event-log';
import { runLoop } from '../loop/run-loop';
import { ACTION_COUNT, FEATURE_COUNT } from '../policy/layout';
import { INPUT_FEATURES, INPUT_MASK } from '../policy/onnx-model';
import { DEFAULT_HIDDEN, initialPolicy, policyToOnnx } from '../policy/policy';
import { deriveSeed } from '../rng';
import { createPolicySession, PolicySampler, type AttemptRequest } from '../sampler';
import { buildSuite, DEFAULT_SUITE } from '../tasks/suite';
import type { Family } from '../tasks/problem';
import { fixed, interleavedMedianMs, table } from './bench-util';

const ATTEMPTS = 4096;
const MAX_BATCH = 4096;

async function samplerVersusRaw(family: Family | 'mixed', onnx: Uint8Array) {
  const problems = buildSuite(DEFAULT_SUITE).filter((p) => family === 'mixed' || p.family === family);
  const requests: AttemptRequest[] = Array.from({ length: ATTEMPTS }, (_, i) => ({ problem: problems[i % problems.length], seed: deriveSeed(1, 'bench', i) }));
  const sampler = await PolicySampler.load(onnx, { maxBatch: MAX_BATCH });
  const attempts = await sampler.sample(requests);

  // The sampler's model calls, reconstructed: at step t every attempt with more than t tokens is still running.
  const steps = Math.max(...attempts.map((a) => a.tokens));
  const feeds: Array<Record<string, Tensor>> = [];
  for (let t = 0; t < steps; t++) {
    const rows = attempts.filter((a) => a.tokens > t).length;
    for (let start = 0; start < rows; start += MAX_BATCH) {
      const n = Math.min(MAX_BATCH, rows - start);
      feeds.push({
        [INPUT_FEATURES]: new Tensor('float32', Float32Array.from({ length: n * FEATURE_COUNT }, (_, i) => (i % 7) / 7), [n, FEATURE_COUNT]),
        [INPUT_MASK]: new Tensor('float32', new Float32Array(n * ACTION_COUNT), [n, ACTION_COUNT]),
      });
    }
  }
  const session = await createPolicySession(onnx);
  const [samplerMs, rawMs] = await interleavedMedianMs([
    () => sampler.sample(requests),
    async () => {
      for (const feed of feeds) await session.run(feed);
    },
  ]);
  await session.release();
  await sampler.release();
  const rowsTotal = attempts.reduce((s, a) => s + a.tokens, 0);
  return { family, calls: feeds.length, rows: rowsTotal, samplerPerSec: ATTEMPTS / (samplerMs / 1000), rawPerSec: ATTEMPTS / (rawMs / 1000) };
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
  console.log(`Sampler vs raw onnxruntime-node (${ATTEMPTS} attempts, batches up to ${MAX_BATCH} rows, 1 intra-op thread, median of 9 alternating runs)`);
  const rows = [];
  // The default policy is tiny, so per-step bookkeeping weighs against inference; wider policies show the trend.
  for (const hidden of [DEFAULT_HIDDEN, 256, 1024]) {
    const onnx = policyToOnnx(initialPolicy(1, hidden));
    for (const family of ['arithmetic', 'maze', 'mixed'] as const) {
      const r = await samplerVersusRaw(family, onnx);
      rows.push([hidden, r.family, r.calls, r.rows, Math.round(r.samplerPerSec), Math.round(r.rawPerSec), fixed(r.samplerPerSec / r.rawPerSec, 2)]);
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
