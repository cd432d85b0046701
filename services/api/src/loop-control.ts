/** The loop operations the API exposes; the hosting process implements them over the loop library. */
export interface StartRunRequest {
  team: string;
  experimentId?: string;
  seed?: number;
  iterations?: number;
  curriculum?: string;
  replay?: string;
}

export interface ReplayResult {
  runId: string;
  identical: boolean;
  decisionsChecked: number;
  firstMismatch?: { decision: string; iteration?: number; offset?: number; recordedHash: string; recomputedHash: string };
}

export interface LoopControl {
  /** Starts a run in the background; resolves with its id once run.started is in the log. */
  startRun(request: StartRunRequest): Promise<{ runId: string }>;
  replayRun(team: string, runId: string): Promise<ReplayResult>;
  forkRun(team: string, runId: string, atOffset: number, curriculum: string): Promise<{ runId: string }>;
}
