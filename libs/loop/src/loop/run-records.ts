import type {
  CurriculumDecidedPayload, EvaluationCompletedPayload, ModelUpdatedPayload, ReplayBatchPayload, SampleGeneratedPayload,
} from '@xp/events';
import type { HistoryEntry } from './run-history';

/** A run's own events regrouped by iteration and stage, as a replay checks them. */
export interface AttemptRecords {
  generated: Array<{ offset: number; payload: SampleGeneratedPayload }>;
  verdicts: Map<string, string>;
  rewards: Map<string, number>;
  /** Offset just past the group's last event. */
  end: number;
}

export interface IterationRecords {
  iteration: number;
  curriculum?: { offset: number; payload: CurriculumDecidedPayload };
  train: AttemptRecords;
  replay: Array<{ offset: number; payload: ReplayBatchPayload }>;
  model?: { offset: number; payload: ModelUpdatedPayload };
  eval: AttemptRecords;
  evaluations: Array<{ offset: number; payload: EvaluationCompletedPayload }>;
}

const emptyAttempts = (): AttemptRecords => ({ generated: [], verdicts: new Map(), rewards: new Map(), end: 0 });

/**
 * Walks the run's own events in log order. Events that carry no iteration (model.updated,
 * evaluation.completed) belong to the iteration in progress; before the first curriculum decision
 * that is iteration 0, the run's first checkpoint and its evaluation.
 */
export function groupByIteration(runId: string, own: readonly HistoryEntry[]): IterationRecords[] {
  const iterations = new Map<number, IterationRecords>();
  const groupOf = new Map<string, AttemptRecords>();
  let current = 0;
  const at = (iteration: number) => {
    let records = iterations.get(iteration);
    if (!records) {
      records = { iteration, train: emptyAttempts(), replay: [], eval: emptyAttempts(), evaluations: [] };
      iterations.set(iteration, records);
    }
    return records;
  };
  for (const { event, offset } of own) {
    switch (event.type) {
      case 'curriculum.decided':
        current = event.payload.iteration;
        at(current).curriculum = { offset, payload: event.payload };
        break;
      case 'sample.generated': {
        current = event.payload.iteration;
        const group = event.payload.sampleId.startsWith(`${runId}/e/`) ? at(current).eval : at(current).train;
        group.generated.push({ offset, payload: event.payload });
        group.end = offset + 1;
        groupOf.set(event.payload.sampleId, group);
        break;
      }
      case 'sample.verified': {
        const group = groupOf.get(event.payload.sampleId);
        group?.verdicts.set(event.payload.sampleId, event.payload.verdict);
        if (group) group.end = offset + 1;
        break;
      }
      case 'reward.assigned': {
        const group = groupOf.get(event.payload.sampleId);
        group?.rewards.set(event.payload.sampleId, event.payload.value);
        if (group) group.end = offset + 1;
        break;
      }
      case 'replay.batch':
        at(event.payload.iteration).replay.push({ offset, payload: event.payload });
        break;
      case 'model.updated':
        at(current).model = { offset, payload: event.payload };
        break;
      case 'evaluation.completed':
        at(current).evaluations.push({ offset, payload: event.payload });
        break;
      default:
        break;
    }
  }
  return [...iterations.values()].sort((a, b) => a.iteration - b.iteration);
}
