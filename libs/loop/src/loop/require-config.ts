import { NotFoundError } from '@xp/events';
import type { LoopConfig } from './config';
import type { LoopState } from './projection';

/** The run's config as recorded in run.started; every stage reads it from there. */
export function requireConfig(state: LoopState): LoopConfig {
  if (!state.config) throw new NotFoundError('the run has no run.started event before this decision, so its config is unknown');
  return state.config;
}

/** The curriculum and replay strategies a run's decisions follow, external runs' defaults filled in. */
export function strategyConfig(state: LoopState): Pick<LoopConfig, 'curriculum' | 'replay'> {
  return state.external ?? requireConfig(state);
}
