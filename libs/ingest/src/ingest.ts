import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { isBlankLine, parseEventLine, type SchemaRegistry, type ValidationIssue, type XpEvent } from '@xp/events';
import { encodeEvent, encodeParsedEvent, recordBytes, TOPICS, type EventLog, type LogMessage } from '@xp/event-log';

export interface RejectedLine {
  line: number;
  issues: ValidationIssue[];
}

export interface IngestReport {
  accepted: number;
  rejected: RejectedLine[];
}

export interface IngestOptions {
  log: EventLog;
  registry: SchemaRegistry;
  /** Events appended per log write (default 5000). */
  chunkSize?: number;
  /** Bytes of events appended per log write at most (default 4 MiB), so kilobyte events do not pile up in memory. */
  chunkBytes?: number;
  /** A further check on schema-valid events (e.g. the caller's team); returns why an event is refused. */
  admit?: (event: XpEvent) => ValidationIssue | undefined;
  /** Called after each chunk is durably appended, with bytes of input consumed so far. */
  onProgress?: (progress: { accepted: number; rejected: number; bytes: number }) => void;
}

const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Validates NDJSON line by line and appends the valid events in order. A bad line is reported with its
 * number and reasons and never stops the valid lines around it from landing. One append is in flight
 * while the next chunk is validated, and appends are issued in input order, so per-run order holds.
 */
export async function ingestNdjson(input: Readable, options: IngestOptions): Promise<IngestReport> {
  const { log, registry } = options;
  const chunkSize = options.chunkSize ?? 5000;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const report: IngestReport = { accepted: 0, rejected: [] };
  let chunk: LogMessage[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let bytes = 0;
  let pendingBytes = 0;
  let lineNumber = 0;
  const tooLarge = await sizeCheck(log);

  const flush = async () => {
    const events = chunk;
    chunk = [];
    pendingBytes = 0;
    await inFlight;
    const consumed = bytes;
    inFlight = log.append(TOPICS.events, events).then(() => {
      report.accepted += events.length;
      options.onProgress?.({ accepted: report.accepted, rejected: report.rejected.length, bytes: consumed });
    });
  };

  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const text of lines) {
    lineNumber++;
    bytes += Buffer.byteLength(text) + 1;
    if (isBlankLine(text)) continue;
    const result = parseEventLine(registry, text, lineNumber);
    const refusal = result.ok ? options.admit?.(result.event) : undefined;
    if (!result.ok) report.rejected.push({ line: result.line, issues: result.issues });
    else if (refusal) report.rejected.push({ line: result.line, issues: [refusal] });
    else {
      // Validation does not change the parsed value, so the line itself is the event's encoding.
      const message = encodeParsedEvent(result.event, text);
      const oversized = tooLarge(message);
      if (oversized) report.rejected.push({ line: result.line, issues: [oversized] });
      else {
        chunk.push(message);
        pendingBytes += message.value.length;
      }
    }
    if (chunk.length >= chunkSize || pendingBytes >= chunkBytes) await flush();
  }
  if (chunk.length > 0) await flush();
  await inFlight;
  return report;
}

/** Validates already-parsed events (HTTP and GraphQL ingest) and appends the valid ones. */
export async function ingestValues(values: unknown[], options: Pick<IngestOptions, 'log' | 'registry' | 'admit'>): Promise<IngestReport> {
  const report: IngestReport = { accepted: 0, rejected: [] };
  const valid: LogMessage[] = [];
  const tooLarge = await sizeCheck(options.log);
  values.forEach((value, i) => {
    const result = options.registry.validate(value);
    const refusal = result.ok ? options.admit?.(result.event) : undefined;
    const message = result.ok && !refusal ? encodeEvent(result.event) : undefined;
    const oversized = message && tooLarge(message);
    if (!result.ok) report.rejected.push({ line: i + 1, issues: result.issues });
    else if (refusal) report.rejected.push({ line: i + 1, issues: [refusal] });
    else if (oversized) report.rejected.push({ line: i + 1, issues: [oversized] });
    else valid.push(message!);
  });
  if (valid.length > 0) await options.log.append(TOPICS.events, valid);
  report.accepted = valid.length;
  return report;
}

/**
 * Refuses what the event topic cannot take (its `max.message.bytes` on Kafka) before it is appended:
 * the log would refuse it anyway, failing the events appended with it, and a consumer retrying it
 * would stall its partition.
 */
async function sizeCheck(log: EventLog): Promise<(message: LogMessage) => ValidationIssue | undefined> {
  const limit = await log.maxRecordBytes(TOPICS.events);
  return (message) => {
    const bytes = recordBytes(message);
    if (limit === undefined || bytes <= limit) return undefined;
    return { path: '', message: `event is ${bytes.toLocaleString('en-US')} bytes; topic ${TOPICS.events} takes at most ${limit.toLocaleString('en-US')} bytes per record (its max.message.bytes)` };
  };
}
