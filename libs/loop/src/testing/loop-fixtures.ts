import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XpEvent } from '@xp/events';
import { EmbeddedEventLog, TOPICS, type EventLog, type LogMessage } from '@xp/event-log';
import type { LoopConfigOverrides } from '../loop/config';

/** A loop small enough for unit tests: a few seconds on two shared cores. */
export const SMALL_LOOP: LoopConfigOverrides = {
  suite: { trainPerLevel: 10, heldoutPerLevel: 4 },
  curriculum: { problemsPerIteration: 16 },
  replay: { batchSize: 32, batchesPerIteration: 4 },
  attemptsPerProblem: 4,
  evaluation: { samplesPerProblem: 4, k: 2 },
};

export interface TempLog {
  log: EventLog;
  dir: string;
  dispose(): Promise<void>;
}

export async function openTempLog(): Promise<TempLog> {
  const dir = mkdtempSync(join(tmpdir(), 'xp-loop-'));
  const log = EmbeddedEventLog.open({ dir: join(dir, 'log') });
  return {
    log,
    dir,
    async dispose() {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A log that rewrites some events on their way in, as a buggy or tampering producer would: the run
 * goes on with the original decision while the log records the changed one.
 */
export function tamperingLog(inner: EventLog, rewrite: (event: XpEvent) => XpEvent): EventLog {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'append') return Reflect.get(target, property, receiver);
      return (topic: string, messages: LogMessage[]) =>
        target.append(topic, messages.map((m) => ({ ...m, value: Buffer.from(JSON.stringify(rewrite(JSON.parse(m.value.toString())))) })));
    },
  });
}

/** Counts the event-topic records a log hands out through read(). */
export function countingReads(inner: EventLog): { log: EventLog; read: () => number } {
  let read = 0;
  const log = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'read') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<EventLog['read']>) => {
        const records = await target.read(...args);
        if (args[0] === TOPICS.events) read += records.length;
        return records;
      };
    },
  });
  return { log, read: () => read };
}

/** A bare event of a run, its payload as given: for tests of reading, not of schemas. */
export function bareEvent(runId: string, type: string, seq: number, payload: Record<string, unknown> = {}): XpEvent {
  return {
    eventId: `${runId}-${seq}`, type, schemaVersion: 1, team: 't', experimentId: 'e', runId, seq, producer: 'runner',
    occurredAt: '2026-01-01T00:00:00.000Z', parents: [], payload,
  } as unknown as XpEvent;
}
