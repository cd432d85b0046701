import type { EventOf, XpEvent } from '@xp/events';
import { isoToClickHouseTime, toClickHouseTime } from '../clickhouse-time';
import { answerOf, reportedAnswer } from './answer';
import { lineageOf } from './lineage-edges';
import {
  emptyProjectionRows,
  type PositionedEvent,
  type ProjectionContext,
  type ProjectionRows,
  type Row,
  type SampleFacts,
} from './projection-rows';

/** Rows for every table, plus the facts this batch taught (for the context of later batches). */
export interface Projection {
  rows: ProjectionRows;
  samples: Map<string, SampleFacts>;
  benchmarks: Map<string, string>;
}

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
  const benchmarks = new Map<string, string>();
  const sampleFacts = (e: XpEvent, sampleId: string) =>
    samples.get(factKey(e.team, e.runId, sampleId)) ?? context.sample(e.team, e.runId, sampleId);
  const benchmarkOf = (e: XpEvent, problemId: string) =>
    benchmarks.get(factKey(e.team, e.runId, problemId)) ?? context.benchmarkOf(e.team, e.runId, problemId) ?? '';

  for (const positioned of events) {
    const { event } = positioned;
    const common = commonColumns(positioned);
    rows.events.push(eventRow(positioned, common));
    for (const edge of lineageRows(event, common.occurred_at as string)) rows.lineage_edges.push(edge);
    switch (event.type) {
      case 'run.started':
      case 'run.finished':
        rows.runs.push(runRow(event));
        break;
      case 'problem.registered':
        benchmarks.set(factKey(event.team, event.runId, event.payload.problemId), event.payload.benchmark);
        rows.problems.push(problemRow(event, common));
        break;
      case 'sample.generated': {
        const p = event.payload;
        const facts: SampleFacts = {
          problemId: p.problemId,
          checkpointId: p.checkpointId,
          iteration: p.iteration,
          benchmark: benchmarkOf(event, p.problemId),
          answer: answerOf(p.output),
        };
        samples.set(factKey(event.team, event.runId, p.sampleId), facts);
        rows.samples.push({
          ...common, sample_id: p.sampleId, problem_id: p.problemId, benchmark: facts.benchmark, checkpoint_id: p.checkpointId,
          iteration: p.iteration, attempt: p.attempt, output: p.output, tokens: p.tokens, logprob: p.logprob, seed: p.seed,
          temperature: p.temperature ?? null,
        });
        break;
      }
      case 'sample.verified': {
        const p = event.payload;
        const facts = sampleFacts(event, p.sampleId);
        rows.verifications.push({
          ...common, sample_id: p.sampleId, problem_id: p.problemId, benchmark: facts?.benchmark ?? benchmarkOf(event, p.problemId),
          checkpoint_id: facts?.checkpointId ?? '', iteration: facts?.iteration ?? null, verifier_id: p.verifierId,
          verifier_version: p.verifierVersion, verdict: p.verdict,
          answer: reportedAnswer(p.details as Record<string, unknown> | undefined) ?? facts?.answer ?? '',
          details: JSON.stringify(p.details ?? {}),
        });
        break;
      }
      case 'reward.assigned': {
        const p = event.payload;
        const facts = sampleFacts(event, p.sampleId);
        const problemId = p.problemId ?? facts?.problemId ?? '';
        rows.rewards.push({
          ...common, sample_id: p.sampleId, problem_id: problemId, benchmark: facts?.benchmark ?? benchmarkOf(event, problemId),
          checkpoint_id: facts?.checkpointId ?? '', value: p.value, components: p.components,
          reward_function: p.rewardFunction, reward_version: p.rewardVersion,
        });
        break;
      }
      case 'curriculum.decided': {
        const p = event.payload;
        rows.curriculum_decisions.push({
          ...common, decision_id: p.decisionId, iteration: p.iteration, strategy: p.strategy, params: JSON.stringify(p.params ?? {}),
          problem_ids: p.problemIds, watermark: p.watermark, seed: p.seed, output_hash: p.outputHash,
        });
        break;
      }
      case 'replay.batch': {
        const p = event.payload;
        rows.replay_batches.push({
          ...common, batch_id: p.batchId, iteration: p.iteration, strategy: p.strategy, params: JSON.stringify(p.params ?? {}),
          sample_ids: p.sampleIds, epoch: p.epoch ?? null, watermark: p.watermark, seed: p.seed, output_hash: p.outputHash,
        });
        break;
      }
      case 'model.updated': {
        const p = event.payload;
        rows.model_updates.push({
          ...common, checkpoint_id: p.checkpointId, parent_checkpoint_id: p.parentCheckpointId, batch_ids: p.batchIds,
          step: p.step, loss: p.loss, artifact_uri: p.artifactUri, sha256: p.sha256,
        });
        break;
      }
      case 'evaluation.completed': {
        const p = event.payload;
        rows.evaluations.push({
          ...common, checkpoint_id: p.checkpointId, benchmark: p.benchmark, split: p.split, problems: p.problems,
          samples_per_problem: p.samplesPerProblem, k: p.k, pass_at_1: p.passAt1, pass_at_k: p.passAtK,
          maj_at_k: p.majAtK, mean_reward: p.meanReward, solved: p.solved,
        });
        break;
      }
    }
  }
  return { rows, samples, benchmarks };
}

