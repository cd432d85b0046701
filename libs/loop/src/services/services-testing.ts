import type { XpEvent } from '@xp/events';
import type { EventLog, Subscription } from '@xp/event-log';
import { readRunEvents } from '../loop/run-history';
import { startLoopService, type LoopDecision } from './loop-service';
import { SCHEDULE_KEY } from './run-view';
import { LOOP_SERVICES, type LoopServiceName } from './turn';

/** Starts the five services in this process, each its own subscription, on the log `logFor` gives it. */
export async function startAllServices(
  logFor: (name: LoopServiceName) => EventLog, dataDir: string, decisions: LoopDecision[] = [], errors: unknown[] = [],
): Promise<Subscription[]> {
  return Promise.all(LOOP_SERVICES.map((name) => startLoopService(name, {
    log: logFor(name), dataDir, onDecision: (d) => decisions.push(d), onError: (e) => errors.push(e),
  })));
}

/**
 * A run's events as the determinism contract sees them: offsets, producers, sequence numbers, parents
 * and payloads. Event ids and timestamps come from the clock, and the schedule marks who drove the run.
 */
export async function comparableRun(log: EventLog, runId: string): Promise<unknown[]> {
  return (await readRunEvents(log, runId)).map(({ event, offset }) => {
    const { eventId: _id, occurredAt: _at, ...rest } = event;
    return { offset, ...rest, payload: withoutSchedule(event) };
  });
}

function withoutSchedule(event: XpEvent): unknown {
  if (event.type !== 'run.started') return event.payload;
  const { [SCHEDULE_KEY]: _schedule, ...config } = event.payload.config as Record<string, unknown>;
  return { ...event.payload, config };
}
