import type { XpEvent } from '@xp/events';
import type { EventDraft } from '../loop/run-writer';
import type { SamplerCache } from '../loop/sampler-cache';
import type { RunView } from './run-view';

export type LoopServiceName = 'curriculum' | 'sampler' | 'replay' | 'trainer' | 'evaluator';
export const LOOP_SERVICES: readonly LoopServiceName[] = ['curriculum', 'sampler', 'replay', 'trainer', 'evaluator'];

export type TurnKind = 'setup' | 'curriculum' | 'sampling' | 'replay' | 'training' | 'evaluation' | 'finish';

/** One decision a service owes a run: found from the log, made from the log up to its watermark. */
export interface Turn {
  kind: TurnKind;
  iteration: number;
  /** Recognises an event of this decision, so a redelivered trigger finds it already made. */
  recorded(event: XpEvent): boolean;
  /** The decision's events; they are appended together in one call, so they land all or none. */
  decide(): Promise<EventDraft[]>;
}

export interface TurnEnvironment {
  dataDir: string;
  samplers: SamplerCache;
}

/** Whose turn it is, per service: the decision it owes the run now, if any. */
export type FindTurn = (run: RunView, env: TurnEnvironment) => Turn | undefined;