/** Columns every per-event table starts with. */
function commonColumns({ event, partition, offset }: PositionedEvent): Row {
  return {
    team: event.team,
    experiment_id: event.experimentId,
    run_id: event.runId,
    event_id: event.eventId,
    seq: event.seq,
    occurred_at: isoToClickHouseTime(event.occurredAt),
    log_partition: partition,
    log_offset: offset,
  };
}

function eventRow({ event, appendedAt }: PositionedEvent, common: Row): Row {
  return {
    ...common,
    type: event.type,
    schema_version: event.schemaVersion,
    producer: event.producer ?? '',
    parents: event.parents,
    payload: JSON.stringify(event.payload),
    appended_at: toClickHouseTime(appendedAt),
  };
}

function runRow(event: EventOf<'run.started'> | EventOf<'run.finished'>): Row {
  const key = { team: event.team, experiment_id: event.experimentId, run_id: event.runId };
  const at = isoToClickHouseTime(event.occurredAt);
  if (event.type === 'run.started') {
    const p = event.payload;
    return {
      ...key, name: p.name ?? null, config: JSON.stringify(p.config), seed: p.seed, code_version: p.codeVersion,
      parent_run_id: p.parentRunId ?? null, forked_at_offset: p.forkedAtOffset ?? null, started_at: at,
      finished_at: null, status: null, iterations: null, error: null, summary: null,
    };
  }
  const p = event.payload;
  return {
    ...key, name: null, config: null, seed: null, code_version: null, parent_run_id: null, forked_at_offset: null,
    started_at: null, finished_at: at, status: p.status, iterations: p.iterations, error: p.error ?? null,
    summary: p.summary === undefined ? null : JSON.stringify(p.summary),
  };
}

function problemRow(event: EventOf<'problem.registered'>, common: Row): Row {
  const p = event.payload;
  const source = p.source;
  return {
    ...common, problem_id: p.problemId, benchmark: p.benchmark, difficulty: p.difficulty, split: p.split, statement: p.statement,
    source_kind: source.kind,
    source_dataset: source.kind === 'dataset' ? source.dataset : null,
    source_version: source.kind === 'dataset' ? source.version ?? null : null,
    source_checkpoint_id: source.kind === 'conjectured' ? source.checkpointId : null,
  };
}

function lineageRows(event: XpEvent, occurredAt: string): Row[] {
  const lineage = lineageOf(event);
  return lineage.parents.map((parent) => ({
    team: event.team, experiment_id: event.experimentId, run_id: event.runId, parent_id: parent.id, parent_kind: parent.kind,
    child_id: lineage.id, child_kind: lineage.kind, relation: parent.relation, occurred_at: occurredAt,
  }));
}
