/**
 * Continual learning on the built-in loop: the arithmetic suite, then the maze suite (`sequential`),
 * with no rehearsal and with `reservoir` rehearsal at an equal sample and training budget (same
 * problems x attempts per iteration, same batches x batch size; "no rehearsal" is reservoir with a
 * memory fraction of 0, so the two differ only in where a share of each batch comes from). Prints the
 * forgetting matrix of every run and, per strategy, the final arithmetic held-out pass@1, BWT and
 * forgetting averaged over seeds, plus the same no-rehearsal runs with the default (separate) inputs.
 * Run: npm run bench:continual -- [iterationsPerTask=6] [seeds=3] [hidden=8] [learningRate=0.1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluationRounds, forgettingReport, type EvaluationRecord, type ForgettingReport, type TrainingGroup } from '@xp/analytics';
import { EmbeddedEventLog } from '@xp/event-log';
import { ARITHMETIC_BENCHMARK, MAZE_BENCHMARK, readRunEvents, runLoop, type LoopConfigOverrides } from '@xp/loop';
import { alignedTable } from './bench-table';

const TASKS = [ARITHMETIC_BENCHMARK, MAZE_BENCHMARK];

/**
 * With the default layout the two families share no first-layer weights (disjoint feature blocks,
 * masked action sets), so learning maze leaves arithmetic as it was: the first row of the summary
 * shows it. The comparison runs with shared inputs (both feature blocks on the same weights), 16
 * hidden units and learning rate 0.1, so that learning maze can overwrite arithmetic.
 */
const HIDDEN = Number(process.argv[4] ?? 16);
const LEARNING_RATE = Number(process.argv[5] ?? 0.1);

interface Strategy {
  name: string;
  memoryFraction: number;
  sharedInputs: boolean;
}

const STRATEGIES: Strategy[] = [
  { name: 'no rehearsal, separate inputs', memoryFraction: 0, sharedInputs: false },
  { name: 'no rehearsal', memoryFraction: 0, sharedInputs: true },
  { name: 'reservoir (half of each batch from memory)', memoryFraction: 0.5, sharedInputs: true },
];

function config(iterationsPerTask: number, { memoryFraction, sharedInputs }: Strategy): LoopConfigOverrides {
  return {
    policy: { hidden: HIDDEN, sharedInputs },
    curriculum: { strategy: 'sequential', problemsPerIteration: 48, tasks: TASKS, params: { iterationsPerTask, advanceAt: 2 } },
    replay: { strategy: 'reservoir', batchSize: 64, batchesPerIteration: 12, params: { memorySize: 200, memoryFraction } },
    attemptsPerProblem: 8,
    trainer: { learningRate: LEARNING_RATE, passes: 1 },
  };
}

/** The run's matrix from its own events, through the same functions the API applies to the projections. */
async function runOnce(seed: number, iterationsPerTask: number, strategy: Strategy): Promise<ForgettingReport> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-bench-continual-'));
  const log = EmbeddedEventLog.open({ dir: join(dir, 'log') });
  const runId = `continual-${seed}`;
  try {
    await runLoop({ log, dataDir: dir, runId, seed, iterations: iterationsPerTask * TASKS.length, config: config(iterationsPerTask, strategy) });
    const evaluations: EvaluationRecord[] = [];
    const training = new Map<string, TrainingGroup>();
    const benchmarkOf = new Map<string, { benchmark: string; heldOut: boolean }>();
    for (const { event, offset } of await readRunEvents(log, runId)) {
      if (event.type === 'problem.registered') benchmarkOf.set(event.payload.problemId, { benchmark: event.payload.benchmark, heldOut: event.payload.split === 'heldout' });
      if (event.type === 'evaluation.completed') evaluations.push({ checkpointId: event.payload.checkpointId, benchmark: event.payload.benchmark, passAt1: event.payload.passAt1, offset });
      if (event.type === 'sample.generated') {
        const problem = benchmarkOf.get(event.payload.problemId)!;
        if (problem.heldOut) continue;
        const key = `${problem.benchmark}/${event.payload.iteration}`;
        training.set(key, { benchmark: problem.benchmark, iteration: event.payload.iteration, lastOffset: offset });
      }
    }
    return forgettingReport(evaluationRounds(evaluations, [...training.values()]));
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)}`);
const signed = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}`);

