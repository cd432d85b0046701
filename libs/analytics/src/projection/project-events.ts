import type { EventOf, XpEvent } from '@xp/events';
import { isoToClickHouseTime, toClickHouseTime } from '../clickhouse-time';
import { stringTokenOf, type JsonText } from '../json-text';
import { answerOf, reportedAnswer } from './answer';
import { edgesToWrite } from './lineage-edges';
import {
  emptyProjectionRows,
  type PositionedEvent,
  type ProjectionContext,
  type ProblemFacts,
  type ProjectionRows,
  type Row,
  type SampleFacts,
} from './projection-rows';

/** Rows for every table, plus the facts this batch taught (for the context of later batches). */
export interface Projection {
  rows: ProjectionRows;
  samples: Map<string, SampleFacts>;
  problems: Map<string, ProblemFacts>;
}

/** A problem no registration in the run names: no benchmark, and not held out. */
const UNREGISTERED: ProblemFacts = { benchmark: '', split: 'train' };

/** Key of a fact within its team and run: runs never share samples or problem registrations. */
export function factKey(team: string, runId: string, id: string): string {
  return `${team}\u0000${runId}\u0000${id}`;
}

/**
 * The projection itself, a pure function: events in log order (one partition) -> rows per table.
 * Facts about a run's earlier samples and problems come first from earlier events of this batch,
 * then from `context`; an event never sees facts from events after it, so a rebuild from the log
 * yields the same rows as the live projection.
 */
export function projectEvents(events: PositionedEvent[], context: ProjectionContext): Projection {
  const rows = emptyProjectionRows();
  const samples = new Map<string, SampleFacts>();
  const problems = new Map<string, ProblemFacts>();
  const sampleFacts = (e: XpEvent, sampleId: string) =>
    samples.get(factKey(e.team, e.runId, sampleId)) ?? context.sample(e.team, e.runId, sampleId);
  const problemOf = (e: XpEvent, problemId: string) =>
    problems.get(factKey(e.team, e.runId, problemId)) ?? context.problemOf(e.team, e.runId, problemId) ?? UNREGISTERED;

  // Records of one append share their timestamp: formatted once per run of equal values.
  let appendedMs = Number.NaN;
  let appendedAt = '';
  for (const positioned of events) {
    const { event } = positioned;
    if (positioned.appendedAt !== appendedMs) {
      appendedMs = positioned.appendedAt;
      appendedAt = toClickHouseTime(appendedMs);
    }
    const occurredAt = isoToClickHouseTime(event.occurredAt);
    const common = [event.team, event.experimentId, event.runId, event.eventId, event.seq, occurredAt, positioned.partition, positioned.offset];
    rows.events.push([...common, event.type, event.schemaVersion, event.producer ?? '', event.parents, storedPayload(event), appendedAt]);
    pushLineage(rows.lineage_edges, event, occurredAt);
    switch (event.type) {
      case 'run.started':
      case 'run.finished':
        rows.runs.push(runRow(event, occurredAt));
        break;
      case 'problem.registered':
        problems.set(factKey(event.team, event.runId, event.payload.problemId), { benchmark: event.payload.benchmark, split: event.payload.split });
        rows.problems.push(problemRow(event, common, largeText(positioned, 'statement', event.payload.statement)));
        break;
      case 'sample.generated': {
        const p = event.payload;
        const facts: SampleFacts = {
          problemId: p.problemId,
          checkpointId: p.checkpointId,
          iteration: p.iteration,
          ...problemOf(event, p.problemId),
          answer: answerOf(p.output),
        };
        samples.set(factKey(event.team, event.runId, p.sampleId), facts);
        rows.samples.push([
          ...common, p.sampleId, p.problemId, facts.benchmark, facts.split, p.purpose ?? 'training', p.checkpointId, p.iteration,
          // Facts the producer did not report stay NULL (unknown), never a made-up zero.
          p.attempt, largeText(positioned, 'output', p.output), p.tokens ?? null, p.logprob ?? null, p.seed ?? null, p.temperature ?? null,
        ]);
        break;
      }
      case 'sample.verified': {
        const p = event.payload;
        const facts = sampleFacts(event, p.sampleId);
        const problem = facts ?? problemOf(event, p.problemId);
        rows.verifications.push([
          ...common, p.sampleId, p.problemId, problem.benchmark, problem.split, facts?.checkpointId ?? '',
          facts?.iteration ?? null, p.verifierId, p.verifierVersion, p.verdict,
          reportedAnswer(p.details as Record<string, unknown> | undefined) ?? facts?.answer ?? '', p.details ?? {},
        ]);
        break;
      }
      case 'reward.assigned': {
        const p = event.payload;
        const facts = sampleFacts(event, p.sampleId);
        const problemId = p.problemId ?? facts?.problemId ?? '';
        const problem = facts ?? problemOf(event, problemId);
        rows.rewards.push([
          ...common, p.sampleId, problemId, problem.benchmark, problem.split, facts?.checkpointId ?? '',
          p.value, p.components, p.rewardFunction, p.rewardVersion,
        ]);
        break;
      }
      case 'curriculum.decided': {
        const p = event.payload;
        rows.curriculum_decisions.push([...common, p.decisionId, p.iteration, p.strategy, p.params ?? {}, p.problemIds, p.watermark, p.seed, p.outputHash]);
        break;
      }
      case 'replay.batch': {
        const p = event.payload;
        rows.replay_batches.push([
          ...common, p.batchId, p.iteration, p.strategy, p.params ?? {}, p.sampleIds, p.epoch ?? null, p.watermark, p.seed, p.outputHash,
        ]);
        break;
      }
      case 'model.updated': {
        const p = event.payload;
        rows.model_updates.push([
          ...common, p.checkpointId, p.parentCheckpointId, p.batchIds, p.step, p.loss ?? null, p.artifactUri ?? null, p.sha256 ?? null,
        ]);
        break;
      }
      case 'evaluation.completed': {
        const p = event.payload;
        rows.evaluations.push([
          ...common, p.checkpointId, p.benchmark, p.split, p.problems, p.samplesPerProblem, p.k, p.passAt1, p.passAtK,
          p.majAtK, p.meanReward, p.solved,
        ]);
        break;
      }
      case 'metrics.logged': {
        const { step, metrics } = event.payload;
        for (const name in metrics) rows.metrics.push([event.team, event.experimentId, event.runId, event.eventId, occurredAt, step, name, metrics[name]]);
        break;
      }
    }
  }
  return { rows, samples, problems };
}

