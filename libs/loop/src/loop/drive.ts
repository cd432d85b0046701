import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, type ModelUpdatedPayload } from '@xp/events';
import { DEFAULT_PARTITIONS, TOPICS, type EventLog } from '@xp/event-log';
import type { CurriculumConfig, CurriculumStrategy } from '../curriculum/strategies';
import type { ReplayConfig, ReplayStrategy } from '../replay/strategies';
import type { LoopConfig, LoopConfigOverrides } from './config';
import { LoopEngine } from './loop-engine';
import type { HeldOutMetrics, IterationMetrics, LoopProgress } from './metrics-types';
import { PRODUCERS, type RunWriter } from './run-writer';
import { currentCheckpoint } from './stages/training-stage';

/** Options shared by starting and forking a run. */
export interface LoopOptionsBase {
  log: EventLog;
  /** Where checkpoints are written (`<dataDir>/checkpoints/<sha256>.onnx`). */
  dataDir: string;
  iterations: number;
  /** Strategy name, or a partial strategy config. */
  curriculum?: CurriculumStrategy | Partial<CurriculumConfig>;
  replay?: ReplayStrategy | Partial<ReplayConfig>;
  config?: LoopConfigOverrides;
  /** Clock for envelope timestamps only; decisions never read it. */
  clock?: () => Date;
  onProgress?: (progress: LoopProgress) => void;
}

export interface RunResult {
  runId: string;
  seed: number;
  config: LoopConfig;
  parentRunId?: string;
  forkedAtOffset?: number;
  /** Held-out results of the run's first checkpoint (absent for forks, which inherit it). */
  baseline?: HeldOutMetrics;
  iterations: IterationMetrics[];
  finalCheckpoint: ModelUpdatedPayload;
}

/** `xp-loop <package version>`, recorded in run.started so a replay can tell which code made the run. */
export const CODE_VERSION = `xp-loop ${JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')).version}`;

export function strategyOverrides(options: Pick<LoopOptionsBase, 'curriculum' | 'replay' | 'config'>): LoopConfigOverrides {
  const asObject = <T>(value: string | T | undefined) => (typeof value === 'string' ? { strategy: value } : value);
  return {
    ...options.config,
    curriculum: { ...options.config?.curriculum, ...asObject(options.curriculum) } as Partial<CurriculumConfig>,
    replay: { ...options.config?.replay, ...asObject(options.replay) } as Partial<ReplayConfig>,
  };
}

export function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < 0) throw new UsageError(`iterations must be a non-negative integer (got ${iterations})`);
}

export async function ensureEventTopic(log: EventLog): Promise<void> {
  await log.ensureTopics([{ name: TOPICS.events, partitions: DEFAULT_PARTITIONS }]);
}

/**
 * Runs iterations firstIteration.. on the engine, then records run.finished (failed runs too, with
 * the error, before rethrowing it).
 */
export async function driveIterations(
  writer: RunWriter, firstIteration: number, options: LoopOptionsBase, baseline?: (engine: LoopEngine) => Promise<HeldOutMetrics>,
): Promise<{ baseline?: HeldOutMetrics; iterations: IterationMetrics[]; finalCheckpoint: ModelUpdatedPayload }> {
  const runId = writer.history.runId;
  const iterations: IterationMetrics[] = [];
  const progress = (p: Omit<LoopProgress, 'runId' | 'totalIterations' | 'completedIterations'>) =>
    options.onProgress?.({ runId, totalIterations: options.iterations, completedIterations: iterations.length, ...p });
  const engine = new LoopEngine(writer, options.dataDir, progress);
  try {
    const baselineMetrics = baseline ? await baseline(engine) : undefined;
    for (let i = 0; i < options.iterations; i++) {
      const metrics = await engine.iterate(firstIteration + i);
      iterations.push(metrics);
      progress({ iteration: metrics.iteration, stage: 'done', metrics });
    }
    const finalCheckpoint = currentCheckpoint(writer.state);
    await writer.write([{
      type: 'run.finished',
      producer: PRODUCERS.runner,
      payload: {
        status: 'succeeded',
        iterations: iterations.length,
        summary: { finalCheckpointId: finalCheckpoint.checkpointId, heldOutPassAt1: iterations.at(-1)?.heldOutPassAt1 ?? baselineMetrics?.passAt1 },
      },
    }]);
    return { baseline: baselineMetrics, iterations, finalCheckpoint };
  } catch (error) {
    await writer
      .write([{ type: 'run.finished', producer: PRODUCERS.runner, payload: { status: 'failed', iterations: iterations.length, error: String(error).slice(0, 10000) } }])
      .catch(() => undefined); // the original failure matters more than a failed report of it
    throw error;
  } finally {
    await engine.close();
  }
}
