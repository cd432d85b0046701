import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { randomBytes } from 'node:crypto';
import { runLoop, forkRun, type LoopProgress, type RunResult } from '@xp/loop';
import type { EventLog } from '@xp/event-log';

export interface DemoOptions {
  log: EventLog;
  dataDir: string;
  iterations: number;
  seed: number;
  curriculum?: string;
  replay?: string;
  team?: string;
  experimentId?: string;
  /** Run id (default: a new one). */
  runId?: string;
  /** Draw progress bars on stderr (only when it is a terminal). */
  progress?: boolean;
}

/** A fresh, readable, sortable run id; it carries no decision: decisions derive from the seed alone. */
export function newRunId(prefix = 'run'): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-${stamp}-${randomBytes(2).toString('hex')}`;
}

const STAGES = ['curriculum', 'sampling', 'replay', 'training', 'evaluation'] as const;

/** One bar per iteration, advancing through its stages; a plain line per iteration when stderr is no terminal. */
export function iterationProgress(enabled: boolean): { onProgress: (p: LoopProgress) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  if (!process.stderr.isTTY) {
    return {
      onProgress: (p) => {
        if (p.metrics && p.stage === 'done') {
          process.stderr.write(`iteration ${p.iteration}/${p.totalIterations}: train pass rate ${fmt(p.metrics.trainPassRate)}, held-out pass@1 ${fmt(p.metrics.heldOutPassAt1)}\n`);
        }
      },
      stop: () => undefined,
    };
  }
  const multi = new MultiBar(
    { stream: process.stderr, format: 'iteration {iteration} [{bar}] {stage}', hideCursor: true, clearOnComplete: false, stopOnComplete: false },
    Presets.shades_classic,
  );
  const bars = new Map<number, SingleBar>();
  return {
    onProgress: (p) => {
      if (p.stage === 'setup') return;
      let bar = bars.get(p.iteration);
      if (!bar) {
        bar = multi.create(STAGES.length, 0, { iteration: String(p.iteration).padStart(2), stage: p.stage });
        bars.set(p.iteration, bar);
      }
      if (p.stage === 'done') {
        bar.update(STAGES.length, { stage: p.metrics ? `train pass rate ${fmt(p.metrics.trainPassRate)}, held-out pass@1 ${fmt(p.metrics.heldOutPassAt1)}` : 'done' });
      } else {
        bar.update(STAGES.indexOf(p.stage), { stage: p.stage });
      }
    },
    stop: () => multi.stop(),
  };
}

export async function runDemo(options: DemoOptions): Promise<RunResult> {
  const progress = iterationProgress(options.progress ?? true);
  try {
    return await runLoop({
      log: options.log,
      dataDir: options.dataDir,
      runId: options.runId ?? newRunId(),
      seed: options.seed,
      iterations: options.iterations,
      curriculum: options.curriculum as never,
      replay: options.replay as never,
      team: options.team,
      experimentId: options.experimentId,
      onProgress: progress.onProgress,
    });
  } finally {
    progress.stop();
  }
}

export async function runFork(options: { log: EventLog; dataDir: string; parentRunId: string; atOffset: number; curriculum: string; iterations: number; runId?: string; progress?: boolean }): Promise<RunResult> {
  const progress = iterationProgress(options.progress ?? true);
  try {
    return await forkRun({
      log: options.log,
      dataDir: options.dataDir,
      parentRunId: options.parentRunId,
      atOffset: options.atOffset,
      runId: options.runId ?? newRunId('fork'),
      curriculum: options.curriculum as never,
      iterations: options.iterations,
      onProgress: progress.onProgress,
    });
  } finally {
    progress.stop();
  }
}

/** The per-iteration summary `xp demo --json` prints (and the text table shows). */
export function summarize(result: RunResult) {
  return {
    runId: result.runId,
    seed: result.seed,
    curriculum: result.config.curriculum.strategy,
    replay: result.config.replay.strategy,
    parentRunId: result.parentRunId,
    forkedAtOffset: result.forkedAtOffset,
    baseline: result.baseline ? { heldOutPassAt1: result.baseline.passAt1 } : undefined,
    finalCheckpoint: result.finalCheckpoint.checkpointId,
    iterations: result.iterations.map((m) => ({
      iteration: m.iteration,
      trainPassRate: m.trainPassRate,
      heldOutPassAt1: m.heldOutPassAt1,
      heldOutPassAtK: m.heldOutPassAtK,
      heldOutMajAtK: m.heldOutMajAtK,
      meanReward: m.meanReward,
      loss: m.loss,
      trainSamples: m.trainSamples,
      checkpointId: m.checkpointId,
    })),
  };
}

export function formatSummary(summary: ReturnType<typeof summarize>): string {
  const lines = [
    `run ${summary.runId} (seed ${summary.seed}, curriculum ${summary.curriculum}, replay ${summary.replay}${summary.parentRunId ? `, fork of ${summary.parentRunId} at offset ${summary.forkedAtOffset}` : ''})`,
    'iteration  train pass rate  held-out pass@1  mean reward  loss',
  ];
  if (summary.baseline) lines.push(`${'0'.padStart(9)}  ${'-'.padStart(15)}  ${fmt(summary.baseline.heldOutPassAt1).padStart(15)}  ${'-'.padStart(11)}  -`);
  for (const m of summary.iterations) {
    lines.push(`${String(m.iteration).padStart(9)}  ${fmt(m.trainPassRate).padStart(15)}  ${fmt(m.heldOutPassAt1).padStart(15)}  ${fmt(m.meanReward).padStart(11)}  ${fmt(m.loss)}`);
  }
  lines.push(`final checkpoint ${summary.finalCheckpoint}`);
  return lines.join('\n');
}

function fmt(value: number): string {
  return value.toFixed(3);
}
