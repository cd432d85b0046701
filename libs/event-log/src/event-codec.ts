import type { XpEvent } from '@xp/events';
import type { LogMessage, LogRecord } from './port';

/** Events travel as UTF-8 JSON keyed by runId, so a run's events share a partition and stay in order. */
export function encodeEvent(event: XpEvent): LogMessage {
  return { key: event.runId, value: Buffer.from(JSON.stringify(event)) };
}

/** Decodes without validating: consumers validate (or trust) according to where the record came from. */
export function decodeEvent(record: LogRecord): unknown {
  return JSON.parse(record.value.toString('utf8'));
}
