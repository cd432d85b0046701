import type { PayloadByType } from './generated/event-types';

export * from './generated/event-types';

export type EventType = keyof PayloadByType;

export const EVENT_TYPES: readonly EventType[] = [
  'run.started',
  'run.finished',
  'problem.registered',
  'sample.generated',
  'sample.verified',
  'reward.assigned',
  'curriculum.decided',
  'replay.batch',
  'model.updated',
  'evaluation.completed',
  'metrics.logged',
];

/** The envelope every event carries (schemas/events/envelope.v1.json). */
export interface EventEnvelope<T extends EventType = EventType> {
  eventId: string;
  type: T;
  schemaVersion: number;
  team: string;
  experimentId: string;
  runId: string;
  seq: number;
  producer?: string;
  occurredAt: string;
  parents: string[];
  payload: PayloadByType[T];
}

/** Any valid event, discriminated by `type`. */
export type XpEvent = { [T in EventType]: EventEnvelope<T> }[EventType];

export type EventOf<T extends EventType> = Extract<XpEvent, { type: T }>;
