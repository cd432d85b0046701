import type { PositionedEvent } from '@xp/analytics';
import { eventText, type DeadLetter, type LogRecord } from '@xp/event-log';
import { formatIssue, type SchemaRegistry } from '@xp/events';

export interface DecodedRecords {
  events: PositionedEvent[];
  rejected: DeadLetter[];
}

/**
 * Decodes and validates records in log order. Whatever a record holds, it ends up either as an
 * event or as a dead letter whose reason names what is wrong; nothing here throws.
 */
export function decodeRecords(records: LogRecord[], registry: SchemaRegistry): DecodedRecords {
  const decoded: DecodedRecords = { events: [], rejected: [] };
  for (const record of records) {
    let value: unknown;
    // Kept with the event: the projection copies large texts from it instead of encoding them again.
    const json = eventText(record);
    try {
      value = JSON.parse(json);
    } catch (err) {
      decoded.rejected.push({ record, reason: `not valid JSON (${(err as Error).message})` });
      continue;
    }
    const result = registry.validate(value);
    if (result.ok) {
      decoded.events.push({ event: result.event, partition: record.partition, offset: record.offset, appendedAt: record.timestamp, json });
    } else {
      decoded.rejected.push({ record, reason: `invalid event: ${result.issues.map(formatIssue).join('; ')}` });
    }
  }
  return decoded;
}