function printMatrix(title: string, report: ForgettingReport): void {
  console.log(`\n${title}: held-out pass@1 (%) of the checkpoint after each iteration`);
  console.log(alignedTable(
    ['iteration', 'trained', ...report.benchmarks],
    report.matrix.map((row, i) => [String(report.iterations[i] ?? 0), report.trained[i].join(',') || '(initial)', ...row.map(pct)]),
  ));
}

function meanOf(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((s, v) => s + v, 0) / known.length;
}

async function main() {
  const iterationsPerTask = Number(process.argv[2] ?? 6);
  const seeds = Array.from({ length: Number(process.argv[3] ?? 3) }, (_, i) => i + 1);
  const summary: string[][] = [];
  const finals = new Map<Strategy, { arithmetic: number; backwardTransfer: number }>();
  for (const strategy of STRATEGIES) {
    const reports: ForgettingReport[] = [];
    for (const seed of seeds) {
      const report = await runOnce(seed, iterationsPerTask, strategy);
      printMatrix(`${strategy.name}, seed ${seed}`, report);
      reports.push(report);
    }
    const arithmetic = (r: ForgettingReport) => r.matrix.at(-1)![r.benchmarks.indexOf(ARITHMETIC_BENCHMARK)];
    const peak = (r: ForgettingReport) => r.forgetting.find((f) => f.benchmark === ARITHMETIC_BENCHMARK)!;
    finals.set(strategy, { arithmetic: meanOf(reports.map(arithmetic)) ?? 0, backwardTransfer: meanOf(reports.map((r) => r.backwardTransfer)) ?? 0 });
    summary.push([
      strategy.name,
      reports.map((r) => pct(arithmetic(r))).join(' / '),
      pct(meanOf(reports.map(arithmetic))),
      pct(meanOf(reports.map((r) => r.matrix[peak(r).learnedAt ?? 0][r.benchmarks.indexOf(ARITHMETIC_BENCHMARK)]))),
      signed(meanOf(reports.map((r) => r.backwardTransfer))),
      pct(meanOf(reports.map((r) => peak(r).value))),
      pct(meanOf(reports.map((r) => r.matrix.at(-1)![r.benchmarks.indexOf(MAZE_BENCHMARK)]))),
      pct(meanOf(reports.map((r) => r.averageAccuracy))),
    ]);
  }
  console.log(`\n${TASKS.join(' then ')}, ${iterationsPerTask} iterations each, seeds ${seeds.join(', ')}, ${HIDDEN} hidden units, learning rate ${LEARNING_RATE}; equal sample and training budget; means over seeds`);
  console.log(alignedTable(
    ['strategy', 'final arithmetic per seed', 'final arithmetic', 'arithmetic at task end', 'BWT', 'arithmetic forgetting', 'final maze', 'ACC'],
    summary,
  ));
  const [separate, none, reservoir] = STRATEGIES.map((s) => finals.get(s)!);
  console.log(`\nseparate inputs, no rehearsal: BWT ${signed(separate.backwardTransfer)} (learning maze ${Math.abs(separate.backwardTransfer) < 0.02 ? 'leaves arithmetic as it was' : 'moves arithmetic'})`);
  const forgetsLess = reservoir.arithmetic > none.arithmetic && Math.abs(reservoir.backwardTransfer) < Math.abs(none.backwardTransfer);
  console.log(`shared inputs: final arithmetic held-out pass@1 reservoir ${pct(reservoir.arithmetic)} vs no rehearsal ${pct(none.arithmetic)}, ` +
    `BWT ${signed(reservoir.backwardTransfer)} vs ${signed(none.backwardTransfer)}: ${forgetsLess ? 'reservoir forgets less' : 'reservoir does NOT forget less'}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
