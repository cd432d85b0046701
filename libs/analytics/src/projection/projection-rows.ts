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
  'metrics',
] as const;

export type ProjectionTable = (typeof PROJECTION_TABLES)[number];

/** Columns every per-event table starts with, in this order. */
const EVENT_COLUMNS = ['team', 'experiment_id', 'run_id', 'event_id', 'seq', 'occurred_at', 'log_partition', 'log_offset'];

/**
 * The columns a row of each table carries, in row order. Rows travel as JSONCompactEachRow (values
 * only): building and encoding arrays costs a fraction of keyed objects. JSON objects in a row
 * (payloads, details, params) land verbatim in String columns.
 */
export const TABLE_COLUMNS: Record<ProjectionTable, readonly string[]> = {
  events: [...EVENT_COLUMNS, 'type', 'schema_version', 'producer', 'parents', 'payload', 'appended_at'],
  runs: [
    'team', 'experiment_id', 'run_id', 'name', 'config', 'seed', 'code_version', 'parent_run_id', 'forked_at_offset',
    'started_at', 'finished_at', 'status', 'iterations', 'error', 'summary',
  ],
  problems: [
    ...EVENT_COLUMNS, 'problem_id', 'benchmark', 'difficulty', 'split', 'statement', 'source_kind', 'source_dataset',
    'source_version', 'source_checkpoint_id',
  ],
  samples: [
    ...EVENT_COLUMNS, 'sample_id', 'problem_id', 'benchmark', 'split', 'purpose', 'checkpoint_id', 'iteration', 'attempt', 'output',
    'tokens', 'logprob', 'seed', 'temperature',
  ],
  verifications: [
    ...EVENT_COLUMNS, 'sample_id', 'problem_id', 'benchmark', 'split', 'checkpoint_id', 'iteration', 'verifier_id', 'verifier_version',
    'verdict', 'answer', 'details',
  ],
  rewards: [
    ...EVENT_COLUMNS, 'sample_id', 'problem_id', 'benchmark', 'split', 'checkpoint_id', 'value', 'components', 'reward_function',
    'reward_version',
  ],
  curriculum_decisions: [...EVENT_COLUMNS, 'decision_id', 'iteration', 'strategy', 'params', 'problem_ids', 'watermark', 'seed', 'output_hash'],
  replay_batches: [...EVENT_COLUMNS, 'batch_id', 'iteration', 'strategy', 'params', 'sample_ids', 'epoch', 'watermark', 'seed', 'output_hash'],
  model_updates: [...EVENT_COLUMNS, 'checkpoint_id', 'parent_checkpoint_id', 'batch_ids', 'step', 'loss', 'artifact_uri', 'sha256'],
  evaluations: [
    ...EVENT_COLUMNS, 'checkpoint_id', 'benchmark', 'split', 'problems', 'samples_per_problem', 'k', 'pass_at_1', 'pass_at_k',
    'maj_at_k', 'mean_reward', 'solved',
  ],
  lineage_edges: ['team', 'experiment_id', 'run_id', 'parent_id', 'parent_kind', 'child_id', 'child_kind', 'relation', 'occurred_at'],
  metrics: ['team', 'experiment_id', 'run_id', 'event_id', 'occurred_at', 'step', 'name', 'value'],
};

/** A row's values in the order of its table's `TABLE_COLUMNS`. */
export type Row = unknown[];

export type ProjectionRows = Record<ProjectionTable, Row[]>;

/** An event together with where the log holds it. */
export interface PositionedEvent {
  event: XpEvent;
  partition: number;
  offset: number;
  /** When the log accepted it, ms since the epoch. */
  appendedAt: number;
  /** The event's JSON text as the log holds it, when the reader kept it: large texts are copied from it rather than encoded again. */
  json?: string;
}

export type ProblemSplit = 'train' | 'heldout';

/** What samples, verdicts and rewards borrow from their problem's registration. */
export interface ProblemFacts {
  benchmark: string;
  split: ProblemSplit;
}

/** What a verification or reward borrows from the sample it judges. */
export interface SampleFacts extends ProblemFacts {
  problemId: string;
  checkpointId: string;
  iteration: number;
  /** The sample's output as a vote for majority voting (see `answerOf`). */
  answer: string;
}

/**
 * Facts from the same run's earlier events, which later events are projected with. The transform
 * asks; whoever builds the context decides where the answers come from (the batch, a cache, a query).
 */
export interface ProjectionContext {
  sample(team: string, runId: string, sampleId: string): SampleFacts | undefined;
  problemOf(team: string, runId: string, problemId: string): ProblemFacts | undefined;
}

export function emptyProjectionRows(): ProjectionRows {
  return Object.fromEntries(PROJECTION_TABLES.map((table) => [table, []])) as unknown as ProjectionRows;
}
