import DataLoader from 'dataloader';
import type { Caller } from '../auth/caller';
import type { IterationRow, RunsRepository } from '../runs/runs.repository';

/** Per-request state: the caller and the request's batching loaders (one ClickHouse query per field, not per parent). */
export interface RequestContext {
  caller: Caller;
  loaders: Loaders;
}

export interface Loaders {
  iterationsByRun: DataLoader<string, IterationRow[]>;
}

export function createLoaders(team: string, runs: RunsRepository): Loaders {
  return {
    iterationsByRun: new DataLoader(async (runIds) => {
      const rows = await runs.iterations(team, runIds);
      return runIds.map((id) => rows.filter((r) => r.run_id === id));
    }),
  };
}
