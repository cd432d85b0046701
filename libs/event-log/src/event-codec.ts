import type { XpEvent } from '@xp/events';
import type { LogMessage, LogRecord } from './port';

/** Events travel as UTF-8 JSON keyed by runId, so a run's events share a partition and stay in order. */
export function encodeEvent(event: XpEvent): LogMessage {
  return encodeParsedEvent(event, JSON.stringify(event));
}

/** The same message from the JSON text `event` was parsed from, sparing a second serialization. */
export function encodeParsedEvent(event: XpEvent, json: string): LogMessage {
  return { key: event.runId, value: Buffer.from(json) };
}

/** The JSON text of a record's event, for readers that keep the text beside the parsed event. */
export function eventText(record: LogRecord): string {
  return record.value.toString('utf8');
}

/** Decodes without validating: consumers validate (or trust) according to where the record came from. */
export function decodeEvent(record: LogRecord): unknown {
  return JSON.parse(eventText(record));
}
