/** What the loop reports per iteration (returned to callers, not stored: the log holds the underlying events). */
export interface BenchmarkResult {
  problems: number;
  passAt1: number;
  passAtK: number;
  majAtK: number;
  meanReward: number;
  solved: number;
}

export interface HeldOutMetrics extends BenchmarkResult {
  checkpointId: string;
  k: number;
  byBenchmark: Record<string, BenchmarkResult>;
}

export type LoopStage = 'curriculum' | 'sampling' | 'replay' | 'training' | 'evaluation';

export interface IterationMetrics {
  iteration: number;
  /** The checkpoint trained in this iteration (the sampled one when nothing was kept yet). */
  checkpointId: string;
  trainSamples: number;
  trainPassRate: number;
  /** Mean reward of this iteration's training samples. */
  meanReward: number;
  /** Size of the replay buffer after sampling. */
  keptSamples: number;
  replayBatches: number;
  /** Mean training loss of the iteration's optimizer steps (0 when nothing was trained). */
  loss: number;
  step: number;
  heldOutPassAt1: number;
  heldOutPassAtK: number;
  heldOutMajAtK: number;
  heldOut: HeldOutMetrics;
  /** Wall time per stage, in milliseconds (each includes appending its events). */
  stageMs: Record<LoopStage, number>;
  /** Events this iteration appended, and the part of the wall time spent validating and appending them. */
  events: number;
  eventsMs: number;
}

export interface LoopProgress {
  runId: string;
  iteration: number;
  /** Iterations this call will run, and how many of them are done. */
  totalIterations: number;
  completedIterations: number;
  stage: LoopStage | 'setup' | 'done';
  metrics?: IterationMetrics;
}
