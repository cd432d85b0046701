import type { XpEvent } from '@xp/events';
import { isoToClickHouseTime, toClickHouseTime } from '../clickhouse-time';
import { answerOf, reportedAnswer } from './answer';
import { edgesToWrite } from './lineage-edges';
import { factKey } from './project-events';
import type { PositionedEvent, ProjectionContext, SampleFacts } from './projection-rows';

/**
 * Columns of `projection_input` (migration 0008), in body order: the event as the log holds it,
 * then what needs earlier events (`fact_*`), then the lineage the event states. Materialized views
 * fan the rows out into the per-type tables and extract payload fields inside ClickHouse.
 */
export const STAGED_COLUMNS = [
  'event_id', 'type', 'schema_version', 'team', 'experiment_id', 'run_id', 'seq', 'producer', 'occurred_at', 'parents',
  'payload', 'log_partition', 'log_offset', 'appended_at',
  'fact_problem_id', 'fact_benchmark', 'fact_checkpoint_id', 'fact_iteration', 'fact_answer',
  'lineage_id', 'lineage_kind', 'lineage_parent_ids', 'lineage_parent_kinds', 'lineage_relations',
] as const;

/** A batch ready for its one insert, plus the facts it taught (for the context of later batches). */
export interface StagedBatch {
  /** One array per column of `STAGED_COLUMNS`, one element per event: JSONCompactColumns. */
  columns: unknown[][];
  samples: Map<string, SampleFacts>;
  benchmarks: Map<string, string>;
}

/**
 * The JS half of the projection, a pure function: events in log order (one partition) -> the
 * columns of one insert. Only what ClickHouse cannot derive from the event alone is computed here:
 * a sample's benchmark (from its problem), a verdict's or reward's checkpoint, iteration, benchmark,
 * problem and answer (from its sample), and the lineage edges. Facts come first from earlier events
 * of this batch, then from `context`; an event never sees facts from events after it, so a rebuild
 * yields the same rows as the live projection.
 */
export function stageEvents(events: PositionedEvent[], context: ProjectionContext): StagedBatch {
  const n = events.length;
  const columns: unknown[][] = STAGED_COLUMNS.map(() => new Array(n));
  const [
    eventId, type, schemaVersion, team, experimentId, runId, seq, producer, occurredAt, parents, payload, logPartition, logOffset,
    appendedAt, factProblemId, factBenchmark, factCheckpointId, factIteration, factAnswer, lineageId, lineageKind, parentIds,
    parentKinds, relations,
  ] = columns;
  const samples = new Map<string, SampleFacts>();
  const benchmarks = new Map<string, string>();
  const sampleFacts = (e: XpEvent, sampleId: string) =>
    samples.get(factKey(e.team, e.runId, sampleId)) ?? context.sample(e.team, e.runId, sampleId);
  const benchmarkOf = (e: XpEvent, problemId: string) =>
    benchmarks.get(factKey(e.team, e.runId, problemId)) ?? context.benchmarkOf(e.team, e.runId, problemId) ?? '';

  for (let i = 0; i < n; i++) {
    const positioned = events[i];
    const event = positioned.event;
    eventId[i] = event.eventId;
    type[i] = event.type;
    schemaVersion[i] = event.schemaVersion;
    team[i] = event.team;
    experimentId[i] = event.experimentId;
    runId[i] = event.runId;
    seq[i] = event.seq;
    producer[i] = event.producer ?? '';
    occurredAt[i] = isoToClickHouseTime(event.occurredAt);
    parents[i] = event.parents;
    payload[i] = event.payload;
    logPartition[i] = positioned.partition;
    logOffset[i] = positioned.offset;
    appendedAt[i] = toClickHouseTime(positioned.appendedAt);
    let problemId = '';
    let benchmark = '';
    let checkpointId = '';
    let iteration: number | null = null;
    let answer = '';
    switch (event.type) {
      case 'problem.registered':
        benchmarks.set(factKey(event.team, event.runId, event.payload.problemId), event.payload.benchmark);
        break;
      case 'sample.generated': {
        const p = event.payload;
        benchmark = benchmarkOf(event, p.problemId);
        samples.set(factKey(event.team, event.runId, p.sampleId), {
          problemId: p.problemId, checkpointId: p.checkpointId, iteration: p.iteration, benchmark, answer: answerOf(p.output),
        });
        break;
      }
      case 'sample.verified': {
        const p = event.payload;
        const facts = sampleFacts(event, p.sampleId);
        problemId = p.problemId;
        benchmark = facts?.benchmark ?? benchmarkOf(event, p.problemId);
        checkpointId = facts?.checkpointId ?? '';
        iteration = facts?.iteration ?? null;
        answer = reportedAnswer(p.details as Record<string, unknown> | undefined) ?? facts?.answer ?? '';
        break;
      }
      case 'reward.assigned': {
        const p = event.payload;
        const facts = sampleFacts(event, p.sampleId);
        problemId = p.problemId ?? facts?.problemId ?? '';
        benchmark = facts?.benchmark ?? benchmarkOf(event, problemId);
        checkpointId = facts?.checkpointId ?? '';
        break;
      }
    }
    factProblemId[i] = problemId;
    factBenchmark[i] = benchmark;
    factCheckpointId[i] = checkpointId;
    factIteration[i] = iteration;
    factAnswer[i] = answer;
    const lineage = edgesToWrite(event);
    lineageId[i] = lineage.id;
    lineageKind[i] = lineage.kind;
    parentIds[i] = lineage.parents.map((parent) => parent.id);
    parentKinds[i] = lineage.parents.map((parent) => parent.kind);
    relations[i] = lineage.parents.map((parent) => parent.relation);
  }
  return { columns, samples, benchmarks };
}
