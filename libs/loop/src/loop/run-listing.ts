import type { XpEvent } from '@xp/events';
import { TOPICS, type EventLog } from '@xp/event-log';
import { declaresExternalStages } from '../external/external-config';
import type { Waiting } from '../external/external-progress';
import { scanPartition } from '../services/partition-scan';
import { RunView } from '../services/run-view';
import { loadRunHistory } from './run-history';

/** One run as `xp runs` lists it: read from the log alone, so it works while `xp up` runs. */
export interface RunListing {
  runId: string;
  team: string;
  experimentId: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** The iteration in progress (a finished run: the iterations it completed). */
  iteration: number;
  /** Whether the run declares external stages (its sampler, trainer or evaluator runs outside xp). */
  external: boolean;
  startedAt: string;
  finishedAt?: string;
  parentRunId?: string;
  /** A running external run: what it waits for, e.g. "waiting for the sampler: 412 of 512 attempts verified and rewarded". */
  waiting?: Waiting;
}

export interface ListRunsOptions {
  /** Only this team's runs. */
  team?: string;
}

/**
 * Every run in the log, oldest first. One pass over the event topic keeps a few fields per run (not
 * its events); only running external runs are then read whole, to say what they wait for.
 */
export async function listRuns(log: EventLog, options: ListRunsOptions = {}): Promise<RunListing[]> {
  const runs = new Map<string, RunListing>();
  const fold = (event: XpEvent) => {
    if (options.team !== undefined && event.team !== options.team) return;
    const run = runs.get(event.runId);
    if (event.type === 'run.started') {
      if (run) return;
      const { parentRunId, config } = event.payload;
      runs.set(event.runId, {
        runId: event.runId, team: event.team, experimentId: event.experimentId, status: 'running', iteration: 0,
        external: declaresExternalStages(config), startedAt: event.occurredAt, ...(parentRunId ? { parentRunId } : {}),
      });
    } else if (run && event.type === 'curriculum.decided' && run.status === 'running') {
      run.iteration = Math.max(run.iteration, event.payload.iteration);
    } else if (run && event.type === 'run.finished' && run.status === 'running') {
      run.status = event.payload.status;
      run.iteration = event.payload.iterations;
      run.finishedAt = event.occurredAt;
    }
  };
  const partitions = (await log.endOffsets(TOPICS.events)).length;
  for (let partition = 0; partition < partitions; partition++) await scanPartition(log, partition, 0, fold);
  const listed = [...runs.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId));
  for (const run of listed) {
    if (run.external && run.status === 'running') Object.assign(run, await externalStanding(log, run.runId));
  }
  return listed;
}

async function externalStanding(log: EventLog, runId: string): Promise<Pick<RunListing, 'iteration' | 'waiting'>> {
  const view = new RunView(runId, (await loadRunHistory(log, runId)).entries);
  try {
    const progress = view.externalProgress();
    return { iteration: progress.iteration, ...(progress.waiting ? { waiting: progress.waiting } : {}) };
  } catch (error) {
    // An invalid external config: ingest refuses one, but a log may hold one from before that check.
    return { iteration: 0, waiting: { stage: 'curriculum', message: `not served: ${(error as Error).message}` } };
  }
}