/**
 * What `events.payload` keeps: the payload less the texts that `samples` and `problems` hold verbatim,
 * so a kilobyte completion is stored once (the view `events_full` puts them back).
 */
export function storedPayload(event: XpEvent): unknown {
  switch (event.type) {
    case 'sample.generated': {
      const { output, ...rest } = event.payload;
      return rest;
    }
    case 'problem.registered': {
      const { statement, ...rest } = event.payload;
      return rest;
    }
    default:
      return event.payload;
  }
}

function runRow(event: EventOf<'run.started'> | EventOf<'run.finished'>, at: string): Row {
  const key = [event.team, event.experimentId, event.runId];
  if (event.type === 'run.started') {
    const p = event.payload;
    return [
      ...key, p.name ?? null, p.config, p.seed, p.codeVersion, p.parentRunId ?? null, p.forkedAtOffset ?? null, at,
      null, null, null, null, null,
    ];
  }
  const p = event.payload;
  return [...key, null, null, null, null, null, null, null, at, p.status, p.iterations, p.error ?? null, p.summary ?? null];
}

/**
 * A payload's large text as its JSON token in the record the event was read from, spliced into the
 * insert as is; the decoded value when the record's text is not at hand.
 */
function largeText(positioned: PositionedEvent, key: 'output' | 'statement', value: string): JsonText | string {
  return (positioned.json !== undefined && stringTokenOf(positioned.json, key)) || value;
}

function problemRow(event: EventOf<'problem.registered'>, common: Row, statement: JsonText | string): Row {
  const p = event.payload;
  const source = p.source;
  return [
    ...common, p.problemId, p.benchmark, p.difficulty, p.split, statement, source.kind,
    source.kind === 'dataset' ? source.dataset : null,
    source.kind === 'dataset' ? source.version ?? null : null,
    source.kind === 'conjectured' ? source.checkpointId : null,
  ];
}

function pushLineage(into: Row[], event: XpEvent, occurredAt: string): void {
  const lineage = edgesToWrite(event);
  for (const parent of lineage.parents) {
    into.push([event.team, event.experimentId, event.runId, parent.id, parent.kind, lineage.id, lineage.kind, parent.relation, occurredAt]);
  }
}
