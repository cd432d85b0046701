/**
 * Delivery of external runs' decisions, implemented by the hosting process over the loop library
 * (its DecisionFeed): reads of the log only, scoped to the caller's team.
 */
export interface ShardClaim {
  shard: number;
  of: number;
  worker: string;
}

export interface DecisionSource {
  /** The run's decisions at offsets >= after, one JSON-serialisable object each, each with its `offset`. */
  read(team: string, runId: string, after: number, shard?: ShardClaim): Promise<{ decisions: Array<{ offset: number }>; end: number }>;
  /** The latest curriculum decision's offset and iteration, and what the run waits for. */
  latest(team: string, runId: string): Promise<{ startedAt: string; offset?: number; iteration?: number; finished: boolean; waiting?: { stage: string; message: string }; end: number }>;
  /** Waits until the run's partition grows past `end` (a read's `end`): true then, false once `timeoutMs` passed or `abort` fired. */
  waitPast(runId: string, end: number, timeoutMs: number, abort?: AbortSignal): Promise<boolean>;
}
