import type { XpEvent } from '@xp/events';

/** Tables the projector writes; the lineage-by-child and leaderboard tables follow through materialized views. */
export const PROJECTION_TABLES = [
  'events',
  'runs',
  'problems',
  'samples',
  'verifications',
  'rewards',
  'curriculum_decisions',
  'replay_batches',
  'model_updates',
  'evaluations',
  'lineage_edges',
] as const;

export type ProjectionTable = (typeof PROJECTION_TABLES)[number];

/** A row as JSONEachRow sends it: column name -> value. */
export type Row = Record<string, string | number | boolean | null | string[] | Record<string, number>>;

export type ProjectionRows = Record<ProjectionTable, Row[]>;

/** An event together with where the log holds it. */
export interface PositionedEvent {
  event: XpEvent;
  partition: number;
  offset: number;
  /** When the log accepted it, ms since the epoch. */
  appendedAt: number;
}

/** What a verification or reward borrows from the sample it judges. */
export interface SampleFacts {
  problemId: string;
  checkpointId: string;
  iteration: number;
  benchmark: string;
  /** The sample's output as a vote for majority voting (see `answerOf`). */
  answer: string;
}

/**
 * Facts from the same run's earlier events, which later events are projected with. The transform
 * asks; whoever builds the context decides where the answers come from (the batch, a cache, a query).
 */
export interface ProjectionContext {
  sample(team: string, runId: string, sampleId: string): SampleFacts | undefined;
  benchmarkOf(team: string, runId: string, problemId: string): string | undefined;
}

export function emptyProjectionRows(): ProjectionRows {
  return Object.fromEntries(PROJECTION_TABLES.map((table) => [table, []])) as unknown as ProjectionRows;
}
