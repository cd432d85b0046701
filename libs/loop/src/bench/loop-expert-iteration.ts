/**
 * Expert iteration against sampling alone at an equal sample budget (the comparison of Polu et al.
 * 2022): both draw the same number of training attempts per iteration on the same curriculum; only
 * expert iteration fine-tunes on what it solved. Prints both curves side by side, averaged over seeds.
 * Run: npx tsc -b libs/loop && node libs/loop/dist/bench/loop-expert-iteration.js [iterations] [seeds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventLog } from '@xp/event-log';
import { decideCurriculum } from '../curriculum/strategies';
import { DEFAULT_LOOP_CONFIG } from '../loop/config';
import { readRunEvents } from '../loop/run-history';
import { runLoop } from '../loop/run-loop';
import { planAttempts, sampleAndJudge } from '../loop/stages/sampling-stage';
import { initialPolicy, policyToOnnx } from '../policy/policy';
import { deriveSeed } from '../rng';
import { PolicySampler } from '../sampler';
import { buildSuite } from '../tasks/suite';
import { fixed, table } from './bench-util';

interface Curve {
  samples: number[];
  solvedFraction: number[];
  heldOutPassAt1: number[];
}

const config = DEFAULT_LOOP_CONFIG;
const trainProblems = buildSuite(config.suite).filter((p) => p.split === 'train');

async function expertIteration(seed: number, iterations: number): Promise<{ curve: Curve; baselinePassAt1: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-bench-ei-'));
  const log = EmbeddedEventLog.open({ dir: join(dir, 'log') });
  const runId = `ei-${seed}`;
  try {
    const result = await runLoop({ log, dataDir: dir, runId, seed, iterations });
    // Training problems solved at least once, as of the end of each iteration's sampling.
    const solved = new Set<string>();
    const solvedBy = new Map<number, number>();
    for (const { event } of await readRunEvents(log, runId)) {
      if (event.type !== 'sample.verified' || !event.payload.sampleId.startsWith(`${runId}/s/`)) continue;
      if (event.payload.verdict === 'correct') solved.add(event.payload.problemId);
      solvedBy.set(Number(event.payload.sampleId.split('/')[2]), solved.size);
    }
    const curve = {
      samples: result.iterations.map((m, i) => (i + 1) * m.trainSamples),
      solvedFraction: result.iterations.map((m) => (solvedBy.get(m.iteration) ?? 0) / trainProblems.length),
      heldOutPassAt1: result.iterations.map((m) => m.heldOutPassAt1),
    };
    return { curve, baselinePassAt1: result.baseline!.passAt1 };
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same curriculum and per-iteration budget, always sampling the first checkpoint. */
async function samplingAlone(seed: number, iterations: number, heldOutPassAt1: number): Promise<Curve> {
  const sampler = await PolicySampler.load(policyToOnnx(initialPolicy(seed, config.policy.hidden)));
  const curve: Curve = { samples: [], solvedFraction: [], heldOutPassAt1: [] };
  const solved = new Set<string>();
  let samples = 0;
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const ids = decideCurriculum({ problems: trainProblems, stats: new Map() }, deriveSeed(seed, 'curriculum', iteration), config.curriculum);
    const problems = ids.map((id) => trainProblems.find((p) => p.problemId === id)!);
    const plans = planAttempts(`sa-${seed}`, seed, 'train', iteration, problems, config.attemptsPerProblem);
    for (const attempt of await sampleAndJudge(sampler, plans, new Map(), config.reward)) {
      if (attempt.verification.verdict === 'correct') solved.add(attempt.problem.problemId);
    }
    samples += plans.length;
    curve.samples.push(samples);
    curve.solvedFraction.push(solved.size / trainProblems.length);
    curve.heldOutPassAt1.push(heldOutPassAt1);
  }
  await sampler.release();
  return curve;
}

function average(curves: Curve[], pick: (c: Curve) => number[]): number[] {
  return pick(curves[0]).map((_, i) => curves.reduce((s, c) => s + pick(c)[i], 0) / curves.length);
}

async function main() {
  const iterations = Number(process.argv[2] ?? 10);
  const seeds = Array.from({ length: Number(process.argv[3] ?? 3) }, (_, i) => i + 1);
  const ei: Curve[] = [];
  const alone: Curve[] = [];
  for (const seed of seeds) {
    const { curve, baselinePassAt1 } = await expertIteration(seed, iterations);
    ei.push(curve);
    // Sampling alone never changes its checkpoint: its held-out pass@1 stays at the first checkpoint's.
    alone.push(await samplingAlone(seed, iterations, baselinePassAt1));
  }
  console.log(`Expert iteration vs sampling alone: ${config.curriculum.problemsPerIteration} problems x ${config.attemptsPerProblem} attempts per iteration, ` +
    `${trainProblems.length} training problems, mean over seeds ${seeds.join(', ')}`);
  const samples = average(ei, (c) => c.samples);
  const eiSolved = average(ei, (c) => c.solvedFraction);
  const aloneSolved = average(alone, (c) => c.solvedFraction);
  const eiHeld = average(ei, (c) => c.heldOutPassAt1);
  const aloneHeld = average(alone, (c) => c.heldOutPassAt1);
  console.log(table(
    ['iteration', 'train samples', 'EI solved (cum.)', 'alone solved (cum.)', 'EI held-out pass@1', 'alone held-out pass@1'],
    samples.map((s, i) => [i + 1, s, fixed(eiSolved[i]), fixed(aloneSolved[i]), fixed(eiHeld[i]), fixed(aloneHeld[i])]),
  ));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
