import { NotFoundError } from '@xp/events';
import type { EventLog } from '@xp/event-log';
import { forkExternalRun, forkRun, isExternalRun, readRunEvents, runLoop, startRunForServices, verifyReplay } from '@xp/loop';
import type { LoopControl, ReplayResult, StartRunRequest } from '@xp/api';
import { newRunId } from './loop-runner';
import type { ForkRequest, RunRequest } from './loop-processes';

const DEFAULT_ITERATIONS = 4;
const DEFAULT_SEED = 7;

/**
 * Where the runs started through the API execute: here, one at a time in the order they were asked
 * for (in `xp demo` / `xp fork` processes when given `processes`, as `xp up` does; in this process
 * otherwise), or by the loop services reacting to the run's events (`xp serve`, one Deployment per
 * stage). Either way a run is an ordinary run in the log, visible through the projections.
 */
export type RunExecution = 'in-process' | 'loop-services';

export class InProcessLoopControl implements LoopControl {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: EventLog,
    private readonly dataDir: string,
    private readonly onFailure: (runId: string, error: unknown) => void,
    private readonly execution: RunExecution = 'in-process',
    /** Where built-in runs and forks go instead of this process (`xp up`: an `xp demo` / `xp fork` process each). */
    private readonly processes?: { startRun(request: RunRequest): void; fork(request: ForkRequest): void },
  ) {}

  async startRun(request: StartRunRequest): Promise<{ runId: string }> {
    const run = {
      log: this.log,
      runId: newRunId(),
      team: request.team,
      experimentId: request.experimentId,
      seed: request.seed ?? DEFAULT_SEED,
      iterations: request.iterations ?? DEFAULT_ITERATIONS,
      curriculum: request.curriculum as never,
      replay: request.replay as never,
    };
    if (this.execution === 'loop-services') await startRunForServices(run);
    else if (this.processes) this.processes.startRun({ ...run, curriculum: request.curriculum, replay: request.replay });
    else this.enqueue(run.runId, () => runLoop({ ...run, dataDir: this.dataDir }));
    return { runId: run.runId };
  }

  async replayRun(team: string, runId: string): Promise<ReplayResult> {
    await this.requireRun(team, runId);
    const report = await verifyReplay(this.log, runId);
    if (report.status === 'identical') return { runId, identical: true, decisionsChecked: report.decisionsChecked };
    const m = report.mismatch;
    return {
      runId,
      identical: false,
      decisionsChecked: report.decisionsChecked,
      firstMismatch: { decision: `${m.kind} ${m.decisionId}`, iteration: m.iteration, offset: m.offset, recordedHash: m.recordedHash, recomputedHash: m.recomputedHash },
    };
  }

  async forkRun(team: string, runId: string, atOffset: number, curriculum: string): Promise<{ runId: string }> {
    await this.requireRun(team, runId);
    const childId = newRunId('fork');
    if (await isExternalRun(this.log, runId)) {
      // xp decides the child's iterations at once; the parent's external trainer attaches to the child.
      await forkExternalRun({ log: this.log, parentRunId: runId, atOffset, runId: childId, curriculum: curriculum as never, iterations: DEFAULT_ITERATIONS });
      return { runId: childId };
    }
    const request = { parentRunId: runId, atOffset, runId: childId, curriculum, iterations: DEFAULT_ITERATIONS };
    if (this.processes) this.processes.fork(request);
    else this.enqueue(childId, () => forkRun({ log: this.log, dataDir: this.dataDir, ...request, curriculum: curriculum as never }));
    return { runId: childId };
  }

  /** Waits for the runs already asked for (used on shutdown). */
  async drain(): Promise<void> {
    await this.queue;
  }

  private enqueue(runId: string, work: () => Promise<unknown>): void {
    this.queue = this.queue.then(work).catch((error) => this.onFailure(runId, error));
  }

  /** Another team's run does not exist for the caller. */
  private async requireRun(team: string, runId: string): Promise<void> {
    const [first] = await readRunEvents(this.log, runId);
    if (!first || first.event.team !== team) throw new NotFoundError(`run '${runId}' not found`);
  }
}
